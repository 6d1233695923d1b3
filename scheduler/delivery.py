"""The delivery loop: drains the outbox under each messenger's limits.

Each messenger has a sender (`Sender`: Telegram's in `bot/telegram/delivery.py`, MAX's in
`bot/max/delivery.py`) that sends a screen and says what a failure means, and a lane of
its own here: a rate limiter, per-chat spacing, requests on the wire and rows read ahead.
About 30 messages a second overall and one a second per chat are what Telegram tolerates
(MAX documents 30 a second); the loop keeps each lane below its rate (DELIVERY_RATE,
MAX_DELIVERY_RATE) evenly spaced, waits as long as a 429 asks on that messenger only,
marks the account unreachable on 403, and retries 5xx and network errors with capped
doubling pauses for DELIVERY_RETRY_FOR. A row is claimed (`sending`) only when its request
is about to go out, so a kill -9 leaves at most `concurrency` of them ambiguous per lane.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.screens import Screen, screen_of
from bot.services import delivery
from bot.services.delivery import Outcome, Payload, Refusal, RetryPolicy
from bot.services.files import ChannelFiles
from bot.telegram.delivery import telegram_sender
from storage.models import Channel, OutboxMessage, OutboxStatus
from storage.types import utcnow

logger = logging.getLogger(__name__)


class Sender(Protocol):
    """One messenger's way out of the outbox."""

    # Messages a second this messenger is sent at most; None: the loop's `rate`.
    @property
    def rate(self) -> float | None: ...

    async def send(self, chat_id: int, screen: Screen) -> int:
        """Sends the screen to the chat; the number of the message sent."""
        ...

    def refusal(
        self, row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy
    ) -> Refusal:
        """What the error `send` raised means for the row (and how long this
        messenger's sends wait: a 429)."""
        ...


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


@dataclass
class _Lane:
    """One messenger's share of the loop: its sender (None: this process has none for
    it, and its rows fail), its limits, the rows read ahead for it and those on the wire."""

    sender: Sender | None
    limiter: RateLimiter
    spacing: ChatSpacing
    read_ahead: int
    slots: asyncio.Semaphore
    queue: collections.deque[OutboxMessage] = field(default_factory=collections.deque)
    active: int = 0
    next_read: float = 0.0
    # Seconds until the next look once all that was due has been read (unless woken).
    look_again: float = 0.25


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
        senders: Mapping[Channel, Sender] | None = None,
    ) -> None:
        """`bot`: Telegram's (None: no Telegram in this process); `senders`: the other
        messengers' (or Telegram's own). `rate`: a lane's rate when its sender has none
        (DELIVERY_RATE, Telegram's)."""
        chosen: dict[Channel, Sender] = dict(senders) if senders is not None else {}
        if bot is not None:
            chosen.setdefault(Channel.TELEGRAM, telegram_sender(bot, ChannelFiles(session_factory)))
        # Told the seconds of each send that got an answer (the /metrics histogram).
        self._observe_send = observe_send
        self._session_factory = session_factory
        self._lanes: dict[Channel, _Lane] = {}
        for channel, sender in chosen.items():
            lane_rate = sender.rate or rate
            self._lanes[channel] = _Lane(
                sender,
                RateLimiter(lane_rate, monotonic),
                ChatSpacing(monotonic),
                # Rows read ahead (left pending) so that the pipe never waits for a
                # query: about a second of sending.
                max(concurrency, int(lane_rate)),
                asyncio.Semaphore(concurrency),
            )
        # Rows queued for a messenger this process has no sender for: failed, visibly.
        self._elsewhere = _Lane(
            None,
            RateLimiter(1000, monotonic),
            ChatSpacing(monotonic),
            concurrency,
            asyncio.Semaphore(concurrency),
            look_again=5.0,  # seldom there (a messenger turned off): no query each turn
        )
        self._concurrency = concurrency
        self._retry = retry or RetryPolicy()
        self._idle = idle
        self._clock = clock
        self._wake = asyncio.Event()
        self.transactions = 0  # claims and outcomes written, for the benchmark

    def wake(self) -> None:
        """Something was enqueued: look now rather than after the idle pause."""
        self._wake.set()

    def _all_lanes(self) -> list[_Lane]:
        return [*self._lanes.values(), self._elsewhere]

    async def run(self, stop: asyncio.Event) -> None:
        """Keeps each lane's pipe full: reads due rows ahead, per messenger, and sends each
        (claimed at its turn) with at most `concurrency` on the wire per messenger, so
        that one waiting out a 429 or an outage holds up none of the others. On stop,
        starts nothing more and lets the requests on the wire come back and be written."""
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
        active: dict[asyncio.Task[Outcome | None], tuple[int, _Lane]] = {}
        try:
            while not stop.is_set() or active:
                try:
                    woken = self._wake.is_set()
                    self._wake.clear()
                    for lane in self._all_lanes():
                        if (
                            not stop.is_set()
                            and len(lane.queue) <= lane.read_ahead // 2
                            and (time.monotonic() >= lane.next_read or woken)
                        ):
                            held = {row.id for row in lane.queue} | {
                                row_id for row_id, _ in active.values()
                            }
                            wanted = lane.read_ahead - len(lane.queue)
                            found = await self._due(lane, wanted, held)
                            lane.queue.extend(found)
                            # All that is due has been read: look again in a moment (or
                            # when woken), not after every answer.
                            lane.next_read = (
                                0.0 if len(found) == wanted else time.monotonic() + lane.look_again
                            )
                        while lane.queue and lane.active < self._concurrency and not stop.is_set():
                            row = lane.queue.popleft()
                            lane.active += 1
                            task = asyncio.create_task(self._deliver(row, lane, journal))
                            active[task] = (row.id, lane)
                    if active:
                        finished, _ = await asyncio.wait(
                            active, timeout=0.2, return_when=asyncio.FIRST_COMPLETED
                        )
                        for task in finished:
                            _, lane = active.pop(task)
                            lane.active -= 1
                        for task in finished:
                            task.result()
                except Exception:  # the loop must outlive a database hiccup
                    logger.exception("Delivery loop iteration failed")
                    await asyncio.sleep(self._idle)
                queued = any(lane.queue for lane in self._all_lanes())
                if not active and not queued and not stop.is_set():
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

    async def _due(self, lane: _Lane, limit: int, held: set[int]) -> list[OutboxMessage]:
        async with self._session_factory() as session:
            found = await delivery.due(session, self._clock(), limit, held, **self._rows_of(lane))
        for row in found.expired:
            logger.info("Outbox %s (%s %s) dropped: too late", row.id, row.kind, row.reference)
        return found.ready

    def _rows_of(self, lane: _Lane) -> dict[str, list[Channel]]:
        if lane is self._elsewhere:
            return {"other_than": list(self._lanes)}
        return {"channels": [c for c, theirs in self._lanes.items() if theirs is lane]}

    async def drain_once(self) -> int:
        """Sends what is due now and writes the outcomes; how many rows were handled
        (sent, failed, withdrawn or dropped)."""
        found: list[tuple[OutboxMessage, _Lane]] = []
        handled = 0
        for lane in self._all_lanes():
            async with self._session_factory() as session:
                due = await delivery.due(
                    session, self._clock(), lane.read_ahead, set(), **self._rows_of(lane)
                )
            found += [(row, lane) for row in due.ready]
            handled += len(due.ready) + len(due.expired)
        journal = _Journal(self._session_factory, self._clock, linger=0)
        writer = asyncio.create_task(journal.run())
        try:
            await asyncio.gather(*(self._deliver(row, lane, journal) for row, lane in found))
        finally:
            journal.close()
            await writer
        return handled

    async def _deliver(self, row: OutboxMessage, lane: _Lane, journal: _Journal) -> Outcome | None:
        """Waits for the row's turn on its lane, claims it, sends it and writes the
        outcome; None when it was withdrawn before its turn."""
        async with lane.slots:
            await lane.spacing.wait(row.chat_id)
            await lane.limiter.acquire()
            if not await journal.claim(row.id):
                return None
            outcome = await self._attempt(row, lane)
            await journal.record(outcome)
            return outcome

    async def _attempt(self, row: OutboxMessage, lane: _Lane) -> Outcome:
        sender = lane.sender
        if sender is None:  # queued for a messenger this process lacks
            logger.warning("Outbox %s failed: no sender for %s", row.id, row.channel)
            return delivery.given_up(
                row, OutboxStatus.FAILED, f"no sender for channel {row.channel}"
            )
        started = time.monotonic()
        try:
            message_id = await sender.send(row.chat_id, screen_of(Payload.from_json(row.payload)))
        except Exception as error:  # the messenger's sender says what it means
            refusal = sender.refusal(row, error, self._clock(), self._retry)
            if refusal.pause > 0:
                lane.limiter.pause(refusal.pause)  # this messenger's sends only
            return refusal.outcome
        finally:
            if self._observe_send is not None:
                self._observe_send(time.monotonic() - started)
        return Outcome(
            row.id,
            row.participant_id,
            OutboxStatus.SENT,
            row.attempts + 1,
            row.due_at,
            message_id=message_id,
            sent_at=self._clock(),
        )
