"""The delivery loop: drains the outbox under Telegram's limits.

About 30 messages a second overall and one a second per chat are what Telegram tolerates;
the loop keeps below `rate` (DELIVERY_RATE) evenly spaced, waits as long as a 429 asks,
marks a person unreachable on 403, and retries 5xx and network errors with capped
doubling pauses for DELIVERY_RETRY_FOR. A row is claimed (`sending`) only when its request
is about to go out, so a kill -9 leaves at most `concurrency` of them ambiguous.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Mapping
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

from bot.conversation.screens import Screen, screen_of
from bot.services import delivery
from bot.services.delivery import Outcome, Payload, RetryPolicy
from bot.telegram.chat import send_screen
from storage.models import Channel, OutboxMessage, OutboxStatus
from storage.types import utcnow

logger = logging.getLogger(__name__)

# Sends a screen to a chat of one messenger and returns the id of the message sent.
Send = Callable[[int, Screen], Awaitable[int]]


def telegram_sender(bot: Bot) -> Send:
    async def send(chat_id: int, screen: Screen) -> int:
        return (await send_screen(bot, chat_id, screen)).message_id

    return send


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
        self._next: dict[Hashable, float] = {}

    async def wait(self, chat_id: Hashable) -> None:
        now = self._clock()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + 1.0
        if len(self._next) > 10_000:  # forget chats whose second is long over
            self._next = {chat: t for chat, t in self._next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)


# Requests on the wire at once. At 25 a second and Telegram's 0.1-0.3 s per answer, 8 keep
# the pipe full; they are also all that a kill -9 can leave ambiguous.
CONCURRENCY = 8


class _Journal:
    """Writes claims and outcomes together (group commit). A message is claimed when its
    rate slot has come, just before its request; the claims waiting at that moment go in
    one transaction with the outcomes that came back since: at 25 a second about one
    transaction a message, far fewer when sending faster. An outcome alone waits `linger`
    for a claim to share a transaction with."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        linger: float = 0.05,
        retry_pause: float = 0.5,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._linger = linger
        self._retry_pause = retry_pause
        self._claims: list[tuple[int, asyncio.Future[bool]]] = []
        self._outcomes: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._claim_waiting = asyncio.Event()
        self._work = asyncio.Event()
        self._closing = False
        self.transactions = 0

    async def claim(self, row_id: int) -> bool:
        """True once the row is `sending` (committed); False when it was withdrawn."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._claims.append((row_id, future))
        self._claim_waiting.set()
        self._work.set()
        return await future

    async def record(self, outcome: Outcome) -> None:
        """Returns once the outcome is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((outcome, future))
        self._work.set()
        await future

    def close(self) -> None:
        """`run` ends once everything handed to it is written."""
        self._closing = True
        self._work.set()

    async def run(self) -> None:
        while True:
            if not self._claims and not self._outcomes:
                if self._closing:
                    return
                self._work.clear()
                await self._work.wait()
                continue
            if not self._claims and not self._closing:
                self._claim_waiting.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._claim_waiting.wait(), self._linger)
            claims, self._claims = self._claims, []
            outcomes, self._outcomes = self._outcomes, []
            try:
                async with self._session_factory() as session:
                    claimed = await delivery.record_and_claim(
                        session, [o for o, _ in outcomes], [i for i, _ in claims], self._clock()
                    )
            except Exception:  # the loop must outlive a database hiccup
                logger.exception("Writing delivery outcomes failed; trying again")
                for _, future in claims:
                    future.set_result(False)  # still pending: it goes out later
                self._outcomes[:0] = outcomes
                await asyncio.sleep(self._retry_pause)
                continue
            self.transactions += 1
            for row_id, claim in claims:
                claim.set_result(row_id in claimed)
            for _, written in outcomes:
                written.set_result(None)


class DeliveryLoop:
    def __init__(
        self,
        bot: Bot | None,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        rate: float = 25.0,
        concurrency: int = CONCURRENCY,
        retry: RetryPolicy | None = None,
        idle: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        observe_send: Callable[[float], None] | None = None,
        senders: Mapping[Channel, Send] | None = None,
    ) -> None:
        # Each row goes out through the sender of its channel; another messenger is one
        # more entry. Its failures are still told apart as Telegram's (`_attempt`).
        self._senders = dict(senders) if senders is not None else {}
        if bot is not None:  # None: a MAX-only deployment
            self._senders.setdefault(Channel.TELEGRAM, telegram_sender(bot))
        # Told the seconds of each send that got an answer (the /metrics histogram).
        self._observe_send = observe_send
        self._session_factory = session_factory
        self._limiter = RateLimiter(rate, monotonic)
        self._spacing = ChatSpacing(monotonic)
        # Rows read ahead (left pending) so that the pipe never waits for a query: about a
        # second of sending.
        self._read_ahead = max(concurrency, int(rate))
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._retry = retry or RetryPolicy()
        self._idle = idle
        self._clock = clock
        self._wake = asyncio.Event()
        self.transactions = 0  # claims and outcomes written, for the benchmark

    def wake(self) -> None:
        """Something was enqueued: look now rather than after the idle pause."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Keeps the pipe full: reads due rows ahead, and sends each (claimed at its turn)
        with at most `concurrency` on the wire. On stop, starts nothing more and lets the
        requests on the wire come back and be written."""
        async with self._session_factory() as session:
            interrupted = await delivery.recover_interrupted(session)
        if interrupted:
            logger.warning(
                "%d outbox messages were on the wire at the last stop: marked "
                "ambiguous, not resent",
                interrupted,
            )
        journal = _Journal(self._session_factory, self._clock, retry_pause=self._idle)
        writer = asyncio.create_task(journal.run(), name="delivery-journal")
        queue: collections.deque[OutboxMessage] = collections.deque()
        active: dict[asyncio.Task[Outcome | None], int] = {}
        next_read = 0.0
        try:
            while not stop.is_set() or active:
                try:
                    if (
                        not stop.is_set()
                        and len(queue) <= self._read_ahead // 2
                        and (time.monotonic() >= next_read or self._wake.is_set())
                    ):
                        self._wake.clear()
                        held = {row.id for row in queue} | set(active.values())
                        wanted = self._read_ahead - len(queue)
                        found = await self._due(wanted, held)
                        queue.extend(found)
                        # All that is due has been read: look again in a moment (or when
                        # woken), not after every answer.
                        next_read = 0.0 if len(found) == wanted else time.monotonic() + 0.25
                    while queue and len(active) < self._concurrency and not stop.is_set():
                        row = queue.popleft()
                        active[asyncio.create_task(self._deliver(row, journal))] = row.id
                    if active:
                        finished, _ = await asyncio.wait(
                            active, timeout=0.2, return_when=asyncio.FIRST_COMPLETED
                        )
                        for task in finished:
                            del active[task]
                        for task in finished:
                            task.result()
                except Exception:  # the loop must outlive a database hiccup
                    logger.exception("Delivery loop iteration failed")
                    await asyncio.sleep(self._idle)
                if not active and not queue and not stop.is_set():
                    await self._idle_wait(stop)
        finally:
            journal.close()
            await writer
            self.transactions += journal.transactions

    async def _idle_wait(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=self._idle, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _due(self, limit: int, held: set[int]) -> list[OutboxMessage]:
        async with self._session_factory() as session:
            found = await delivery.due(session, self._clock(), limit, held)
        for row in found.expired:
            logger.info("Outbox %s (%s %s) dropped: too late", row.id, row.kind, row.reference)
        return found.ready

    async def drain_once(self) -> int:
        """Sends what is due now and writes the outcomes; how many rows were handled
        (sent, failed, withdrawn or dropped)."""
        async with self._session_factory() as session:
            found = await delivery.due(session, self._clock(), self._read_ahead, set())
        journal = _Journal(self._session_factory, self._clock, linger=0)
        writer = asyncio.create_task(journal.run())
        try:
            await asyncio.gather(*(self._deliver(row, journal) for row in found.ready))
        finally:
            journal.close()
            await writer
        return len(found.ready) + len(found.expired)

    async def _deliver(self, row: OutboxMessage, journal: _Journal) -> Outcome | None:
        """Waits for the row's turn, claims it, sends it and writes the outcome; None when
        it was withdrawn before its turn."""
        async with self._slots:
            await self._spacing.wait((row.channel, row.chat_id))
            await self._limiter.acquire()
            if not await journal.claim(row.id):
                return None
            outcome = await self._attempt(row)
            await journal.record(outcome)
            return outcome

    async def _send(self, row: OutboxMessage) -> int:
        send = self._senders[row.channel]
        started = time.monotonic()
        try:
            return await send(row.chat_id, screen_of(Payload.from_json(row.payload)))
        finally:
            if self._observe_send is not None:
                self._observe_send(time.monotonic() - started)

    async def _attempt(self, row: OutboxMessage) -> Outcome:
        if row.channel not in self._senders:  # queued for a messenger this process lacks
            logger.warning("Outbox %s failed: no sender for %s", row.id, row.channel)
            return delivery.given_up(
                row, OutboxStatus.FAILED, f"no sender for channel {row.channel}"
            )
        try:
            message_id = await self._send(row)
        except TelegramRetryAfter as error:
            logger.warning("Telegram asks to wait %s s", error.retry_after)
            self._limiter.pause(error.retry_after)
            retry_at = self._clock() + timedelta(seconds=error.retry_after)
            return delivery.retry_after(row, str(error), retry_at)
        except TelegramForbiddenError as error:
            logger.info("Participant %s is unreachable (403)", row.participant_id)
            return delivery.given_up(row, OutboxStatus.BLOCKED, str(error))
        except (TelegramServerError, TelegramNetworkError) as error:  # an outage: wait it out
            return delivery.retry_or_fail(row, str(error), self._clock(), self._retry)
        except TelegramAPIError as error:  # 400 and the like: sending again will not help
            logger.warning("Outbox %s failed: %s", row.id, error)
            return delivery.given_up(row, OutboxStatus.FAILED, str(error))
        except Exception as error:  # e.g. a proxy's HTML page instead of JSON: like a 5xx
            logger.exception("Outbox %s: unexpected error", row.id)
            return delivery.retry_or_fail(row, repr(error), self._clock(), self._retry)
        return Outcome(
            row.id,
            row.participant_id,
            OutboxStatus.SENT,
            row.attempts + 1,
            row.due_at,
            message_id=message_id,
            sent_at=self._clock(),
        )
