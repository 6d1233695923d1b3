"""A person reaches the bot through one or more messenger accounts (channel, external id)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiogram.methods import SendMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.screens import Screen
from bot.services import delivery, participants
from bot.services.delivery import Outgoing, Payload, Refusal, RetryPolicy
from scheduler.delivery import DeliveryLoop
from storage.models import Account, Channel, OutboxMessage, OutboxStatus, Participant
from storage.repositories import ParticipantRepository
from tests.support.recording import recording_bot


async def test_a_person_is_found_by_each_of_their_accounts(session: AsyncSession) -> None:
    person = await participants.visit(session, Channel.TELEGRAM, 5001, "ru")
    session.add(Account(participant_id=person.id, channel=Channel.MAX, external_id=5001))
    await session.commit()
    session.expunge_all()
    repository = ParticipantRepository(session)
    on_max = await repository.by_account(Channel.MAX, 5001)
    on_telegram = await repository.by_account(Channel.TELEGRAM, 5001)
    assert on_max is not None
    assert on_telegram is not None
    assert on_max.id == on_telegram.id == person.id
    assert sorted((a.channel, a.external_id) for a in on_max.accounts) == [
        (Channel.MAX, 5001),
        (Channel.TELEGRAM, 5001),
    ]
    assert await repository.by_account(Channel.MAX, 5002) is None


async def test_two_first_updates_racing_make_one_person(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def first_visit() -> int:
        async with session_factory() as session:
            return (await participants.visit(session, Channel.TELEGRAM, 6001, "ru")).id

    ids = await asyncio.gather(first_visit(), first_visit())
    assert ids[0] == ids[1]
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1
        assert await session.scalar(select(func.count()).select_from(Account)) == 1


async def test_forgetting_a_person_removes_all_their_accounts(session: AsyncSession) -> None:
    from bot.services import registration

    person = await participants.visit(session, Channel.TELEGRAM, 7001, "ru")
    person = await registration.give_consent(session, person)
    session.add(Account(participant_id=person.id, channel=Channel.MAX, external_id=7002))
    await session.commit()
    await registration.forget(session, person)
    assert await session.scalar(select(func.count()).select_from(Account)) == 0


class RecordingSender:
    """Another messenger's sender that accepts everything."""

    rate = None

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, screen: Screen) -> int:
        self.sent.append((chat_id, screen.text))
        return 1

    def refusal(
        self, row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy
    ) -> Refusal:
        raise AssertionError(f"nothing fails here: {error!r}")


async def test_the_outbox_sends_each_message_through_its_channels_sender(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        on_telegram = await participants.visit(session, Channel.TELEGRAM, 8001, "ru")
        on_max = Participant(locale="ru", accounts=[Account(channel=Channel.MAX, external_id=8002)])
        session.add(on_max)
        await session.commit()
        await delivery.enqueue(
            session,
            "test",
            "r:1",
            [Outgoing(on_telegram, Payload("Привет")), Outgoing(on_max, Payload("Привет"))],
        )
        queued = (await session.execute(select(OutboxMessage.channel, OutboxMessage.chat_id))).all()
        assert sorted(queued) == [(Channel.MAX, 8002), (Channel.TELEGRAM, 8001)]

    max_sender = RecordingSender()
    bot, recording = recording_bot()
    loop = DeliveryLoop(bot, session_factory, rate=1000, senders={Channel.MAX: max_sender})
    await loop.drain_once()
    assert max_sender.sent == [(8002, "Привет")]
    assert [
        int(request.chat_id) for request in recording.requests if isinstance(request, SendMessage)
    ] == [8001]
    assert len(recording.requests) == 1
    async with session_factory() as session:
        statuses = (await session.scalars(select(OutboxMessage.status))).all()
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]
