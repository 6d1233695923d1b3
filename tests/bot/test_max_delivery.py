"""The outbox on two messengers: the delivery loop sends Telegram's rows through aiogram
(a recording Bot API session) and MAX's through maxapi to the fake MAX server, each under
limits of its own; a person blocked on one messenger is unreachable there only; an
announcement's progress message is edited on the messenger it is on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.methods.base import TelegramMethod, TelegramType
from maxapi import Bot as MaxBot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.screens import Screen
from bot.conversation.turn import Shown
from bot.i18n import Translator
from bot.max import delivery as max_delivery
from bot.max import errors as max_errors
from bot.max.client import close_bot, make_bot
from bot.max.delivery import max_editor, max_sender
from bot.max.markup import TEXT_LIMIT
from bot.services import broadcasts, delivery, participants
from bot.services.delivery import Outgoing, Payload, RetryPolicy
from bot.services.files import ChannelFiles
from bot.settings import Settings
from bot.telegram.delivery import telegram_editor
from scheduler import jobs
from scheduler.delivery import DeliveryLoop
from storage.models import (
    Account,
    Broadcast,
    BroadcastStatus,
    Channel,
    OutboxMessage,
    OutboxStatus,
    Participant,
)
from tests.support.fake_max import FakeMax
from tests.support.recording import TOKEN as TELEGRAM_TOKEN
from tests.support.recording import RecordingSession, recording_bot

TOKEN = "max-test-token"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def fake_max() -> AsyncIterator[tuple[FakeMax, MaxBot]]:
    fake = FakeMax(TOKEN)
    base = await fake.start()
    bot = make_bot(TOKEN, api_base=base, retries=0)  # the loop retries itself
    try:
        yield fake, bot
    finally:
        await close_bot(bot)
        await fake.stop()


async def on_max(
    session: AsyncSession, user_id: int, telegram_id: int | None = None
) -> Participant:
    """A person who came through MAX (their contact), with a Telegram account too when
    `telegram_id` is given."""
    person = await participants.visit(session, Channel.MAX, user_id, "ru")
    if telegram_id is not None:
        session.add(
            Account(participant_id=person.id, channel=Channel.TELEGRAM, external_id=telegram_id)
        )
        await session.commit()
        await session.refresh(person, ["accounts"])
    return person


async def on_telegram(session: AsyncSession, telegram_id: int) -> Participant:
    return await participants.visit(session, Channel.TELEGRAM, telegram_id, "ru")


async def rows(session: AsyncSession) -> list[OutboxMessage]:
    result = await session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True)
    )
    return list(result)


def max_sends(fake: FakeMax) -> list[int | None]:
    """The MAX users each message was delivered to (refused requests left out)."""
    return [c.user_id for c in fake.served("POST", "/messages") if c.result is not None]


def telegram_sends(recording: RecordingSession) -> list[int]:
    return [int(r.chat_id) for r in recording.requests if isinstance(r, SendMessage)]


class Stamped(RecordingSession):
    """Telegram's answers, with the moment each send came."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage):
            self.times.append(time.monotonic())
        return await super().make_request(bot, method, timeout)


async def test_a_429_on_max_holds_back_max_only(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MAX's rows come first; its first send is refused with a 429, which pauses MAX's
    sends (3 s here, for a clear margin). Telegram's go on at their own rate meanwhile:
    with one limiter for both (as before) they waited out the pause too."""
    fake, max_bot = fake_max
    monkeypatch.setattr(max_delivery, "RATE_LIMIT_PAUSE", timedelta(seconds=3))
    monkeypatch.setattr(max_errors, "RATE_LIMIT_PAUSE", timedelta(seconds=3))
    on_max_people = [await on_max(session, 7100 + i) for i in range(4)]
    on_telegram_people = [await on_telegram(session, 8100 + i) for i in range(4)]
    await delivery.enqueue(
        session,
        "broadcast",
        "broadcast:1",
        [Outgoing(p, Payload("Объявление")) for p in on_max_people + on_telegram_people],
    )
    fake.fail_next("POST", "/messages", 429)
    stamped = Stamped()
    telegram = Bot(TELEGRAM_TOKEN, session=stamped)
    loop = DeliveryLoop(
        telegram,
        session_factory,
        rate=10,  # Telegram's: 0.1 s apart
        senders={Channel.MAX: max_sender(max_bot, ChannelFiles(session_factory), rate=10)},
    )
    started = time.monotonic()
    await loop.drain_once()  # the three other MAX rows wait out the pause
    assert sorted(telegram_sends(stamped)) == [8100, 8101, 8102, 8103]
    assert max(stamped.times) - started < 2.0
    assert len(max_sends(fake)) == 3  # after the pause
    outcomes = [(r.channel, r.status, r.attempts) for r in await rows(session)]
    assert sorted(outcomes) == sorted(
        [(Channel.MAX, OutboxStatus.PENDING, 0)]  # the refused one: no try counted
        + [(Channel.MAX, OutboxStatus.SENT, 1)] * 3
        + [(Channel.TELEGRAM, OutboxStatus.SENT, 1)] * 4
    )


async def test_a_403_on_max_marks_only_the_max_account(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
) -> None:
    fake, max_bot = fake_max
    both = await on_max(session, 7200, telegram_id=8200)
    other = await on_max(session, 7201)
    fake.block(7200)
    await delivery.enqueue(
        session,
        "reminder",
        "r:1",
        [Outgoing(both, Payload("Совещание")), Outgoing(other, Payload("Совещание"))],
    )
    telegram, recording = recording_bot()
    loop = DeliveryLoop(
        telegram,
        session_factory,
        rate=1000,
        senders={Channel.MAX: max_sender(max_bot, ChannelFiles(session_factory), rate=1000)},
    )
    await loop.drain_once()
    statuses = {r.chat_id: r.status for r in await rows(session)}
    assert statuses == {7200: OutboxStatus.BLOCKED, 7201: OutboxStatus.SENT}
    marks = dict(
        (
            await session.execute(
                select(Account.external_id, Account.unreachable_at).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    assert marks[7200] is not None
    assert (marks[8200], marks[7201]) == (None, None)

    # The next message goes to the account that still works: their Telegram.
    async with session_factory() as fresh:
        person = await fresh.get_one(Participant, both.id)
        assert not person.is_unreachable
        await delivery.enqueue(fresh, "reminder", "r:2", [Outgoing(person, Payload("Ещё"))])
    await loop.drain_once()
    assert telegram_sends(recording) == [8200]
    assert max_sends(fake) == [7201]

    # Writing again from MAX clears that account's mark.
    async with session_factory() as update_session:
        await participants.visit(update_session, Channel.MAX, 7200, "ru")
    mark = await session.scalar(
        select(Account.unreachable_at)
        .where(Account.external_id == 7200)
        .execution_options(populate_existing=True)
    )
    assert mark is None


async def test_a_5xx_on_max_is_retried_and_each_message_goes_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
) -> None:
    fake, max_bot = fake_max
    clock = Clock()
    recipients = [await on_max(session, 7300 + i) for i in range(3)]
    await delivery.enqueue(
        session, "reminder", "r:1", [Outgoing(p, Payload("Совещание")) for p in recipients]
    )
    fake.fail_next("POST", "/messages", 502, code="bad.gateway", message="Bad gateway")
    fake.fail_next("POST", "/messages", 500)
    loop = DeliveryLoop(
        None,
        session_factory,
        rate=1000,
        retry=RetryPolicy(),
        clock=clock,
        senders={Channel.MAX: max_sender(max_bot, ChannelFiles(session_factory), rate=1000)},
    )
    await loop.drain_once()
    pending = [r for r in await rows(session) if r.status == OutboxStatus.PENDING]
    assert [(r.attempts, r.due_at - clock.now) for r in pending] == [(1, timedelta(seconds=2))] * 2
    clock.now += timedelta(seconds=2)
    await loop.drain_once()
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}
    # Two refused tries (maxapi repeats nothing with retries=0) and one copy each.
    assert len(fake.served("POST", "/messages")) == 5
    assert sorted(u for u in max_sends(fake) if u is not None) == [7300, 7301, 7302]


async def test_an_announcement_longer_than_max_takes_goes_in_two_messages(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
) -> None:
    """Telegram takes 4,096 characters, MAX fewer than 4,000: the announcement's text is
    split at a line, the button on the last part, and nothing fails."""
    fake, max_bot = fake_max
    (recipient,) = [await on_max(session, 7400)]
    lines = [f"<b>{i}.</b> Пункт приказа о проведении мероприятия" for i in range(1, 83)]
    text = "\n".join(lines)
    assert TEXT_LIMIT < len(text) <= 4096
    payload = Payload(text, [[delivery.Button("Ознакомлен", "ack:1")]])
    await delivery.enqueue(session, "broadcast", "broadcast:1", [Outgoing(recipient, payload)])
    loop = DeliveryLoop(
        None,
        session_factory,
        rate=1000,
        senders={Channel.MAX: max_sender(max_bot, ChannelFiles(session_factory), rate=1000)},
    )
    await loop.drain_once()
    (row,) = await rows(session)
    assert row.status == OutboxStatus.SENT
    first, last = fake.served("POST", "/messages")
    assert all(len(call.text) <= TEXT_LIMIT for call in (first, last))
    assert first.text.endswith("мероприятия")  # cut after a whole line
    assert (first.keyboard(), last.keyboard()[0][0]["payload"]) == ([], "ack:1")
    assert (first.text + "\n" + last.text) == text


async def test_the_progress_message_is_edited_on_the_messenger_it_is_on(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
    translator: Translator,
    settings: Settings,
) -> None:
    """A coordinator composed on MAX: the scheduler edits their progress message with
    MAX's string id, and needs no Telegram bot for it."""
    fake, max_bot = fake_max
    author = await on_max(session, 7500)
    announcement = Broadcast(
        author_id=author.id,
        text="Объявление",
        audience={},
        recipients=0,
        send_at=datetime.now(UTC) + timedelta(hours=1),
        status=BroadcastStatus.SCHEDULED,
    )
    session.add(announcement)
    await session.commit()
    shown = Shown(10_007_500, 12, reference="mid.00000000000000ab", channel=Channel.MAX)
    await broadcasts.remember_progress_message(
        session,
        announcement,
        shown.chat_id,
        shown.message_id,
        channel=shown.channel,
        reference=shown.reference,
    )
    telegram, recording = recording_bot()
    await jobs.broadcast_progress(
        session_factory,
        settings,
        translator,
        {Channel.MAX: max_editor(max_bot), Channel.TELEGRAM: telegram_editor(telegram)},
    )
    (edit,) = fake.served("PUT", "/messages")
    assert edit.query["message_id"] == "mid.00000000000000ab"
    assert edit.text
    assert recording.requests == []  # nothing asked of Telegram

    # Without a MAX editor (MAX off in this process) the message stays as it was.
    await jobs.broadcast_progress(session_factory, settings, translator, {})
    assert len(fake.served("PUT", "/messages")) == 1


async def test_a_long_screen_edited_on_max_is_cut_with_an_ellipsis(
    fake_max: tuple[FakeMax, MaxBot],
) -> None:
    fake, max_bot = fake_max
    roster = "\n".join(f"{i}. Иванова Ирина Петровна, СОШ № {i}" for i in range(200))
    edit = max_editor(max_bot)
    await edit(Shown(1, 1, reference="mid.1", channel=Channel.MAX), Screen(roster))
    (call,) = fake.served("PUT", "/messages")
    assert len(call.text) <= TEXT_LIMIT
    assert call.text.endswith("…")
    assert roster.startswith(call.text[:-1].rstrip())


async def test_the_two_lanes_run_together_in_the_running_loop(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    fake_max: tuple[FakeMax, MaxBot],
) -> None:
    """The long-running loop (not `drain_once`): a mixed audience, each person once on
    the messenger they use."""
    fake, max_bot = fake_max
    people = [await on_max(session, 7600 + i) for i in range(3)]
    people += [await on_telegram(session, 8600 + i) for i in range(3)]
    telegram, recording = recording_bot()
    loop = DeliveryLoop(
        telegram,
        session_factory,
        rate=1000,
        idle=0.01,
        senders={Channel.MAX: max_sender(max_bot, ChannelFiles(session_factory), rate=1000)},
    )
    stop = asyncio.Event()
    runner = asyncio.create_task(loop.run(stop))
    await delivery.enqueue(
        session, "broadcast", "broadcast:2", [Outgoing(p, Payload("Всем")) for p in people]
    )
    loop.wake()
    for _ in range(500):
        if len(max_sends(fake)) == 3 and len(telegram_sends(recording)) == 3:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert sorted(u for u in max_sends(fake) if u is not None) == [7600, 7601, 7602]
    assert sorted(telegram_sends(recording)) == [8600, 8601, 8602]
    assert {r.status for r in await rows(session)} == {OutboxStatus.SENT}
