"""`python -m bot survey load|open|close|list`: surveys from their YAML definitions, and
the windows in which they can be answered."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.console import EXIT_REFUSED, Console, FileProblem, local_time, refuse_file
from bot.cli.parsing import Commands
from bot.services.dates import parse_moment
from bot.services.errors import DomainError
from bot.settings import Settings


def register(commands: Commands) -> None:
    t = commands.t
    survey = commands.group("survey", run)
    survey.add("load").add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    opening = survey.add("open")
    opening.add_argument("code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code"))
    opening.add_argument(
        "--closes", required=True, metavar=t("cli-metavar-when"), help=t("cli-help-survey-closes")
    )
    opening.add_argument("--opens", metavar=t("cli-metavar-when"), help=t("cli-help-survey-opens"))
    opening.add_argument("--new-round", action="store_true", help=t("cli-help-survey-new-round"))
    survey.add("close").add_argument(
        "code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code")
    )
    survey.add("list")


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_survey(settings, args, console))


async def _survey(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import operator_session
    from bot.services import surveys
    from bot.services.survey_definitions import SurveyFileError, load_definition, template
    from bot.views import survey_problem
    from storage.types import utcnow

    t = console.t
    try:
        if args.action == "load":
            # A shipped template may be named instead of a file (`survey load pulse`): an
            # installed bot has no checkout to point at.
            shipped = None if args.file.exists() else template(str(args.file))
            if shipped is None and not args.file.exists():
                refuse_file(console, FileProblem("cli-file-missing", args.file))
            definition = load_definition(shipped or args.file)
        elif args.action == "open":
            closes = parse_moment(args.closes, settings.zone)
            opens = parse_moment(args.opens, settings.zone) if args.opens else None
    except SurveyFileError as error:
        console.refuse("cli-survey-file-refused", file=str(args.file))
        for problem in error.problems:
            print(f"- {survey_problem(t, problem)}", file=sys.stderr)
        return EXIT_REFUSED
    except DomainError as error:
        return console.refuse_error(error)
    async with operator_session(settings) as session:
        try:
            if args.action == "load":
                loaded = await surveys.load(session, None, definition)
                console.say(
                    f"survey-admin-loaded-{loaded.outcome}",
                    code=loaded.survey.code,
                    version=loaded.survey.version,
                )
            elif args.action == "open":
                now = utcnow()
                survey = await surveys.open_window(
                    session, None, args.code, closes, now, opens, new_round=args.new_round
                )
                window = {
                    "code": survey.code,
                    "round": survey.round,
                    "closes": local_time(closes, settings),
                }
                if opens is not None and opens > now:
                    console.say(
                        "cli-survey-opens-later", opens=local_time(opens, settings), **window
                    )
                else:
                    console.say("cli-survey-opened", **window)
            elif args.action == "close":
                await surveys.close(session, None, args.code, utcnow())
                console.say("cli-survey-closed", code=args.code)
            else:
                overview = await surveys.overview(session)
                if not overview:
                    console.say("cli-survey-none")
                for survey, in_progress, submitted in overview:
                    until = (
                        t("survey-admin-until", when=local_time(survey.closes_at, settings))
                        if survey.closes_at
                        else ""
                    )
                    console.say(
                        "cli-survey-line",
                        code=survey.code,
                        round=survey.round,
                        version=survey.version,
                        status=t(f"survey-admin-status-{survey.status}"),
                        window=until,
                        in_progress=in_progress,
                        submitted=submitted,
                    )
        except DomainError as error:
            return console.refuse_error(error)
    return 0
