"""The outbox and the delivery loop, with a controllable clock and a recording Bot."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendDocument, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import delivery, files, registration
from bot.services.delivery import Button, Outgoing, Payload, PayloadFile, RetryPolicy
from scheduler.delivery import ChatSpacing, DeliveryLoop, RateLimiter
from storage.models import (
    Account,
    Channel,
    FileReference,
    OutboxMessage,
    OutboxStatus,
    Participant,
    Role,
)
from tests.support.people import person, telegram_id
from tests.support.recording import TOKEN, RecordingSession, recording_bot


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
    return [
        await person(session, Role.REGIONAL_COORDINATOR, name=f"Человек {chr(1040 + i)}")
        for i in range(count)
    ]


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
    assert sorted(int(m.chat_id) for m in sent) == sorted(telegram_id(p) for p in recipients)
    assert sent[0].reply_markup.inline_keyboard[0][0].callback_data == "rsvp:1:yes"  # type: ignore[union-attr]
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}


async def test_nothing_is_sent_before_it_is_due(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(
        session,
        "reminder",
        "r",
        [Outgoing(someone, Payload("x"))],
        due_at=clock.now + timedelta(hours=1),
    )
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


async def test_a_message_on_the_wire_at_a_crash_is_ambiguous_not_sent_twice(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    async with session_factory() as crashed:
        found = await delivery.due(crashed, clock.now, 10, set())
        claimed = await delivery.record_and_claim(crashed, [], [found.ready[0].id], clock.now)
    assert len(claimed) == 1  # claimed for its request, then the process was killed
    loop, recording = loop_for(session_factory, clock)
    async with session_factory() as fresh:
        assert await delivery.recover_interrupted(fresh) == 1
    assert await loop.drain_once() == 0
    assert sends(recording) == []
    (row,) = await rows(session)
    assert row.status == OutboxStatus.AMBIGUOUS
    assert "interrupted" in (row.last_error or "")


async def test_a_row_withdrawn_after_it_was_read_ahead_is_not_claimed(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    first, second = await people(session, 2)
    await delivery.enqueue(
        session,
        "broadcast",
        "broadcast:1",
        [Outgoing(first, Payload("x")), Outgoing(second, Payload("x"))],
    )
    async with session_factory() as loop_session:
        found = await delivery.due(loop_session, clock.now, 10, set())
    assert len(found.ready) == 2  # read ahead, still pending
    assert await delivery.withdraw(session, "broadcast", "broadcast:1") == 2  # «Остановить»
    await session.commit()  # the stop's, which withdraws with it
    async with session_factory() as loop_session:
        claimed = await delivery.record_and_claim(
            loop_session, [], [row.id for row in found.ready], clock.now
        )
    assert claimed == set()
    assert {r.status for r in await rows(session)} == {OutboxStatus.DROPPED}


async def test_a_recipient_forgotten_while_their_message_was_on_the_wire_stops_nothing(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """/forget deletes the person's queued messages, also the one being sent: writing its
    outcome afterwards finds no row, and the loop goes on with the others (it used to
    retry that write forever, so nobody got anything again)."""
    leaving, staying = await people(session, 2)
    await delivery.enqueue(
        session,
        "reminder",
        "r",
        [Outgoing(leaving, Payload("x")), Outgoing(staying, Payload("y"))],
    )
    async with session_factory() as loop_session:
        found = await delivery.due(loop_session, clock.now, 10, set())
        first, second = found.ready
        assert await delivery.record_and_claim(loop_session, [], [first.id], clock.now) == {
            first.id
        }
    await registration.forget(session, leaving)
    sent = delivery.Outcome(
        first.id, leaving.id, OutboxStatus.SENT, 1, clock.now, message_id=7, sent_at=clock.now
    )
    async with session_factory() as loop_session:
        claimed = await delivery.record_and_claim(loop_session, [sent], [second.id], clock.now)
    assert claimed == {second.id}
    assert [(r.participant_id, r.status) for r in await rows(session)] == [
        (staying.id, OutboxStatus.SENDING)
    ]


async def test_429_waits_as_long_as_telegram_asks(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    loop, recording = loop_for(session_factory, clock)
    method = SendMessage(chat_id=telegram_id(someone), text="x")
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
        session,
        "reminder",
        "r",
        [Outgoing(blocked_person, Payload("x")), Outgoing(other, Payload("x"))],
    )
    loop, recording = loop_for(session_factory, clock)
    method = SendMessage(chat_id=telegram_id(blocked_person), text="x")
    recording.fail_next(
        SendMessage, TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")
    )
    await loop.drain_once()
    statuses = {r.chat_id: r.status for r in await rows(session)}
    assert sorted(statuses.values()) == [OutboxStatus.BLOCKED, OutboxStatus.SENT]
    marks = dict(
        (
            await session.execute(
                select(Account.participant_id, Account.unreachable_at).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    (refused,) = [p for p in (blocked_person, other) if marks[p.id] is not None]
    assert marks[refused.id] == clock.now
    # Nothing more is queued for them.
    async with session_factory() as fresh:
        unreachable = await fresh.get_one(Participant, refused.id)
        assert unreachable.is_unreachable
        added = await delivery.enqueue(
            fresh, "reminder", "r2", [Outgoing(unreachable, Payload("y"))]
        )
    assert added == 0


async def test_server_errors_are_retried_with_doubling_pauses_then_failed(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(session, "reminder", "r", [Outgoing(someone, Payload("x"))])
    bot, recording = recording_bot()
    policy = RetryPolicy(retry_for=timedelta(minutes=2), longest=timedelta(seconds=30))
    loop = DeliveryLoop(
        bot,
        session_factory,
        rate=1000,
        retry=policy,
        clock=clock,
        monotonic=lambda: clock.now.timestamp(),
    )
    method = SendMessage(chat_id=telegram_id(someone), text="x")
    delays = []
    for _attempt in range(20):
        recording.fail_next(SendMessage, TelegramServerError(method, "Internal Server Error"))
        assert await loop.drain_once() == 1
        (row,) = await rows(session)
        delays.append((row.due_at - clock.now).total_seconds())
        if row.status == OutboxStatus.FAILED:
            break
        clock.now = row.due_at
    assert row.status == OutboxStatus.FAILED
    # After 7 failures the pauses add up to the two minutes: the 8th is final.
    assert delays == [2, 4, 8, 16, 30, 30, 30, 30]
    assert row.attempts == 8


async def test_an_expired_message_is_dropped_not_sent(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    await delivery.enqueue(
        session,
        "reminder",
        "r",
        [Outgoing(someone, Payload("x"))],
        expires_at=clock.now - timedelta(minutes=1),
    )
    loop, recording = loop_for(session_factory, clock)
    assert await loop.drain_once() == 1
    assert sends(recording) == []
    (row,) = await rows(session)
    assert row.status == OutboxStatus.DROPPED


async def test_a_document_goes_with_its_caption(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (someone,) = await people(session, 1)
    kept = await files.keep(
        session, b"%PDF", name="a.pdf", mime_type=None, channel=Channel.TELEGRAM, reference="doc-1"
    )
    message = Outgoing(someone, Payload("Материалы", file=PayloadFile(kept)))
    await delivery.enqueue(session, "broadcast", "b:1", [message])
    loop, recording = loop_for(session_factory, clock)
    await loop.drain_once()
    (document,) = [r for r in recording.requests if isinstance(r, SendDocument)]
    assert (document.document, document.caption) == ("doc-1", "Материалы")


async def test_a_file_is_uploaded_to_telegram_once_and_then_sent_by_its_file_id(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """Kept from another messenger (no Telegram reference): the first copy uploads the
    bytes, Telegram's file id is remembered, and the next copies send it."""
    first, second, third = await people(session, 3)
    kept = await files.keep(session, b"%PDF-1.4 order", name="order.pdf", mime_type=None)
    payload = Payload("Приказ", file=PayloadFile(kept))
    await delivery.enqueue(session, "broadcast", "b:1", [Outgoing(first, payload)])
    loop, recording = loop_for(session_factory, clock)
    await loop.drain_once()
    await delivery.enqueue(
        session, "broadcast", "b:1", [Outgoing(second, payload), Outgoing(third, payload)]
    )
    await loop.drain_once()
    sent = [r.document for r in recording.requests if isinstance(r, SendDocument)]
    assert len(sent) == 3
    upload = sent[0]
    assert isinstance(upload, BufferedInputFile)
    assert (upload.data, upload.filename) == (b"%PDF-1.4 order", "order.pdf")
    message_id = next(r.message_id for r in await rows(session) if r.participant_id == first.id)
    assert sent[1:] == [f"uploaded-doc-{message_id}"] * 2
    async with session_factory() as fresh:
        references = (await fresh.scalars(select(FileReference.reference))).all()
    assert references == [f"uploaded-doc-{message_id}"]


async def test_concurrent_first_sends_of_a_file_upload_it_once(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """Copies that go out together wait for the first upload's file id in this process."""
    everyone = await people(session, 4)
    kept = await files.keep(session, b"GIF89a", name="p.gif", mime_type="image/gif")
    payload = Payload("Фото", file=PayloadFile(kept, "photo"))
    await delivery.enqueue(session, "broadcast", "b:1", [Outgoing(p, payload) for p in everyone])
    loop, recording = loop_for(session_factory, clock)
    await loop.drain_once()
    sent = [r.photo for r in recording.requests if isinstance(r, SendPhoto)]
    assert len(sent) == 4
    assert sum(isinstance(photo, BufferedInputFile) for photo in sent) == 1


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


async def test_what_is_queued_goes_out_at_once_not_after_the_idle_pause(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """The loop's sessions wake it when they queue something: a reply-like notice (an
    approval, a moved meeting) must not wait out the pause the loop sleeps when idle."""
    (someone,) = await people(session, 1)
    bot, recording = recording_bot()
    loop = DeliveryLoop(bot, session_factory, rate=1000, idle=3600, clock=clock)
    delivery.wake_on_enqueue(session_factory, loop.wake)
    stop = asyncio.Event()
    runner = asyncio.create_task(loop.run(stop))
    await asyncio.sleep(0.2)  # the loop has found nothing and sleeps
    async with session_factory() as handler_session:
        await delivery.enqueue(handler_session, "notice", "n", [Outgoing(someone, Payload("x"))])
    for _ in range(500):
        if sends(recording):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert len(sends(recording)) == 1


def test_the_retry_window_doubles_pauses_up_to_the_cap_for_an_hour() -> None:
    policy = RetryPolicy()  # DELIVERY_RETRY_FOR=1h, DELIVERY_RETRY_MAX_PAUSE=5m
    pauses = [policy.pause(n).total_seconds() for n in range(1, 12)]
    assert pauses == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert policy.waited(8) == timedelta(seconds=510)
    assert policy.waited(10) == timedelta(seconds=1110)
    # 510 s, then 300 s pauses: after 19 failures they have passed the hour (3810 s),
    # so the 20th try, 63.5 minutes after the first, is the last.
    assert policy.waited(18) == timedelta(seconds=3510)
    assert policy.waited(19) == timedelta(seconds=3810)
    assert not policy.gives_up(19)
    assert policy.gives_up(20)
    short = RetryPolicy(retry_for=timedelta(seconds=3), longest=timedelta(seconds=1))
    assert [short.pause(n).total_seconds() for n in (1, 2, 3)] == [1, 1, 1]
    assert (short.gives_up(3), short.gives_up(4)) == (False, True)
    huge = RetryPolicy(retry_for=timedelta(days=7), longest=timedelta(days=1))
    assert huge.gives_up(10_000)  # added up without a loop per failure


class Outage(RecordingSession):
    """Every send fails with `error` until `until` on the test's clock."""

    def __init__(self, clock: Clock, until: datetime, error: str) -> None:
        super().__init__()
        self.clock, self.until, self.error = clock, until, error

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage) and self.clock.now < self.until:
            self.requests.append(method)
            if self.error == "network":
                raise TelegramNetworkError(method, "Connection refused")
            raise TelegramServerError(method, "Internal Server Error")
        return await super().make_request(bot, method, timeout)


async def _through_outage(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    outage: timedelta,
    error: str,
) -> list[OutboxMessage]:
    """Seven recipients, sends failing for `outage`; the loop runs whenever something is
    due until nothing is pending. The rows at the end."""
    recipients = await people(session, 7)
    await delivery.enqueue(
        session,
        "broadcast",
        "broadcast:1",
        [Outgoing(p, Payload("Объявление")) for p in recipients],
    )
    outage_session = Outage(clock, clock.now + outage, error)
    bot = Bot(TOKEN, session=outage_session)
    loop = DeliveryLoop(
        bot, session_factory, rate=1000, clock=clock, monotonic=lambda: clock.now.timestamp()
    )
    for _ in range(1000):
        await loop.drain_once()
        pending = [r for r in await rows(session) if r.status == OutboxStatus.PENDING]
        if not pending:
            break
        clock.now = max(clock.now, min(r.due_at for r in pending))
    return await rows(session)


@pytest.mark.parametrize("error", ["server", "network"])
async def test_a_90_second_outage_fails_nothing_and_everybody_gets_the_message(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    error: str,
) -> None:
    started = clock.now
    final = await _through_outage(session, session_factory, clock, timedelta(seconds=90), error)
    assert {r.status for r in final} == {OutboxStatus.SENT}
    # Sent soon after the recovery: pauses had grown to 64 s at most by then.
    assert max(r.sent_at for r in final if r.sent_at) - started < timedelta(seconds=200)


async def test_an_outage_longer_than_the_window_fails_the_messages_visibly(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    started = clock.now
    final = await _through_outage(session, session_factory, clock, timedelta(hours=3), "server")
    assert {r.status for r in final} == {OutboxStatus.FAILED}
    assert {r.attempts for r in final} == {20}
    assert clock.now - started == timedelta(seconds=3810)  # the hour, and then some


class Held(RecordingSession):
    """Sends stay on the wire until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.on_the_wire = 0

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage):
            self.on_the_wire += 1
            await self.release.wait()
        return await super().make_request(bot, method, timeout)


async def test_only_the_requests_on_the_wire_are_claimed(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    recipients = await people(session, 30)
    await delivery.enqueue(
        session, "broadcast", "broadcast:1", [Outgoing(p, Payload("x")) for p in recipients]
    )
    held = Held()
    loop = DeliveryLoop(
        Bot(TOKEN, session=held), session_factory, rate=1000, concurrency=4, idle=0.01, clock=clock
    )
    stop = asyncio.Event()
    runner = asyncio.create_task(loop.run(stop))
    for _ in range(500):
        if held.on_the_wire == 4:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # time for anything more to be claimed, were it to be
    statuses = Counter(r.status for r in await rows(session))
    # A kill now would leave these 4 ambiguous and the other 26 to be sent after a restart.
    assert statuses == {OutboxStatus.SENDING: 4, OutboxStatus.PENDING: 26}
    held.release.set()
    for _ in range(500):
        if len(sends(held)) == 30:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}
    # Claims and outcomes share transactions: fewer than one each per message.
    assert loop.transactions < 60
