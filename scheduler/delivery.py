"""The delivery loop: drains the outbox under Telegram's limits.

About 30 messages a second overall and one a second per chat are what Telegram tolerates;
the loop keeps below `rate` (DELIVERY_RATE) evenly spaced, waits as long as a 429 asks,
marks a person unreachable on 403, and retries 5xx and network errors with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards import buttons_markup
from bot.services import delivery
from bot.services.delivery import Payload
from storage.models import OutboxMessage
from storage.types import utcnow

logger = logging.getLogger(__name__)
CAPTION_LIMIT = 1024


class RateLimiter:
    """At most `rate` acquisitions a second, evenly spaced; `pause` holds everyone back."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self._clock() + seconds)


class ChatSpacing:
    """At most one message a second to the same chat."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self._clock()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + 1.0
        if len(self._next) > 10_000:  # forget chats whose second is long over
            self._next = {chat: t for chat, t in self._next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)


class DeliveryLoop:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        rate: float = 25.0,
        batch: int = 200,
        concurrency: int = 16,
        idle: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._session_factory = session_factory
        self._limiter = RateLimiter(rate, monotonic)
        self._spacing = ChatSpacing(monotonic)
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._idle = idle
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was enqueued: look now rather than after the idle pause."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        async with self._session_factory() as session:
            interrupted = await delivery.recover_interrupted(session)
        if interrupted:
            logger.warning("%d outbox messages were in flight at the last stop: not resent",
                           interrupted)  # fmt: skip
        while not stop.is_set():
            try:
                handled = await self.drain_once()
            except Exception:  # the loop must outlive a database hiccup
                logger.exception("Delivery loop iteration failed")
                handled = 0
            if handled == 0:
                self._wake.clear()
                waiters = [asyncio.ensure_future(self._wake.wait()),
                           asyncio.ensure_future(stop.wait())]  # fmt: skip
                await asyncio.wait(waiters, timeout=self._idle, return_when="FIRST_COMPLETED")
                for waiter in waiters:
                    waiter.cancel()

    async def drain_once(self) -> int:
        """Sends what is due now; how many rows were handled (sent, failed or dropped)."""
        async with self._session_factory() as session:
            claimed = await delivery.claim_due(session, self._clock(), self._batch)
        for row in claimed.expired:
            logger.info("Outbox %s (%s %s) dropped: too late", row.id, row.kind, row.reference)
        await asyncio.gather(*(self._deliver(row) for row in claimed.ready))
        return len(claimed.ready) + len(claimed.expired)

    async def _deliver(self, row: OutboxMessage) -> None:
        async with self._slots:
            await self._spacing.wait(row.chat_id)
            await self._limiter.acquire()
            async with self._session_factory() as session:
                await self._send_and_record(session, row)

    async def _send_and_record(self, session: AsyncSession, row: OutboxMessage) -> None:
        now = self._clock()
        try:
            message = await self._send(row.chat_id, Payload.from_json(row.payload))
        except TelegramRetryAfter as error:
            logger.warning("Telegram asks to wait %s s", error.retry_after)
            self._limiter.pause(error.retry_after)
            retry_at = now + timedelta(seconds=error.retry_after)
            await delivery.retry_later(session, row, str(error), retry_at, count_attempt=False)
        except TelegramForbiddenError as error:
            logger.info("Participant %s is unreachable (403)", row.participant_id)
            await delivery.blocked(session, row, str(error), now)
        except (TelegramServerError, TelegramNetworkError) as error:
            backoff = timedelta(seconds=2 ** (row.attempts + 1))
            await delivery.retry_later(session, row, str(error), now + backoff, count_attempt=True)
        except TelegramAPIError as error:  # 400 and the like: sending again will not help
            logger.warning("Outbox %s failed: %s", row.id, error)
            await delivery.failed(session, row, str(error))
        else:
            await delivery.sent(session, row.id, message.message_id, now)

    async def _send(self, chat_id: int, payload: Payload) -> Message:
        markup = buttons_markup(payload.buttons)
        if payload.document is None:
            return await self._bot.send_message(chat_id, payload.text, reply_markup=markup)
        if len(payload.text) <= CAPTION_LIMIT:
            return await self._bot.send_document(
                chat_id, payload.document, caption=payload.text, reply_markup=markup
            )
        await self._bot.send_document(chat_id, payload.document)
        return await self._bot.send_message(chat_id, payload.text, reply_markup=markup)
