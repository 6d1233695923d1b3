"""`python -m bot restore FILE [--yes]`: a copy made by `backup` put back as the SQLite
database, then migrated. For PostgreSQL it says which pg_restore command to run."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.console import EXIT_CONFIG, EXIT_REFUSED, Console
from bot.cli.parsing import Commands
from bot.settings import Settings

# What confirms a restore, in either locale.
YES = frozenset({"да", "д", "yes", "y"})


def register(commands: Commands) -> None:
    restoring = commands.add("restore", run)
    restoring.add_argument("file", type=Path, metavar=commands.t("cli-metavar-file"))
    restoring.add_argument("--yes", action="store_true", help=commands.t("cli-help-restore-yes"))


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import describe_database, postgres_target, upgrade
    from storage import backup, migrate
    from storage.types import utcnow

    database = describe_database(settings.database_url)
    source: Path = args.file
    if not backup.is_sqlite(settings.database_url):
        return console.refuse(
            "cli-restore-postgresql",
            database=database,
            command=(
                "pg_restore --clean --if-exists --no-owner "
                f"{postgres_target(settings.database_url)} {source}"
            ),
        )
    if not source.is_file():
        return console.refuse("cli-file-missing", EXIT_CONFIG, file=str(source))
    try:
        backup.revision_of(source, migrate.revisions())
    except backup.NotOurDatabase as refusal:
        return console.refuse(
            f"cli-restore-refused-{refusal.reason}", file=str(source), revision=refusal.revision
        )
    except OSError:
        return console.refuse("cli-file-unreadable", EXIT_CONFIG, file=str(source))
    if not args.yes and not _confirmed(console, database, source):
        return console.refuse("cli-restore-cancelled", EXIT_REFUSED)
    path = backup.sqlite_file(settings.database_url)
    kept = backup.restore(source, path, utcnow().astimezone(settings.zone))
    # A copy made by an older version gets the migrations it lacks: the bot starts on it.
    _, revision = asyncio.run(upgrade(settings.database_url))
    console.say("cli-restore-done", database=database, file=str(source), revision=revision)
    if kept is not None:
        console.say("cli-restore-kept", file=str(kept))
    return 0


def _confirmed(console: Console, database: str, source: Path) -> bool:
    print(console.t("cli-restore-confirm", database=database, file=str(source)), end=" ")
    sys.stdout.flush()
    try:
        answer = input()
    except EOFError:  # no terminal (a script without --yes): not a yes
        print()
        return False
    if not sys.stdin.isatty():
        print()  # an answer piped in is not echoed: end the question's line
    return answer.strip().lower() in YES
