"""`python -m bot [run|migrate|check]`: the bot and its operator commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.logs import setup_logging
from bot.settings import MISSING_TOKEN_MESSAGE, Settings, SettingsError, load_settings
from storage import migrate
from storage.db import create_engine

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
    if settings.bot_token is None:
        print(MISSING_TOKEN_MESSAGE, file=sys.stderr)
        return EXIT_CONFIG
    from bot.app import run

    asyncio.run(run(settings))
    return 0


def describe_database(database_url: str) -> str:
    """The database URL without its password, fit for a terminal or a log."""
    return make_url(database_url).render_as_string(hide_password=True)


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
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await migrate.current_revision(engine)
    except Exception as exc:  # the operator needs the reason, whatever the driver raised
        print(f"Database:  UNAVAILABLE ({type(exc).__name__}: {exc})")
        return EXIT_UNAVAILABLE
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"needs `python -m bot migrate` (head {head})"
    print(f"Schema:    revision {current or 'none'}, {state}")
    return 0 if settings.bot_token else EXIT_CONFIG
