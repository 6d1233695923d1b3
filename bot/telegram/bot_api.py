"""How the bot's own calls to the Bot API meet flood control and outages.

Two pieces: `PatientRequests`, a session middleware through which every call of the
handlers' bot passes (a 429 is waited out, a failure that cannot have reached Telegram is
tried again), and `until_answered`, which repeats the start-up calls with a capped backoff
until Telegram answers (bot.patience, which MAX's start-up shares). The outbox's delivery
loop has a bot of its own without the middleware: it paces itself and handles 429 for all
its sends (scheduler/delivery.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError

from bot import patience
from bot.patience import BACKOFF_CAP_SECONDS

logger = logging.getLogger(__name__)

# How long one call may wait in all for Telegram's flood control before it fails (and the
# update's handler gets the error): a person waits for a reply about this long at most.
PATIENCE_SECONDS = 60.0
# Quick repeats of a call after a 5xx or a network error, when repeating it is harmless.
QUICK_RETRIES = 2
QUICK_PAUSE_SECONDS = 0.5

# A transient failure of the Bot API: worth waiting out, not a defect of the bot.
TRANSIENT = (TelegramRetryAfter, TelegramServerError, TelegramNetworkError)

# Calls that change nothing when they are made twice. A send or an edit that met a 5xx or a
# broken connection may have been carried out: made again, it could reach the person twice.
_IDEMPOTENT_PREFIXES = ("get", "set", "delete")
_IDEMPOTENT = frozenset({"answerCallbackQuery"})
_NOT_IDEMPOTENT = frozenset({"deleteMessage", "deleteMessages"})


def describe(error: TelegramAPIError) -> str:
    """One line for the log: the kind of failure and the method, never the chat or text."""
    return f"{type(error).__name__} on {error.method.__api_method__}: {error.message}"


def safe_to_repeat(method: TelegramMethod[Any], error: TelegramAPIError) -> bool:
    """Whether repeating the call after this 5xx or network error cannot do anything twice."""
    if isinstance(error, TelegramNetworkError) and isinstance(
        error.__cause__, ClientConnectorError
    ):
        return True  # no connection was made: the request never left
    name = method.__api_method__
    if name in _NOT_IDEMPOTENT:
        return False
    return name in _IDEMPOTENT or name.startswith(_IDEMPOTENT_PREFIXES)


class PatientRequests(BaseRequestMiddleware):
    """Waits as long as a 429 asks (Telegram did not carry the call out, so sending again
    cannot send twice), up to `patience` seconds a call; repeats a call quickly after a 5xx
    or a network error when that is safe. Anything else reaches the caller as before."""

    def __init__(
        self,
        patience: float = PATIENCE_SECONDS,
        quick_retries: int = QUICK_RETRIES,
        quick_pause: float = QUICK_PAUSE_SECONDS,
    ) -> None:
        self.patience = patience
        self.quick_retries = quick_retries
        self.quick_pause = quick_pause

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == "getUpdates":  # the polling loop has its own backoff
            return await make_request(bot, method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience
        failures = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if loop.time() + error.retry_after > deadline:
                    raise
                logger.info(
                    "Flood control: %s waits %s s", method.__api_method__, error.retry_after
                )
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if failures >= self.quick_retries or not safe_to_repeat(method, error):
                    raise
                failures += 1
                logger.debug("%s; trying again", describe(error))
                await asyncio.sleep(self.quick_pause * failures)


def _transient(error: BaseException) -> float | None:
    if isinstance(error, TelegramRetryAfter):
        return float(error.retry_after)
    return 0.0 if isinstance(error, TRANSIENT) else None


def _described(error: BaseException) -> str:
    return describe(error) if isinstance(error, TelegramAPIError) else type(error).__name__


async def until_answered(
    step: Callable[[], Awaitable[object]],
    stopping: asyncio.Event,
    *,
    first: float = 1.0,
    cap: float = BACKOFF_CAP_SECONDS,
) -> bool:
    """Runs `step` (the start-up calls, each harmless to repeat) until Telegram answers it
    (bot.patience.until_answered; a 429's retry_after is waited at least); False as soon
    as `stopping` is set (SIGTERM), even mid-attempt."""
    return await patience.until_answered(
        step,
        stopping,
        service="Telegram Bot API",
        transient=_transient,
        describe=_described,
        first=first,
        cap=cap,
    )
