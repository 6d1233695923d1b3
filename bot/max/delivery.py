"""MAX's way out of the outbox: a screen sent through maxapi, what MAX's errors mean for
the message (`errors.outcome_of`), and the edits of an announcement's progress message.

The delivery loop (`scheduler/delivery.py`) gives each messenger a rate limiter of its own:
MAX documents 30 requests a second for a bot, so its sends keep below MAX_DELIVERY_RATE
(25 by default) whatever Telegram's do, and a 429 from MAX holds back MAX's sends only.
The bot given here should be made with `client.make_bot(…, retries=0)`: the loop retries
itself, with its own pauses, and maxapi's repeats would send the same message twice as
often as the loop counts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from maxapi import Bot
from maxapi.exceptions import MaxApiError

from bot.conversation.screens import Screen
from bot.conversation.turn import Shown
from bot.max.chat import deliver, edit_screen
from bot.max.errors import RATE_LIMIT_PAUSE, Verdict, outcome_of, verdict_of
from bot.services.delivery import Refusal, RetryPolicy
from bot.services.files import ChannelFiles
from storage.models import Channel, OutboxMessage

logger = logging.getLogger(__name__)
RATE = 25.0  # MAX_DELIVERY_RATE's default: below the 30 a second MAX documents


class MaxSender:
    channel = Channel.MAX

    def __init__(self, bot: Bot, files: ChannelFiles, rate: float = RATE) -> None:
        self.bot = bot
        self.rate: float | None = rate
        self._files = files

    async def send(self, chat_id: int, screen: Screen) -> int:
        """To the person's MAX user id (an outbox row's chat), a kept file by MAX's token
        once there is one (uploaded the first time); the message's number in the dialog
        (`seq`), which the outbox keeps: nothing edits a delivered copy later."""

        async def once(resolved: Screen) -> tuple[int, str | None]:
            delivered = await deliver(self.bot, chat_id, resolved)
            assert delivered.message.body is not None
            return delivered.message.body.seq, delivered.file

        return await self._files.send(screen, Channel.MAX, once)

    def refusal(
        self, row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy
    ) -> Refusal:
        pause = RATE_LIMIT_PAUSE.total_seconds() if verdict_of(error) is Verdict.WAIT else 0.0
        if verdict_of(error) is Verdict.FAIL:
            logger.warning("Outbox %s failed on MAX: %s", row.id, error)
        return Refusal(outcome_of(row, error, now, policy), pause)


def max_sender(bot: Bot, files: ChannelFiles, rate: float = RATE) -> MaxSender:
    """The delivery loop's sender for MAX (`rate`: MAX_DELIVERY_RATE)."""
    return MaxSender(bot, files, rate)


def max_editor(bot: Bot) -> Callable[[Shown, Screen], Awaitable[None]]:
    """Edits an announcement's progress message in the author's MAX dialog, by the
    message's string id (`Shown.reference`)."""

    async def edit(message: Shown, screen: Screen) -> None:
        if message.reference is None:
            logger.warning("A progress message on MAX without its id: not edited")
            return
        try:
            await edit_screen(bot, message.reference, screen)
        except MaxApiError as error:  # deleted by the author, say: the next look tries again
            if error.code >= 500 or error.code == 429:
                raise
            logger.info("Progress message %s not edited: %s", message.reference, error)

    return edit
