"""Linking a person's accounts on two messengers (bot/services/accounts.py): the code's
life, one use, limited guessing, the merge rule, one account a channel, and where the
bot's own messages go."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import accounts, delivery, participants, registration
from bot.services.delivery import Outgoing, Payload
from bot.services.errors import DomainError
from storage.models import (
    Account,
    AuditEntry,
    Channel,
    EventAnswer,
    LinkAttempt,
    LinkCode,
    OutboxMessage,
    Participant,
    Role,
)
from storage.types import utcnow
from tests.support.people import load_schools, person

MAX_ID = 77001


def notice(person: Participant, channels: Sequence[Channel]) -> Payload:
    return Payload(f"linked {','.join(channels)}")


async def on_max(session: AsyncSession, user_id: int = MAX_ID) -> Participant:
    """Whoever writes from this MAX account now, as the update's lookup finds them."""
    return await participants.current(session, Channel.MAX, user_id, "ru")


async def reason_of(call: Awaitable[object]) -> str:
    with pytest.raises(DomainError) as refused:
        await call
    return refused.value.reason


async def count(session: AsyncSession, model: type[object]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class ParticipantOf:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def max(self, user_id: int = MAX_ID) -> Participant:
        found = await on_max(self.session, user_id)
        assert participants.is_stored(found)
        return found

    async def max_or_none(self, user_id: int = MAX_ID) -> Participant | None:
        found = await on_max(self.session, user_id)
        return found if participants.is_stored(found) else None


async def test_a_code_links_a_new_max_account_to_the_person_who_made_it(
    session: AsyncSession,
) -> None:
    director = await person(
        session, Role.DIRECTOR, schools=[(await load_schools(session))["47001"]]
    )
    new = await accounts.make_code(session, director)
    assert len(new.code) == 9
    assert new.code[4] == "-"
    assert set(new.code.replace("-", "")) <= set(accounts.ALPHABET)
    assert new.expires_at - utcnow() <= accounts.CODE_TTL
    # Only the hash is kept.
    stored = await session.get(LinkCode, director.id)
    assert stored is not None
    assert new.code.replace("-", "") not in stored.code_hash

    # Typed in lower case, without the hyphen, with a Cyrillic look-alike: still the code.
    typed = new.code.replace("-", " ").lower().replace("a", "а").replace("c", "с")
    linked = await accounts.enter_code(session, await on_max(session), typed, notice=notice)

    assert linked.participant.id == director.id
    assert linked.channels == (Channel.MAX,)
    assert not linked.merged
    session.expunge_all()
    found = await ParticipantOf(session).max()
    assert found.id == director.id
    assert found.role == Role.DIRECTOR
    assert sorted(a.channel for a in found.accounts) == [Channel.MAX, Channel.TELEGRAM]
    # Linking keeps the bot writing where it did; the person is told there.
    assert found.contact is not None
    assert found.contact.channel == Channel.TELEGRAM
    told = (await session.scalars(select(OutboxMessage))).one()
    assert (told.kind, told.channel, told.payload["text"]) == (
        "account-linked",
        Channel.TELEGRAM,
        "linked max",
    )
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "account.linked"))
    assert entry is not None
    assert entry.actor_id == director.id
    assert entry.details == {"channels": ["max"], "merged_participant": None}


async def test_a_code_lives_fifteen_minutes(session: AsyncSession) -> None:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    now = utcnow()
    new = await accounts.make_code(session, maker, now=now)
    late = now + accounts.CODE_TTL + timedelta(seconds=1)
    assert (
        await reason_of(
            accounts.enter_code(session, await on_max(session), new.code, notice=notice, now=late)
        )
        == "link-code-expired"
    )
    in_time = now + accounts.CODE_TTL - timedelta(seconds=1)
    await accounts.enter_code(session, await on_max(session), new.code, notice=notice, now=in_time)


async def test_a_code_is_used_once_and_a_new_one_replaces_the_old(session: AsyncSession) -> None:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    first = await accounts.make_code(session, maker)
    second = await accounts.make_code(session, maker)
    assert await count(session, LinkCode) == 1  # one live code a person
    old = accounts.enter_code(session, await on_max(session), first.code, notice=notice)
    assert await reason_of(old) == "link-code-unknown"
    await accounts.enter_code(session, await on_max(session), second.code, notice=notice)
    again = accounts.enter_code(session, await on_max(session, 77002), second.code, notice=notice)
    assert await reason_of(again) == "link-code-used"


async def test_guessing_is_stopped_after_five_wrong_codes_for_a_quarter_of_an_hour(
    session: AsyncSession,
) -> None:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    now = utcnow()
    right = (await accounts.make_code(session, maker, now=now)).code
    for wrong in ("AAAA-AAAA", "nonsense", "", "ACEF-HK3", "ACEF-HK34"):
        entering = await on_max(session)
        call = accounts.enter_code(session, entering, wrong, notice=notice, now=now)
        assert await reason_of(call) == "link-code-unknown"
    # The sixth is refused even when right; another account may still try.
    sixth = accounts.enter_code(session, await on_max(session), right, notice=notice, now=now)
    with pytest.raises(DomainError) as refused:
        await sixth
    assert refused.value.reason == "link-too-many-attempts"
    assert refused.value.details == {"minutes": 15}
    later = now + accounts.ATTEMPT_WINDOW + timedelta(seconds=1)
    right = (await accounts.make_code(session, maker, now=later)).code
    await accounts.enter_code(session, await on_max(session), right, notice=notice, now=later)
    assert await count(session, LinkAttempt) == 0  # a success forgets the failures


async def test_an_account_with_only_consent_is_merged_into_the_person(
    session: AsyncSession,
) -> None:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    separate = await registration.give_consent(session, await on_max(session))
    await participants.set_locale(session, separate, "en")
    separate_id = separate.id
    code = (await accounts.make_code(session, maker)).code

    linked = await accounts.enter_code(session, await on_max(session), code, notice=notice)

    assert linked.merged
    assert linked.participant.id == maker.id
    session.expunge_all()
    assert await session.get(Participant, separate_id) is None
    found = await ParticipantOf(session).max()
    assert (found.id, found.locale, found.role) == (maker.id, "ru", Role.REGIONAL_COORDINATOR)
    assert await count(session, Participant) == 1
    assert await count(session, Account) == 2
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "account.linked"))
    assert entry is not None
    assert entry.details["merged_participant"] == separate_id


async def test_an_account_registered_separately_is_not_merged(session: AsyncSession) -> None:
    schools = await load_schools(session)
    maker = await person(session, Role.CURATOR, schools=[schools["47001"]])
    separate = await person(session, Role.DIRECTOR, schools=[schools["47002"]])
    # The director is on MAX: move the account there, as if they had registered on MAX.
    separate.accounts[0].channel = Channel.MAX
    separate.accounts[0].external_id = MAX_ID
    await session.commit()
    code = (await accounts.make_code(session, maker)).code
    call = accounts.enter_code(session, await on_max(session), code, notice=notice)
    assert await reason_of(call) == "link-registered-separately"
    assert await count(session, Participant) == 2
    # The code is still live: the refusal was about the account, not the code.
    assert (await session.get(LinkCode, maker.id)).used_at is None  # type: ignore[union-attr]


async def test_answers_of_its_own_keep_an_account_apart_and_the_code_is_to_be_made_there(
    session: AsyncSession,
) -> None:
    from bot.services import events

    maker = await registration.give_consent(
        session, await participants.visit(session, Channel.TELEGRAM, 77100, "ru")
    )
    separate = await registration.give_consent(session, await on_max(session))
    webinar = await events.create_webinar(
        session,
        None,
        title="Вебинар",
        starts_at=utcnow() + timedelta(days=2),
        link="https://example.org/w",
        now=utcnow(),
    )
    session.add(EventAnswer(event_id=webinar.id, participant_id=separate.id, answer="yes"))
    await session.commit()
    code = (await accounts.make_code(session, maker)).code
    call = accounts.enter_code(session, await on_max(session), code, notice=notice)
    # The maker has nothing of their own: the code is to be made on the other side.
    assert await reason_of(call) == "link-make-code-here"


async def test_a_second_account_on_a_channel_the_person_has_is_refused(
    session: AsyncSession,
) -> None:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    code = (await accounts.make_code(session, maker)).code
    other_telegram = await participants.current(session, Channel.TELEGRAM, 77200, "ru")
    call = accounts.enter_code(session, other_telegram, code, notice=notice)
    with pytest.raises(DomainError) as refused:
        await call
    assert refused.value.reason == "link-channel-taken"
    assert refused.value.details == {"channel": "telegram"}
    mine = await participants.current(
        session, Channel.TELEGRAM, maker.accounts[0].external_id, "ru"
    )
    assert await reason_of(accounts.enter_code(session, mine, code, notice=notice)) == (
        "link-already-yours"
    )
    assert await count(session, Account) == 1


async def linked_person(session: AsyncSession) -> Participant:
    maker = await person(session, Role.REGIONAL_COORDINATOR)
    code = (await accounts.make_code(session, maker)).code
    return (
        await accounts.enter_code(session, await on_max(session), code, notice=notice)
    ).participant


async def test_the_outbox_writes_to_the_channel_the_person_chose(session: AsyncSession) -> None:
    linked = await linked_person(session)
    await delivery.enqueue(session, "test", "before", [Outgoing(linked, Payload("1"))])
    await accounts.prefer(session, linked, Channel.MAX)
    await delivery.enqueue(session, "test", "after", [Outgoing(linked, Payload("2"))])
    rows = await session.execute(
        select(OutboxMessage.reference, OutboxMessage.channel, OutboxMessage.chat_id).where(
            OutboxMessage.kind == "test"
        )
    )
    telegram = linked.external_id(Channel.TELEGRAM)
    assert sorted(rows.all()) == [
        ("after", Channel.MAX, MAX_ID),
        ("before", Channel.TELEGRAM, telegram),
    ]


async def test_unlinking_keeps_the_last_account_and_moves_waiting_messages(
    session: AsyncSession,
) -> None:
    linked = await linked_person(session)
    await accounts.prefer(session, linked, Channel.MAX)
    await delivery.enqueue(session, "test", "waiting", [Outgoing(linked, Payload("1"))])

    await accounts.unlink(session, linked, Channel.MAX)

    assert [a.channel for a in linked.accounts] == [Channel.TELEGRAM]
    assert linked.preferred_channel is None
    waiting = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "test"))
    assert waiting is not None
    assert waiting.channel == Channel.TELEGRAM
    assert waiting.chat_id == linked.external_id(Channel.TELEGRAM)
    assert await ParticipantOf(session).max_or_none() is None
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "account.unlinked"))
    assert entry is not None
    assert entry.details == {"channel": "max"}
    last = accounts.unlink(session, linked, Channel.TELEGRAM)
    assert await reason_of(last) == "link-last-account"


async def test_forget_removes_the_person_with_every_account_code_and_attempt(
    session: AsyncSession,
) -> None:
    linked = await linked_person(session)
    await accounts.make_code(session, linked)
    wrong = accounts.enter_code(session, await on_max(session, 77300), "XXXX-XXXX", notice=notice)
    await reason_of(wrong)
    # The failed attempt was the person's own MAX account's, before /forget.
    session.add(LinkAttempt(channel=Channel.MAX, external_id=MAX_ID, failures=1, since=utcnow()))
    await session.commit()

    await registration.forget(session, linked)

    assert await count(session, Participant) == 0
    assert await count(session, Account) == 0
    assert await count(session, LinkCode) == 0
    remaining = (await session.scalars(select(LinkAttempt.external_id))).all()
    assert remaining == [77300]  # someone else's


async def test_an_invite_used_on_one_channel_makes_one_person_on_both(
    session: AsyncSession,
) -> None:
    schools = await load_schools(session)
    invite = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    director = await registration.give_consent(
        session, await participants.visit(session, Channel.TELEGRAM, 77400, "ru")
    )
    await registration.join_with_invite(session, director, invite.code, "Иванова Ирина Петровна")
    code = (await accounts.make_code(session, director)).code
    await accounts.enter_code(session, await on_max(session), code, notice=notice)

    on_both = await ParticipantOf(session).max()
    assert on_both.id == director.id
    assert on_both.is_registered
    # Registered once: the invite's second use from MAX is refused as the same person's.
    with pytest.raises(DomainError) as refused:
        await registration.join_with_invite(session, on_both, invite.code, "Иванова Ирина")
    assert refused.value.reason == "already-registered"
    assert [s.code for s in (await registration.profile(session, on_both)).schools] == ["47001"]


async def test_two_accounts_entering_one_code_at_once_link_one(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        maker = await person(session, Role.REGIONAL_COORDINATOR)
        code = (await accounts.make_code(session, maker)).code

    async def enter(user_id: int) -> str:
        async with session_factory() as session:
            entering = await on_max(session, user_id)
            try:
                await accounts.enter_code(session, entering, code, notice=notice)
            except DomainError as error:
                return error.reason
            return "linked"

    results = await asyncio.gather(enter(78001), enter(78002))
    assert sorted(results) == ["link-code-used", "linked"]
    async with session_factory() as session:
        assert await count(session, Account) == 2
