"""`python -m bot check`: what a deployment is set to, and whether Telegram, MAX (with
MAX_TOKEN) and the database answer, in one run that names every problem (the status is
the first one's, or the database's)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.console import EXIT_CONFIG, EXIT_UNAVAILABLE, Console
from bot.cli.parsing import Commands
from bot.cli.telegram import CHECK_TIMEOUT, TokenRefused, telegram_username
from bot.settings import Settings, data_dir, default_database_url


def register(commands: Commands) -> None:
    commands.add("check", run)


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_check(settings, console))


async def _check(settings: Settings, console: Console) -> int:
    from bot.cli.database import describe_database
    from bot.views import database_failure
    from storage import migrate
    from storage.db import create_engine, ping

    console.say(f"cli-check-mode-{settings.mode.value}")
    if settings.bot_token is None and settings.max_token is not None:
        # MAX alone (docs/max.md): Telegram is off, not missing.
        console.say("cli-check-telegram-off")
        status = 0
    else:
        console.say("cli-check-token-set" if settings.bot_token else "cli-check-token-missing")
        api = str(settings.telegram_api_base or "https://api.telegram.org")
        console.say("cli-check-api", url=api)
        # Telegram first: a token it refuses is the commonest first-deployment mistake.
        # The database is still checked, so one run names every problem.
        status = (
            await _check_telegram(settings, console, api) if settings.bot_token else EXIT_CONFIG
        )
    if settings.max_token is not None:
        from bot.cli.max_bot import max_api_base

        url = max_api_base(settings)
        console.say("cli-check-max-api", url=url)
        on_max = await _check_max(settings, console, url)  # asked whatever Telegram said
        status = status or on_max
    console.say("cli-check-zone", zone=settings.timezone, language=settings.default_locale)
    console.say("cli-check-admins", count=len(settings.admin_ids))
    if settings.max_token is not None or settings.max_admin_ids:
        console.say("cli-check-max-admins", count=len(settings.max_admin_ids))
    console.say("cli-check-fsm-redis" if settings.redis_url else "cli-check-fsm-database")
    console.say("cli-check-database", database=describe_database(settings.database_url))
    if settings.database_url == default_database_url():
        console.say("cli-check-data-dir", folder=str(data_dir()))
    engine = create_engine(settings.database_url, in_loop=settings.sqlite_in_loop)
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
    try:
        username = await telegram_username(settings, CHECK_TIMEOUT)
    except TokenRefused:
        return console.refuse("cli-check-telegram-refused", EXIT_CONFIG)
    except TimeoutError:
        return console.refuse(
            "cli-check-telegram-timeout", EXIT_UNAVAILABLE, url=api, seconds=int(CHECK_TIMEOUT)
        )
    except Exception:  # no route, refused connection, a 5xx: Telegram cannot be used now
        return console.refuse("cli-check-telegram-unreachable", EXIT_UNAVAILABLE, url=api)
    console.say("cli-check-telegram-bot", username=username)
    return 0


async def _check_max(settings: Settings, console: Console, url: str) -> int:
    """GET /me: the bot's name on MAX, or the one reason MAX did not say it."""
    from maxapi.exceptions import MaxApiError

    from bot.cli.max_bot import MaxCertificateRefused, MaxTokenRefused, max_username
    from bot.max.client import CaFileError

    try:
        name = await max_username(settings, CHECK_TIMEOUT)
    except MaxTokenRefused:
        return console.refuse("cli-check-max-refused", EXIT_CONFIG)
    except CaFileError:
        return console.refuse("cli-check-max-ca-file", EXIT_CONFIG, file=str(settings.max_ca_file))
    except MaxCertificateRefused:
        return console.refuse("cli-check-max-certificate", EXIT_CONFIG, url=url)
    except TimeoutError:
        return console.refuse(
            "cli-check-max-timeout", EXIT_UNAVAILABLE, url=url, seconds=int(CHECK_TIMEOUT)
        )
    except MaxApiError as error:  # a 5xx, or another answer than the bot's
        return console.refuse("cli-check-max-error", EXIT_UNAVAILABLE, url=url, code=error.code)
    except Exception:  # no route, a refused connection: MAX cannot be used now
        return console.refuse("cli-check-max-unreachable", EXIT_UNAVAILABLE, url=url)
    console.say("cli-check-max-bot", name=name)
    return 0
