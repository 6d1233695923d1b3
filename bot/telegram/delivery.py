"""Telegram's way out of the outbox: a screen sent through aiogram, and what Telegram's
errors mean for the message (the delivery loop, `scheduler/delivery.py`, asks)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.conversation.screens import Screen
from bot.conversation.turn import Shown
from bot.services import delivery
from bot.services.delivery import Refusal, RetryPolicy
from bot.services.files import ChannelFiles
from bot.telegram import chat as telegram_chat
from bot.telegram.chat import edit_screen
from storage.models import Channel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


class TelegramSender:
    """Sends under the loop's own rate (DELIVERY_RATE: about 30 a second is what Telegram
    tolerates); a 429 holds Telegram's sends back as long as it asks."""

    channel = Channel.TELEGRAM
    rate: float | None = None  # the loop's `rate`

    def __init__(self, bot: Bot, files: ChannelFiles) -> None:
        self.bot = bot
        self._files = files

    async def send(self, chat_id: int, screen: Screen) -> int:
        """A kept file goes by its Telegram file id once it has one (uploaded the first
        time)."""

        async def once(resolved: Screen) -> tuple[int, str | None]:
            sent = await telegram_chat.send(self.bot, chat_id, resolved)
            return sent.message.message_id, sent.file

        return await self._files.send(screen, Channel.TELEGRAM, once)

    def refusal(
        self, row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy
    ) -> Refusal:
        if isinstance(error, TelegramRetryAfter):
            logger.warning("Telegram asks to wait %s s", error.retry_after)
            retry_at = now + timedelta(seconds=error.retry_after)
            return Refusal(delivery.retry_after(row, str(error), retry_at), error.retry_after)
        if isinstance(error, TelegramForbiddenError):
            logger.info("Participant %s is unreachable on Telegram (403)", row.participant_id)
            return Refusal(delivery.given_up(row, OutboxStatus.BLOCKED, str(error)))
        if isinstance(error, TelegramServerError | TelegramNetworkError):  # an outage
            return Refusal(delivery.retry_or_fail(row, str(error), now, policy))
        if isinstance(error, TelegramAPIError):  # 400 and the like: again will not help
            logger.warning("Outbox %s failed: %s", row.id, error)
            return Refusal(delivery.given_up(row, OutboxStatus.FAILED, str(error)))
        # E.g. a proxy's HTML page instead of JSON: like a 5xx.
        logger.error("Outbox %s: unexpected error", row.id, exc_info=error)
        return Refusal(delivery.retry_or_fail(row, repr(error), now, policy))


def telegram_sender(bot: Bot, files: ChannelFiles) -> TelegramSender:
    return TelegramSender(bot, files)


def telegram_editor(bot: Bot) -> Callable[[Shown, Screen], Awaitable[None]]:
    """Edits an announcement's progress message in the author's Telegram chat."""

    async def edit(message: Shown, screen: Screen) -> None:
        await edit_screen(bot, message.chat_id, message.message_id, screen)

    return edit
