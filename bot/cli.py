"""`python -m bot [run|migrate|check|schools|invite|events|survey|report]`: the bot and its
operator commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import setup_logging
from bot.settings import MISSING_TOKEN_MESSAGE, Settings, SettingsError, load_settings
from storage import migrate
from storage.db import create_engine, create_session_factory, failure_reason, ping
from storage.db import describe as describe_database
from storage.models import Role

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Telegram bot of the school-support programmes of Leningrad Oblast.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="apply migrations, then poll or serve the webhook (default)")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    commands.add_parser("check", help="validate settings and the database connection")

    schools = commands.add_parser("schools", help="the school directory").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    importing = schools.add_parser("import", help="preview (and with --apply, write) a CSV/XLSX")
    importing.add_argument("file", type=Path)
    importing.add_argument("--apply", action="store_true", help="write the changes")
    exporting = schools.add_parser("export", help="write the directory to a CSV/XLSX file")
    exporting.add_argument("file", type=Path)
    archiving = schools.add_parser("archive", help="a school leaves the programme")
    archiving.add_argument("code")

    invites = commands.add_parser("invite", help="invite codes").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    creating = invites.add_parser("create", help="create an invite code and its deep link")
    creating.add_argument("--role", required=True, choices=[role.value for role in Role])
    creating.add_argument(
        "--school", action="append", default=[], metavar="CODE",
        help="a school code (repeat it for a curator's several schools)",
    )  # fmt: skip
    creating.add_argument("--municipality", help="a municipality name or code")
    creating.add_argument("--uses", type=int, default=1, help="how many people (0: unlimited)")
    creating.add_argument("--days", type=int, default=14, help="days until it expires")
    invites.add_parser("list", help="invites still usable (the codes themselves are not kept)")
    revoking = invites.add_parser("revoke", help="make an invite unusable")
    revoking.add_argument("id", type=int)

    event_commands = commands.add_parser("events", help="meetings and webinars")
    events_actions = event_commands.add_subparsers(dest="action", metavar="ACTION", required=True)
    events_actions.add_parser("list", help="what is scheduled in the coming weeks")
    series = events_actions.add_parser(
        "series", help="set the organisational meetings (1st and 3rd Monday)"
    )
    series.add_argument("--link", required=True, help="the meeting link")
    series.add_argument("--time", default="10:00", help="local start time, HH:MM")
    series.add_argument("--duration", type=int, default=60, help="minutes")
    importing_events = events_actions.add_parser("import", help="webinars from a CSV/XLSX file")
    importing_events.add_argument("file", type=Path)
    importing_events.add_argument("--apply", action="store_true", help="write the webinars")
    moving = events_actions.add_parser("move", help="move one event (its audience is told)")
    moving.add_argument("id", type=int)
    moving.add_argument("--to", required=True, help='new local start, "DD.MM.YYYY HH:MM"')
    cancelling = events_actions.add_parser("cancel", help="cancel one event (audience told)")
    cancelling.add_argument("id", type=int)

    survey = commands.add_parser("survey", help="survey definitions and windows")
    survey_actions = survey.add_subparsers(dest="action", metavar="ACTION", required=True)
    survey_load = survey_actions.add_parser("load", help="load or update a YAML definition")
    survey_load.add_argument("file", type=Path)
    survey_open = survey_actions.add_parser("open", help="open the survey's answer window")
    survey_open.add_argument("code")
    survey_open.add_argument("--closes", required=True, help='local "DD.MM.YYYY HH:MM"')
    survey_open.add_argument("--opens", help='local "DD.MM.YYYY HH:MM" (default: now)')
    survey_open.add_argument(
        "--new-round", action="store_true",
        help="start the next round (fresh responses) instead of reopening the last one",
    )  # fmt: skip
    survey_close = survey_actions.add_parser("close", help="close the window now")
    survey_close.add_argument("code")
    survey_actions.add_parser("list", help="surveys with their windows and responses")
    from bot.cli_report import add_parser as add_report_parser

    add_report_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings)
    if command == "migrate":
        return asyncio.run(_migrate(settings))
    if command == "check":
        return asyncio.run(_check(settings))
    if command == "schools":
        return asyncio.run(_schools(settings, args))
    if command == "invite":
        return asyncio.run(_invite(settings, args))
    if command == "survey":
        return asyncio.run(_survey(settings, args))
    if command == "report":
        from bot.cli_report import run_report

        return asyncio.run(run_report(settings, args))
    if command == "events":
        from bot.cli_events import run_events

        return asyncio.run(run_events(settings, args))
    if settings.bot_token is None:
        print(MISSING_TOKEN_MESSAGE, file=sys.stderr)
        return EXIT_CONFIG
    from bot.app import CannotStart, run

    try:
        asyncio.run(run(settings))
    except CannotStart as failure:  # the operator's to fix: one line, no traceback
        print(failure, file=sys.stderr)
        return failure.status
    return 0


async def _migrate(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        print(
            f"Database {describe_database(settings.database_url)} is at revision "
            f"{await migrate.current_revision(engine)}"
        )
    finally:
        await engine.dispose()
    return 0


async def _check(settings: Settings) -> int:
    print(f"Mode:      {settings.mode.value}")
    print(
        f"Token:     {'set' if settings.bot_token else 'NOT SET (' + MISSING_TOKEN_MESSAGE + ')'}"
    )
    print(f"Bot API:   {settings.telegram_api_base or 'https://api.telegram.org'}")
    print(f"Time zone: {settings.timezone}; default locale: {settings.default_locale}")
    print(f"Admins:    {len(settings.admin_ids)}")
    print(f"FSM:       {'Redis' if settings.redis_url else 'the database'}")
    print(f"Database:  {describe_database(settings.database_url)}")
    engine = create_engine(settings.database_url)
    try:
        await ping(engine)
        current = await migrate.current_revision(engine)
    except Exception as exc:  # the operator needs the reason, whatever the driver raised
        print(f"Database:  UNAVAILABLE ({failure_reason(exc, settings.database_url)})")
        return EXIT_UNAVAILABLE
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"needs `python -m bot migrate` (head {head})"
    print(f"Schema:    revision {current or 'none'}, {state}")
    return 0 if settings.bot_token else EXIT_CONFIG


@asynccontextmanager
async def operator_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on a migrated database, for operator commands."""
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def _schools(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import Translator
    from bot.services import school_import
    from bot.services.errors import DomainError
    from bot.views import error_text, import_preview_text

    t = Translator(settings.default_locale).for_locale(settings.default_locale)
    async with operator_session(settings) as session:
        if args.action == "export":
            args.file.write_bytes(await school_import.export(session, args.file.name))
            print(f"Wrote {args.file}")
            return 0
        if args.action == "archive":
            from bot.services import directory

            try:
                school = await directory.archive_school(session, None, args.code)
            except DomainError as error:
                print(f"Refused: {error.reason}", file=sys.stderr)
                return 1
            print(f"Archived {school.code} {school.full_name}")
            return 0
        try:
            content = args.file.read_bytes()
        except OSError as exc:
            print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            preview = await school_import.preview(session, args.file.name, content)
        except DomainError as error:
            print(_plain(error_text(t, error)), file=sys.stderr)
            return 1
        print(_plain(import_preview_text(t, preview)))
        if preview.errors:
            print("Nothing written: fix the errors first.", file=sys.stderr)
            return 1
        if not args.apply:
            print("Nothing written yet: run again with --apply to write these changes.")
            return 0
        await school_import.apply(session, None, args.file.name, content)
        print("Applied.")
    return 0


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import directory, registration
    from bot.services.errors import DomainError

    async with operator_session(settings) as session:
        if args.action == "list":
            for invite in await registration.usable_invites(session):
                uses = f"{invite.uses}/{invite.max_uses or '∞'}"
                expires = invite.expires_at.astimezone(settings.zone)
                print(f"{invite.id:>5}  {invite.role:<22} uses {uses:<6} until "
                      f"{expires:%d.%m.%Y %H:%M}  schools {invite.school_ids or '-'}  "
                      f"municipality {invite.municipality_id or '-'}")  # fmt: skip
            return 0
        if args.action == "revoke":
            try:
                await registration.revoke_invite(session, None, args.id)
            except DomainError as error:
                print(f"Refused: {error.reason}", file=sys.stderr)
                return 1
            print(f"Invite {args.id} revoked")
            return 0
        municipality_id = None
        if args.municipality:
            found = (await directory.matcher(session)).match(args.municipality)
            if found is None:
                print(f"Unknown municipality: {args.municipality}", file=sys.stderr)
                return 1
            municipality_id = found.id
        schools = await _schools_by_code(session, args.school)
        if schools is None:
            return 1
        try:
            created = await registration.create_invite(
                session,
                None,
                Role(args.role),
                municipality_id=municipality_id,
                school_ids=schools,
                max_uses=args.uses or None,
                ttl=timedelta(days=args.days),
            )
        except DomainError as error:
            print(f"Cannot create the invite: {error.reason}", file=sys.stderr)
            return 1
    print(f"Code: {created.code}")
    username = await _bot_username(settings)
    link = f"https://t.me/{username or '<bot username>'}?start={created.code}"
    print(f"Link: {link}")
    print(f"Expires: {created.invite.expires_at.astimezone(settings.zone):%Y-%m-%d %H:%M %Z}")
    return 0


async def _schools_by_code(session: AsyncSession, codes: list[str]) -> list[int] | None:
    from storage.repositories.directory import SchoolRepository

    found = await SchoolRepository(session).by_codes(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        print(f"Unknown school code(s): {', '.join(missing)}", file=sys.stderr)
        return None
    return [found[code].id for code in codes]


async def _bot_username(settings: Settings) -> str | None:
    """The bot's @username for the deep link, if Telegram answers within a few seconds."""
    if settings.bot_token is None:
        return None
    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        me = await asyncio.wait_for(bot.me(), timeout=10)
    except Exception:  # no network, wrong token: the code alone still works
        return None
    finally:
        await bot.session.close()
    return me.username


def _plain(html: str) -> str:
    """Message HTML for a terminal."""
    import re
    from html import unescape

    return unescape(re.sub(r"</?[a-z]+>", "", html))


async def _survey(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import surveys
    from bot.services.errors import DomainError
    from bot.services.survey_definitions import SurveyFileError, load_definition
    from storage.types import utcnow

    def local(text: str) -> datetime:
        return datetime.strptime(text, "%d.%m.%Y %H:%M").replace(tzinfo=settings.zone)

    async with operator_session(settings) as session:
        try:
            if args.action == "load":
                loaded = await surveys.load(session, None, load_definition(args.file))
                print(f"{loaded.survey.code} v{loaded.survey.version}: {loaded.outcome}")
            elif args.action == "open":
                opens = local(args.opens) if args.opens else None
                survey = await surveys.open_window(
                    session, None, args.code, local(args.closes), utcnow(), opens,
                    new_round=args.new_round,
                )  # fmt: skip
                print(f"{survey.code} round {survey.round} open until "
                      f"{local(args.closes):%d.%m.%Y %H:%M}")  # fmt: skip
            elif args.action == "close":
                await surveys.close(session, None, args.code, utcnow())
                print(f"{args.code} closed")
            else:
                for survey, in_progress, submitted in await surveys.overview(session):
                    closes = (
                        survey.closes_at.astimezone(settings.zone) if survey.closes_at else None
                    )
                    until = f"{closes:%d.%m.%Y %H:%M}" if closes else "-"
                    print(f"{survey.code:<24} round {survey.round} v{survey.version}  "
                          f"{survey.status:<7} until {until}"
                          f"  in progress {in_progress}, submitted {submitted}")  # fmt: skip
        except SurveyFileError as error:
            print(error, file=sys.stderr)
            return 1
        except (DomainError, ValueError) as error:
            reason = error.reason if isinstance(error, DomainError) else str(error)
            print(f"Refused: {reason}", file=sys.stderr)
            return 1
    return 0
