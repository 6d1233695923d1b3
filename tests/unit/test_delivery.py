"""The outbox and the delivery loop, with a controllable clock and a recording Bot."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendDocument, SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import delivery
from bot.services.delivery import Button, Outgoing, Payload
from scheduler.delivery import ChatSpacing, DeliveryLoop, RateLimiter
from storage.models import OutboxMessage, OutboxStatus, Participant, Role
from tests.support.people import person
from tests.support.recording import RecordingSession, recording_bot


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def loop_for(
    session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> tuple[DeliveryLoop, RecordingSession]:
    bot, recording = recording_bot()
    loop = DeliveryLoop(
        bot, session_factory, rate=1000, clock=clock, monotonic=lambda: clock.now.timestamp()
    )
    return loop, recording


async def people(session: AsyncSession, count: int) -> list[Participant]:
    return [await person(session, Role.REGIONAL_COORDINATOR, name=f"Человек {chr(1040 + i)}")
            for i in range(count)]  # fmt: skip


def sends(recording: RecordingSession) -> list[SendMessage]:
    return [r for r in recording.requests if isinstance(r, SendMessage)]


async def rows(session: AsyncSession) -> list[OutboxMessage]:
    result = await session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True)
    )
    return list(result)


async def test_enqueue_is_idempotent_and_each_message_is_sent_once(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    recipients = await people(session, 3)
    payload = Payload("⏰ Совещание завтра", [[Button("Буду", "rsvp:1:yes")]])
    outgoing = [Outgoing(p, payload) for p in recipients]
    assert await delivery.enqueue(session, "reminder", "event:1:v1:1440", outgoing) == 3
    assert await delivery.enqueue(session, "reminder", "event:1:v1:1440", outgoing) == 0
    loop, recording = loop_for(session_factory, clock)
    assert await loop.drain_once() == 3
    assert await loop.drain_once() == 0
    sent = sends(recording)
    assert sorted(int(m.chat_id) for m in sent) == sorted(p.telegram_id for p in recipients)
    assert sent[0].reply_markup.inline_keyboard[0][0].callback_data == "rsvp:1:yes"  # type: ignore[union-attr]
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}


async def test_nothing_is_sent_before_it_is_due(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(
        session, "reminder", "r", [Outgoing(someone, Payload("x"))],
        due_at=clock.now + timedelta(hours=1),
    )  # fmt: skip
    loop, recording = loop_for(session_factory, clock)
    assert await loop.drain_once() == 0
    clock.advance(hours=1)
    assert await loop.drain_once() == 1
    assert len(sends(recording)) == 1


async def test_a_restart_between_enqueue_and_send_sends_once(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    # The first process dies before sending; the second one starts afresh.
    second, recording = loop_for(session_factory, clock)
    async with session_factory() as fresh:
        assert await delivery.recover_interrupted(fresh) == 0
    await second.drain_once()
    await second.drain_once()
    assert len(sends(recording)) == 1


async def test_a_message_in_flight_at_a_crash_is_not_sent_twice(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    async with session_factory() as crashed:
        claimed = await delivery.claim_due(crashed, clock.now, 10)
    assert len(claimed.ready) == 1  # claimed, then the process was killed
    loop, recording = loop_for(session_factory, clock)
    async with session_factory() as fresh:
        assert await delivery.recover_interrupted(fresh) == 1
    assert await loop.drain_once() == 0
    assert sends(recording) == []
    (row,) = await rows(session)
    assert row.status == OutboxStatus.FAILED
    assert "interrupted" in (row.last_error or "")


async def test_429_waits_as_long_as_telegram_asks(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    loop, recording = loop_for(session_factory, clock)
    method = SendMessage(chat_id=someone.telegram_id, text="x")
    recording.fail_next(SendMessage, TelegramRetryAfter(method, "Too Many Requests", 7))
    await loop.drain_once()
    (row,) = await rows(session)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert row.due_at == clock.now + timedelta(seconds=7)
    clock.advance(seconds=6)
    assert await loop.drain_once() == 0
    clock.advance(seconds=1)
    assert await loop.drain_once() == 1
    (row,) = await rows(session)
    assert row.status == OutboxStatus.SENT
    assert len(sends(recording)) == 2  # the refused attempt and the real one


async def test_403_marks_the_participant_unreachable(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    blocked_person, other = await people(session, 2)
    await delivery.enqueue(
        session, "reminder", "r",
        [Outgoing(blocked_person, Payload("x")), Outgoing(other, Payload("x"))],
    )  # fmt: skip
    loop, recording = loop_for(session_factory, clock)
    method = SendMessage(chat_id=blocked_person.telegram_id, text="x")
    recording.fail_next(
        SendMessage, TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")
    )
    await loop.drain_once()
    statuses = {r.chat_id: r.status for r in await rows(session)}
    assert sorted(statuses.values()) == [OutboxStatus.BLOCKED, OutboxStatus.SENT]
    await session.refresh(blocked_person)
    await session.refresh(other)
    unreachable = blocked_person if blocked_person.unreachable_at else other
    assert unreachable.unreachable_at == clock.now
    # Nothing more is queued for them.
    added = await delivery.enqueue(session, "reminder", "r2", [Outgoing(unreachable, Payload("y"))])
    assert added == 0


async def test_server_errors_are_retried_with_backoff_then_failed(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    loop, recording = loop_for(session_factory, clock)
    method = SendMessage(chat_id=someone.telegram_id, text="x")
    for _ in range(delivery.MAX_ATTEMPTS):
        recording.fail_next(SendMessage, TelegramServerError(method, "Internal Server Error"))
    delays = []
    for _attempt in range(delivery.MAX_ATTEMPTS):
        assert await loop.drain_once() == 1
        (row,) = await rows(session)
        delays.append((row.due_at - clock.now).total_seconds())
        clock.now = row.due_at
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert delays[:4] == [2, 4, 8, 16]


async def test_an_expired_message_is_dropped_not_sent(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(
        session, "reminder", "r", [Outgoing(someone, Payload("x"))],
        expires_at=clock.now - timedelta(minutes=1),
    )  # fmt: skip
    loop, recording = loop_for(session_factory, clock)
    assert await loop.drain_once() == 1
    assert sends(recording) == []
    (row,) = await rows(session)
    assert row.status == OutboxStatus.DROPPED


async def test_a_document_goes_with_its_caption(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(
        session, "broadcast", "b:1", [Outgoing(someone, Payload("Материалы", document="doc-1"))]
    )
    loop, recording = loop_for(session_factory, clock)
    await loop.drain_once()
    (document,) = [r for r in recording.requests if isinstance(r, SendDocument)]
    assert (document.document, document.caption) == ("doc-1", "Материалы")


class FakeTime:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr("scheduler.delivery.asyncio.sleep", fake.sleep)
    return fake


async def test_the_rate_limiter_spaces_acquisitions_evenly(fake_time: FakeTime) -> None:
    limiter = RateLimiter(rate=10, clock=fake_time)
    times = []
    for _ in range(4):
        await limiter.acquire()
        times.append(fake_time.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [0.1, 0.1, 0.1]
    limiter.pause(5)
    before = fake_time.now
    await limiter.acquire()
    assert fake_time.now - before >= 5


async def test_never_more_than_rate_in_any_second_after_a_stall(fake_time: FakeTime) -> None:
    limiter = RateLimiter(rate=10, clock=fake_time)
    sent = []
    for _ in range(10):
        await limiter.acquire()
        sent.append(fake_time.now)
    # The event loop was blocked: the clock jumped, but slots were already handed out.
    limiter._next = fake_time.now - 2.0
    for _ in range(20):
        await limiter.acquire()
        sent.append(fake_time.now)
    for index, moment in enumerate(sent):
        in_window = [t for t in sent[: index + 1] if t > moment - 1.0]
        assert len(in_window) <= 10


async def test_one_chat_gets_at_most_one_message_a_second(fake_time: FakeTime) -> None:
    spacing = ChatSpacing(clock=lambda: 100.0)
    await spacing.wait(1)
    await spacing.wait(2)
    await spacing.wait(1)
    await spacing.wait(1)
    assert fake_time.slept == [1.0, 2.0]


async def test_the_running_loop_delivers_and_records_before_it_stops(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    recipients = await people(session, 5)
    bot, recording = recording_bot()
    loop = DeliveryLoop(bot, session_factory, rate=1000, idle=0.01, clock=clock)
    stop = asyncio.Event()
    runner = asyncio.create_task(loop.run(stop))
    await delivery.enqueue(
        session, "reminder", "r", [Outgoing(p, Payload("x")) for p in recipients]
    )
    loop.wake()
    for _ in range(500):
        if len(sends(recording)) == 5:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}
    assert len(sends(recording)) == 5
