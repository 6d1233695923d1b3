"""The delivery loop: drains the outbox under Telegram's limits.

About 30 messages a second overall and one a second per chat are what Telegram tolerates;
the loop keeps below `rate` (DELIVERY_RATE) evenly spaced, waits as long as a 429 asks,
marks a person unreachable on 403, and retries 5xx and network errors with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sending import send_payload
from bot.services import delivery
from bot.services.delivery import Outcome, Payload
from storage.models import OutboxMessage, OutboxStatus
from storage.types import utcnow

logger = logging.getLogger(__name__)


class RateLimiter:
    """At most `rate` acquisitions a second: evenly spaced slots, and never more than `rate`
    in any one-second window (after the event loop stalls, late slots would otherwise go out
    together). `pause` holds everyone back, including those already waiting for a slot."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._per_second = max(1, int(rate))
        self._clock = clock
        self._next = 0.0
        self._paused_until = 0.0
        self._recent: deque[float] = deque()

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
            if slot > now:
                await asyncio.sleep(slot - now)
            now = self._clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if now < self._paused_until:
                continue
            if len(self._recent) >= self._per_second:
                await asyncio.sleep(self._recent[0] + 1.0 - now)
                continue
            self._recent.append(now)
            return

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._next = max(self._next, self._paused_until)


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
        batch: int | None = None,
        concurrency: int = 16,
        idle: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._session_factory = session_factory
        self._limiter = RateLimiter(rate, monotonic)
        self._spacing = ChatSpacing(monotonic)
        # About one second of sending is claimed at a time: a crash can lose (never double)
        # at most that much, at-most-once.
        self._batch = batch or max(1, int(rate))
        self._slots = asyncio.Semaphore(concurrency)
        self._idle = idle
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was enqueued: look now rather than after the idle pause."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Keeps the pipe full: claims more while earlier messages are still going out, and
        writes outcomes in small batches. On stop, lets the claimed messages finish."""
        async with self._session_factory() as session:
            interrupted = await delivery.recover_interrupted(session)
        if interrupted:
            logger.warning("%d outbox messages were in flight at the last stop: not resent",
                           interrupted)  # fmt: skip
        in_flight: set[asyncio.Task[Outcome]] = set()
        done: list[Outcome] = []
        flushed = time.monotonic()
        while not stop.is_set() or in_flight:
            try:
                if not stop.is_set() and len(in_flight) <= self._batch // 2:
                    for row in await self._claim(self._batch - len(in_flight)):
                        task = asyncio.create_task(self._deliver(row))
                        in_flight.add(task)
                if in_flight:
                    finished, _ = await asyncio.wait(
                        in_flight, timeout=0.2, return_when=asyncio.FIRST_COMPLETED
                    )
                    in_flight -= finished
                    done.extend(task.result() for task in finished)
                # Outcomes go to the database in small batches, at least twice a second.
                if done and (len(done) >= 100 or not in_flight or time.monotonic() - flushed > 0.5):
                    async with self._session_factory() as session:
                        await delivery.record(session, done, self._clock())
                    done, flushed = [], time.monotonic()
            except Exception:  # the loop must outlive a database hiccup
                logger.exception("Delivery loop iteration failed")
                await asyncio.sleep(self._idle)
            if not in_flight and not stop.is_set():
                await self._idle_wait(stop)

    async def _idle_wait(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=self._idle, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _claim(self, limit: int) -> list[OutboxMessage]:
        async with self._session_factory() as session:
            claimed = await delivery.claim_due(session, self._clock(), limit)
        for row in claimed.expired:
            logger.info("Outbox %s (%s %s) dropped: too late", row.id, row.kind, row.reference)
        return claimed.ready

    async def drain_once(self) -> int:
        """Sends what is due now; how many rows were handled (sent, failed or dropped).

        The outcomes of a batch are written together at its end: one transaction instead
        of one per message. A crash before that leaves the batch `sending`, which the next
        start reports as interrupted (at most once)."""
        async with self._session_factory() as session:
            claimed = await delivery.claim_due(session, self._clock(), self._batch)
        outcomes = await asyncio.gather(*(self._deliver(row) for row in claimed.ready))
        async with self._session_factory() as session:
            await delivery.record(session, outcomes, self._clock())
        return len(claimed.ready) + len(claimed.expired)

    async def _deliver(self, row: OutboxMessage) -> Outcome:
        async with self._slots:
            await self._spacing.wait(row.chat_id)
            await self._limiter.acquire()
            return await self._attempt(row)

    async def _attempt(self, row: OutboxMessage) -> Outcome:
        now = self._clock()
        try:
            message = await send_payload(self._bot, row.chat_id, Payload.from_json(row.payload))
        except TelegramRetryAfter as error:
            logger.warning("Telegram asks to wait %s s", error.retry_after)
            self._limiter.pause(error.retry_after)
            retry_at = now + timedelta(seconds=error.retry_after)
            return delivery.retry_or_fail(row, str(error), retry_at, count_attempt=False)
        except TelegramForbiddenError as error:
            logger.info("Participant %s is unreachable (403)", row.participant_id)
            return Outcome(row.id, row.participant_id, OutboxStatus.BLOCKED, row.attempts + 1,
                           row.due_at, error=str(error)[:500])  # fmt: skip
        except (TelegramServerError, TelegramNetworkError) as error:
            backoff = timedelta(seconds=2 ** (row.attempts + 1))
            return delivery.retry_or_fail(row, str(error), now + backoff, count_attempt=True)
        except TelegramAPIError as error:  # 400 and the like: sending again will not help
            logger.warning("Outbox %s failed: %s", row.id, error)
            return Outcome(row.id, row.participant_id, OutboxStatus.FAILED, row.attempts + 1,
                           row.due_at, error=str(error)[:500])  # fmt: skip
        return Outcome(row.id, row.participant_id, OutboxStatus.SENT, row.attempts + 1,
                       row.due_at, message_id=message.message_id, sent_at=now)  # fmt: skip
