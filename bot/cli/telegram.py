"""The bot's @username from Telegram (getMe), for `check` and the invite link. aiogram is
imported only when Telegram is asked, so a command that need not ask never loads it."""

from __future__ import annotations

import asyncio

from bot.settings import Settings

# How long `invite create` waits for Telegram's getMe when BOT_USERNAME is not set.
USERNAME_TIMEOUT = 5.0
# How long `check` waits for Telegram's getMe: longer, since finding out is its purpose.
CHECK_TIMEOUT = 10.0


class TokenRefused(Exception):
    """Telegram does not know the token (401)."""


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username for the deep link: BOT_USERNAME, else Telegram's getMe when a
    token is set, else None. A short wait: the code works without the link."""
    if settings.bot_username:
        return settings.bot_username
    if settings.bot_token is None:
        return None
    try:
        return await telegram_username(settings, USERNAME_TIMEOUT)
    except Exception:  # no network, a wrong token: the code alone still works
        return None


async def telegram_username(settings: Settings, timeout: float) -> str:
    """The bot's username from Telegram's getMe; raises `TokenRefused`, TimeoutError after
    `timeout` seconds, or what aiogram raises when Telegram cannot be reached."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramUnauthorizedError

    assert settings.bot_token is not None
    session = None
    if settings.telegram_api_base is not None:
        base = str(settings.telegram_api_base).rstrip("/")
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
    bot = Bot(token=settings.bot_token.get_secret_value(), session=session)
    try:
        me = await asyncio.wait_for(bot.me(), timeout=timeout)
    except TelegramUnauthorizedError:
        raise TokenRefused() from None
    finally:
        await bot.session.close()
    return me.username or ""
