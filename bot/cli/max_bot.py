"""The bot's name on MAX (GET /me), for `check` and the invite link, as bot/cli/telegram.py
asks Telegram. maxapi is imported only when MAX is asked."""

from __future__ import annotations

import asyncio

from bot.settings import Settings

# How long `invite create` waits for MAX's GET /me; `check` waits CHECK_TIMEOUT.
NAME_TIMEOUT = 5.0


class MaxTokenRefused(Exception):
    """MAX does not know the token (401)."""


class MaxCertificateRefused(Exception):
    """MAX's certificate is not trusted: its CA is neither the system's nor MAX_CA_FILE's."""


def max_api_base(settings: Settings) -> str:
    """Where the bot asks MAX: MAX_API_BASE, else maxapi's own address."""
    if settings.max_api_base is not None:
        return str(settings.max_api_base).rstrip("/")
    from maxapi import Bot

    return str(Bot.API_URL)


def start_link(name: str, code: str) -> str:
    """The link that opens the bot on MAX with `code` (its `bot_started` payload)."""
    return f"https://max.ru/{name}?start={code}"


async def max_bot_name(settings: Settings) -> str | None:
    """The bot's name on MAX for the start link, or None: MAX_TOKEN unset, or MAX did not
    say it within a short wait (the code works without the link)."""
    if settings.max_token is None:
        return None
    try:
        return await max_username(settings, NAME_TIMEOUT)
    except Exception:  # no network, a refused token or certificate: the code still works
        return None


async def max_username(settings: Settings, timeout: float) -> str:
    """The bot's username from MAX's GET /me; raises `MaxTokenRefused`,
    `MaxCertificateRefused`, `bot.max.client.CaFileError` (MAX_CA_FILE unreadable),
    TimeoutError after `timeout` seconds, or what maxapi raises when MAX cannot be reached
    or answers an error."""
    from aiohttp import ClientSSLError
    from maxapi.exceptions import InvalidToken, MaxConnection

    from bot.max.client import close_bot, make_bot

    assert settings.max_token is not None
    base = str(settings.max_api_base).rstrip("/") if settings.max_api_base else None
    # No repeats of maxapi's own: the operator is waiting, and one answer says it.
    bot = make_bot(
        settings.max_token.get_secret_value(),
        api_base=base,
        ca_file=settings.max_ca_file,
        retries=0,
    )
    try:
        me = await asyncio.wait_for(bot.get_me(), timeout=timeout)
    except InvalidToken:
        raise MaxTokenRefused() from None
    except MaxConnection as error:
        if isinstance(error.__cause__, ClientSSLError):
            raise MaxCertificateRefused() from None
        raise
    finally:
        await close_bot(bot)
    return me.username or ""
