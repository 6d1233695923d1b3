"""`python -m bot schools import|export|archive`: the school directory from and to a file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.console import (
    Console,
    FileProblem,
    plain,
    read_file,
    refuse_file,
    write_file,
)
from bot.cli.parsing import Commands
from bot.settings import Settings


def register(commands: Commands) -> None:
    t = commands.t
    schools = commands.group("schools", run)
    importing = schools.add("import")
    importing.add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    importing.add_argument("--apply", action="store_true", help=t("cli-help-schools-apply"))
    schools.add("export").add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    schools.add("archive").add_argument(
        "code", metavar=t("cli-metavar-code"), help=t("cli-help-school-code")
    )


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_schools(settings, args, console))


async def _schools(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import operator_session
    from bot.services import directory, school_import
    from bot.services.errors import DomainError
    from bot.views import import_preview_text

    try:
        content = read_file(args.file) if args.action == "import" else b""
    except FileProblem as problem:
        refuse_file(console, problem)
    async with operator_session(settings) as session:
        try:
            if args.action == "export":
                data = await school_import.export(session, args.file.name)
                try:
                    write_file(args.file, data)
                except FileProblem as problem:
                    refuse_file(console, problem)
                console.say("cli-schools-exported", file=str(args.file))
                return 0
            if args.action == "archive":
                school = await directory.archive_school(session, None, args.code)
                console.say("cli-schools-archived", code=school.code, name=school.full_name)
                return 0
            preview = await school_import.preview(session, args.file.name, content)
            console.line(plain(import_preview_text(console.t, preview)))
            if preview.errors:
                return console.refuse("cli-import-has-errors")
            if not preview.can_apply:
                console.say("import-nothing-to-do")
                return 0
            if not args.apply:
                console.say("cli-import-dry-run")
                return 0
            await school_import.apply(session, None, args.file.name, content)
        except DomainError as error:
            return console.refuse_error(error)
    console.say("import-applied", new=len(preview.new), updated=len(preview.updated))
    return 0
