"""`python -m bot [run|migrate|check|backup|restore|schools|invite|events|survey|report]`:
the bot and its operator commands.

The command line speaks the bot's locale (`--locale`, default `DEFAULT_LOCALE`), argparse's
own words included, with the bot's messages (`error-<reason>` for a refusal). Only `run`
(and `invite create` when it asks Telegram for the bot's username) imports aiogram: every
module a command needs is imported when that command runs, so `--help` and the database
commands start in well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.i18n import Localizer, Translator
from bot.settings import (
    SUPPORTED_LOCALES,
    Settings,
    SettingsError,
    data_dir,
    default_database_url,
    load_settings,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.services.errors import DomainError
    from bot.services.registration import InviteListing

EXIT_REFUSED = 1
EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3
ROLES = ("director", "curator", "municipal_coordinator", "regional_coordinator", "admin")
# How long `invite create` waits for Telegram's getMe when BOT_USERNAME is not set.
USERNAME_TIMEOUT = 5.0
# How long `check` waits for Telegram's getMe: longer, since finding out is its purpose.
CHECK_TIMEOUT = 10.0

# argparse takes its words from gettext (`argparse._`); these are the ones our commands can
# show, each with its message in the locale (and what Fluent trims off the end). `_` is
# private, but argparse has no public hook for its words short of a compiled gettext
# catalog per locale (see the allow-list in tests/unit/test_no_private_internals.py).
ARGPARSE_WORDS = {
    "usage: ": ("cli-argparse-usage", " "),
    "positional arguments": ("cli-argparse-positionals", ""),
    "options": ("cli-argparse-options", ""),
    "show this help message and exit": ("cli-argparse-help", ""),
    "%(prog)s: error: %(message)s\n": ("cli-argparse-error", "\n"),
    "argument %(argument_name)s: %(message)s": ("cli-argparse-argument", ""),
    "the following arguments are required: %s": ("cli-argparse-required", ""),
    "unrecognized arguments: %s": ("cli-argparse-unrecognized", ""),
    "expected one argument": ("cli-argparse-expected-one", ""),
    "invalid choice: %(value)r (choose from %(choices)s)": ("cli-argparse-invalid-choice", ""),
    "invalid %(type)s value: %(value)r": ("cli-argparse-invalid-value", ""),
    "ambiguous option: %(option)s could match %(matches)s": ("cli-argparse-ambiguous", ""),
}


class Console:
    """The operator's terminal in one locale: results on stdout, refusals on stderr."""

    def __init__(self, t: Localizer) -> None:
        self.t = t

    def say(self, key: str, **args: Any) -> None:
        print(self.t(key, **args))

    def line(self, text: str) -> None:
        print(text)

    def refuse(self, key: str, status: int = EXIT_REFUSED, **args: Any) -> int:
        print(self.t(key, **args), file=sys.stderr)
        return status

    def refuse_error(self, error: DomainError) -> int:
        from bot.views import error_text

        print(plain(error_text(self.t, error)), file=sys.stderr)
        return EXIT_REFUSED


@contextmanager
def _argparse_speaks(t: Localizer) -> Iterator[None]:
    """argparse's own words (usage, section titles, errors) in the locale, while the parser
    is built and used."""
    original = vars(argparse)["_"]

    def translate(message: str) -> str:
        found = ARGPARSE_WORDS.get(message)
        return t(found[0]) + found[1] if found else str(original(message))

    vars(argparse)["_"] = translate
    try:
        yield
    finally:
        vars(argparse)["_"] = original


def build_parser(t: Localizer) -> argparse.ArgumentParser:
    """The whole command line, its help in `t`'s locale (call inside `_argparse_speaks`)."""
    # --locale is accepted before the command and after it (`parents`); SUPPRESS keeps a
    # subcommand from overwriting the value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--locale",
        choices=SUPPORTED_LOCALES,
        default=argparse.SUPPRESS,
        metavar=t("cli-metavar-locale"),
        help=t("cli-help-locale"),
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot", description=t("cli-description"), parents=[common]
    )
    commands = parser.add_subparsers(dest="command", metavar=t("cli-metavar-command"))

    def command(name: str, parent: Any = commands, prefix: str = "") -> argparse.ArgumentParser:
        help_text = t(f"cli-help-{prefix}{name}")
        found: argparse.ArgumentParser = parent.add_parser(
            name, help=help_text, description=help_text, parents=[common]
        )
        return found

    def actions(name: str) -> Any:
        return command(name).add_subparsers(
            dest="action", metavar=t("cli-metavar-action"), required=True
        )

    command("run")
    command("migrate")
    command("check")
    command("backup").add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    restoring = command("restore")
    restoring.add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    restoring.add_argument("--yes", action="store_true", help=t("cli-help-restore-yes"))

    schools = actions("schools")
    importing = command("import", schools, "schools-")
    importing.add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    importing.add_argument("--apply", action="store_true", help=t("cli-help-schools-apply"))
    command("export", schools, "schools-").add_argument(
        "file", type=Path, metavar=t("cli-metavar-file")
    )
    command("archive", schools, "schools-").add_argument(
        "code", metavar=t("cli-metavar-code"), help=t("cli-help-school-code")
    )

    invites = actions("invite")
    creating = command("create", invites, "invite-")
    creating.add_argument("--role", required=True, choices=ROLES, help=t("cli-help-invite-role"))
    creating.add_argument(
        "--school",
        action="append",
        default=[],
        metavar=t("cli-metavar-code"),
        help=t("cli-help-invite-school"),
    )
    creating.add_argument(
        "--municipality",
        metavar=t("cli-metavar-municipality"),
        help=t("cli-help-invite-municipality"),
    )
    number = t("cli-metavar-number")
    creating.add_argument(
        "--uses", type=int, default=1, metavar=number, help=t("cli-help-invite-uses")
    )
    creating.add_argument(
        "--days", type=int, default=14, metavar=number, help=t("cli-help-invite-days")
    )
    command("list", invites, "invite-")
    command("revoke", invites, "invite-").add_argument(
        "id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-invite-id")
    )

    events = actions("events")
    command("list", events, "events-")
    series = command("series", events, "events-")
    series.add_argument(
        "--link", required=True, metavar=t("cli-metavar-link"), help=t("cli-help-events-link")
    )
    series.add_argument(
        "--time", default="10:00", metavar=t("cli-metavar-time"), help=t("cli-help-events-time")
    )
    series.add_argument(
        "--duration", type=int, default=60, metavar=number, help=t("cli-help-events-duration")
    )
    importing_events = command("import", events, "events-")
    importing_events.add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    importing_events.add_argument("--apply", action="store_true", help=t("cli-help-events-apply"))
    moving = command("move", events, "events-")
    moving.add_argument("id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-event-id"))
    moving.add_argument(
        "--to", required=True, metavar=t("cli-metavar-when"), help=t("cli-help-events-to")
    )
    command("cancel", events, "events-").add_argument(
        "id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-event-id")
    )

    survey = actions("survey")
    command("load", survey, "survey-").add_argument(
        "file", type=Path, metavar=t("cli-metavar-file")
    )
    survey_open = command("open", survey, "survey-")
    survey_open.add_argument(
        "code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code")
    )
    survey_open.add_argument(
        "--closes", required=True, metavar=t("cli-metavar-when"), help=t("cli-help-survey-closes")
    )
    survey_open.add_argument(
        "--opens", metavar=t("cli-metavar-when"), help=t("cli-help-survey-opens")
    )
    survey_open.add_argument(
        "--new-round", action="store_true", help=t("cli-help-survey-new-round")
    )
    command("close", survey, "survey-").add_argument(
        "code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code")
    )
    command("list", survey, "survey-")

    report = command("report")
    report.add_argument("code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code"))
    report.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=t("cli-metavar-folder"),
        help=t("cli-help-report-out"),
    )
    report.add_argument("--round", type=int, metavar=number, help=t("cli-help-report-round"))
    day = t("cli-metavar-day")
    report.add_argument("--from", dest="start", metavar=day, help=t("cli-help-report-from"))
    report.add_argument("--to", dest="end", metavar=day, help=t("cli-help-report-to"))
    report.add_argument("--anonymised", action="store_true", help=t("cli-help-report-anonymised"))
    return parser


def _requested_locale(argv: Sequence[str]) -> str | None:
    """`--locale X` or `--locale=X` anywhere in the arguments, read before the parser is
    built, since the parser's help is in that locale."""
    for index, arg in enumerate(argv):
        value = None
        if arg == "--locale" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--locale="):
            value = arg.partition("=")[2]
        if value in SUPPORTED_LOCALES:
            return value
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings: Settings | None = None
    problem: SettingsError | None = None
    try:
        settings = load_settings()
    except SettingsError as exc:  # reported after parsing: --help works with bad settings
        problem = exc
    fallback = os.environ.get("DEFAULT_LOCALE", "ru")
    locale = _requested_locale(argv) or (
        settings.default_locale if settings else fallback if fallback in SUPPORTED_LOCALES else "ru"
    )
    translator = Translator(locale)
    console = Console(translator.for_locale(locale))
    with _argparse_speaks(console.t):
        args = build_parser(console.t).parse_args(argv)
    if settings is None:
        assert problem is not None
        for line in setting_problems(console.t, problem):
            print(line, file=sys.stderr)
        return EXIT_CONFIG
    from bot.logs import setup_logging

    setup_logging(settings)
    if args.command not in (None, "run"):
        # An operator command says what it did in the locale; the log's English INFO lines
        # ("Database migrated …") would only repeat it. Warnings and errors still show.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    return run_command(args.command or "run", settings, args, console)


def setting_problems(t: Localizer, error: SettingsError) -> list[str]:
    """Each invalid setting as a line in the locale (values of secrets are never shown)."""
    lines = []
    for found in error.problems:
        key = found.kind if found.kind.startswith("setting-") else f"setting-{found.kind}"
        known = t.translator.has(t.locale, key)
        reason = t(key if known else "setting-invalid", **found.args)
        if found.name:
            lines.append(t("cli-bad-setting", name=found.name, reason=reason))
        else:
            lines.append(t("cli-bad-settings", reason=reason))
    return lines or [str(error)]


def run_command(
    command: str, settings: Settings, args: argparse.Namespace, console: Console
) -> int:
    """One command; each imports only what it needs."""
    if command == "migrate":
        return asyncio.run(_migrate(settings, console))
    if command == "check":
        return asyncio.run(_check(settings, console))
    if command in ("backup", "restore"):
        from bot.cli_backup import run_backup, run_restore

        if command == "backup":
            return run_backup(settings, args, console)
        return run_restore(settings, args, console)
    if command == "schools":
        return asyncio.run(_schools(settings, args, console))
    if command == "invite":
        return asyncio.run(_invite(settings, args, console))
    if command == "survey":
        return asyncio.run(_survey(settings, args, console))
    if command == "report":
        from bot.cli_report import run_report

        return asyncio.run(run_report(settings, args, console))
    if command == "events":
        from bot.cli_events import run_events

        return asyncio.run(run_events(settings, args, console))
    if settings.bot_token is None:
        return console.refuse("cli-missing-token", EXIT_CONFIG)
    from bot.app import CannotStart, run

    try:
        asyncio.run(run(settings))
    except CannotStart as failure:  # the operator's to fix: one line, no traceback
        print(failure, file=sys.stderr)
        return failure.status
    return 0


def describe_database(database_url: str) -> str:
    """The database URL without its password, fit for a terminal or a log."""
    from storage.db import describe

    return describe(database_url)


def plain(html: str) -> str:
    """Message HTML for a terminal."""
    import re
    from html import unescape

    return unescape(re.sub(r"</?[a-z]+>", "", html))


def local_time(moment: datetime, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%d.%m.%Y %H:%M}"


async def _migrate(settings: Settings, console: Console) -> int:
    from storage import migrate
    from storage.db import create_engine

    engine = create_engine(settings.database_url)
    try:
        before = await migrate.current_revision(engine)
        await migrate.upgrade(engine)
        after = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    key = "cli-migrate-nothing" if before == after else "cli-migrated"
    console.say(key, database=describe_database(settings.database_url), revision=after)
    return 0


async def _check(settings: Settings, console: Console) -> int:
    from bot.views import database_failure
    from storage import migrate
    from storage.db import create_engine, ping

    console.say(f"cli-check-mode-{settings.mode.value}")
    console.say("cli-check-token-set" if settings.bot_token else "cli-check-token-missing")
    api = str(settings.telegram_api_base or "https://api.telegram.org")
    console.say("cli-check-api", url=api)
    # Telegram first: a token it refuses is the commonest first-deployment mistake. The
    # database is still checked, so one run names every problem.
    status = await _check_telegram(settings, console, api) if settings.bot_token else EXIT_CONFIG
    console.say("cli-check-zone", zone=settings.timezone, language=settings.default_locale)
    console.say("cli-check-admins", count=len(settings.admin_ids))
    console.say("cli-check-fsm-redis" if settings.redis_url else "cli-check-fsm-database")
    console.say("cli-check-database", database=describe_database(settings.database_url))
    if settings.database_url == default_database_url():
        console.say("cli-check-data-dir", folder=str(data_dir()))
    engine = create_engine(settings.database_url)
    try:
        await ping(engine)
        current = await migrate.current_revision(engine)
    except Exception as exc:  # the operator needs the reason, whatever the driver raised
        reason = database_failure(console.t, exc, settings.database_url)
        return console.refuse("cli-check-database-unavailable", EXIT_UNAVAILABLE, reason=reason)
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    if current is None:
        console.say("cli-check-schema-empty", head=head)
    elif current == head:
        console.say("cli-check-schema-current", revision=current)
    else:
        console.say("cli-check-schema-behind", revision=current, head=head)
    return status


async def _check_telegram(settings: Settings, console: Console, api: str) -> int:
    """getMe: the bot's @username, or the one reason Telegram did not say it."""
    from aiogram.exceptions import TelegramUnauthorizedError

    try:
        username = await telegram_username(settings, CHECK_TIMEOUT)
    except TelegramUnauthorizedError:
        return console.refuse("cli-check-telegram-refused", EXIT_CONFIG)
    except TimeoutError:
        return console.refuse(
            "cli-check-telegram-timeout", EXIT_UNAVAILABLE, url=api, seconds=int(CHECK_TIMEOUT)
        )
    except Exception:  # no route, refused connection, a 5xx: Telegram cannot be used now
        return console.refuse("cli-check-telegram-unreachable", EXIT_UNAVAILABLE, url=api)
    console.say("cli-check-telegram-bot", username=username)
    return 0


@asynccontextmanager
async def operator_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on a migrated database, for operator commands."""
    from storage import migrate
    from storage.db import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


class FileProblem(Exception):
    """A file the operator named cannot be read or written; `key` says why."""

    def __init__(self, key: str, path: Path) -> None:
        super().__init__(key)
        self.key = key
        self.path = path


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileProblem("cli-file-missing", path) from None
    except PermissionError:
        raise FileProblem("cli-file-denied", path) from None
    except OSError:  # a folder, a device, a broken disk
        raise FileProblem("cli-file-unreadable", path) from None


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except PermissionError:
        raise FileProblem("cli-file-denied", path) from None
    except OSError:
        raise FileProblem("cli-file-unwritable", path) from None


def refuse_file(console: Console, problem: FileProblem) -> NoReturn:
    raise SystemExit(console.refuse(problem.key, EXIT_CONFIG, file=str(problem.path)))


async def _schools(settings: Settings, args: argparse.Namespace, console: Console) -> int:
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


async def _invite(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.services import directory, registration
    from bot.services.errors import DomainError, NotFound
    from storage.models import Role
    from storage.repositories.directory import SchoolRepository

    async with operator_session(settings) as session:
        try:
            if args.action == "list":
                listings = await registration.list_invites(session)
                if not listings:
                    console.say("cli-invite-none")
                for listing in listings:
                    console.line(_invite_line(console.t, listing, settings))
                return 0
            if args.action == "revoke":
                try:
                    await registration.revoke_invite(session, None, args.id)
                except NotFound:  # the bot's text for it speaks of codes typed in chat
                    return console.refuse("cli-invite-revoke-unknown", id=args.id)
                console.say("cli-invite-revoked", id=args.id)
                return 0
            municipality_id = None
            if args.municipality:
                found = (await directory.matcher(session)).match(args.municipality)
                if found is None:
                    return console.refuse("cli-invite-unknown-municipality", name=args.municipality)
                municipality_id = found.id
            schools = await SchoolRepository(session).by_codes(args.school)
            missing = [code for code in args.school if code not in schools]
            if missing:
                return console.refuse(
                    "cli-invite-unknown-schools", count=len(missing), codes=", ".join(missing)
                )
            created = await registration.create_invite(
                session,
                None,
                Role(args.role),
                municipality_id=municipality_id,
                school_ids=[schools[code].id for code in args.school],
                max_uses=args.uses or None,
                ttl=timedelta(days=args.days),
            )
        except DomainError as error:
            return console.refuse_error(error)
    console.say("cli-invite-code", code=created.code)
    username = await bot_username(settings)
    if username:
        console.say("cli-invite-link", link=f"https://t.me/{username}?start={created.code}")
    else:
        console.say("cli-invite-link-unknown", code=created.code)
    console.say("cli-invite-expires", when=local_time(created.invite.expires_at, settings))
    return 0


def _invite_line(t: Localizer, listing: InviteListing, settings: Settings) -> str:
    from bot.views import role_name

    invite = listing.invite
    if invite.school_ids:
        names = [t("cli-invite-school", code=s.code, name=s.short_name) for s in listing.schools]
        names += [t("cli-invite-school-gone", id=i) for i in listing.missing_school_ids]
        scope = t("cli-invite-scope-schools", count=len(names), schools="; ".join(names))
    elif listing.municipality is not None:
        scope = t("cli-invite-scope-municipality", municipality=listing.municipality.name)
    else:
        scope = t("cli-invite-scope-region")
    return t(
        "cli-invite-line",
        id=invite.id,
        role=role_name(t, invite.role),
        uses=invite.uses,
        limit=invite.max_uses or 0,
        until=local_time(invite.expires_at, settings),
        scope=scope,
    )


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username for the deep link: BOT_USERNAME, else Telegram's getMe when a
    token is set (aiogram is imported only then), else None. A short wait: the code works
    without the link."""
    if settings.bot_username:
        return settings.bot_username
    if settings.bot_token is None:
        return None
    try:
        return await telegram_username(settings, USERNAME_TIMEOUT)
    except Exception:  # no network, a wrong token: the code alone still works
        return None


async def telegram_username(settings: Settings, timeout: float) -> str:
    """The bot's username from Telegram's getMe (aiogram is imported only here); raises
    what aiogram raises, or TimeoutError after `timeout` seconds."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    assert settings.bot_token is not None
    session = None
    if settings.telegram_api_base is not None:
        base = str(settings.telegram_api_base).rstrip("/")
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
    bot = Bot(token=settings.bot_token.get_secret_value(), session=session)
    try:
        me = await asyncio.wait_for(bot.me(), timeout=timeout)
    finally:
        await bot.session.close()
    return me.username or ""


async def _survey(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.services import surveys
    from bot.services.dates import parse_moment
    from bot.services.errors import DomainError
    from bot.services.survey_definitions import SurveyFileError, load_definition, template
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
        from bot.views import survey_problem

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
