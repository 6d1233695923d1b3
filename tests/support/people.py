"""Building a small region for service tests: schools and registered people."""

from __future__ import annotations

import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.i18n import Translator
from bot.services import participants, registration, school_import
from bot.services.directory import matcher
from storage.models import Account, Channel, Participant, Role, School
from storage.repositories.directory import SchoolRepository

SCHOOLS_CSV = """Код;Муниципалитет;Полное наименование;Краткое наименование;Программы
47001;Киришский район;МОУ «Киришская СОШ №3»;Киришская СОШ №3;500+, ШМР
47002;киришский муниципальный район;МОУ «Будогощская СОШ»;Будогощская СОШ;500+
47101;Тосненский;МБОУ «Тосненская СОШ №1»;Тосненская СОШ №1;ШМР
"""

_telegram_ids = itertools.count(10_000)

# The registration messages to other people, as the bot words them, for calls to the
# services that set a scene up.
REQUEST_NOTICE = notices.join_request(Translator("ru"))
DECISION_NOTICE = notices.join_decision(Translator("ru"))
REVOKE_NOTICE = notices.role_revoked(Translator("ru"))


def telegram_id(participant: Participant) -> int:
    """The person's Telegram id: the chat the fake Bot API sees, the `from` of updates."""
    found = participant.external_id(Channel.TELEGRAM)
    assert found is not None, f"participant {participant.id} has no Telegram account"
    return found


def on_telegram(telegram_id: int, **fields: object) -> Participant:
    """An unsaved participant with a Telegram account, for tests that need no row."""
    return Participant(
        accounts=[Account(channel=Channel.TELEGRAM, external_id=telegram_id)], **fields
    )


async def load_schools(session: AsyncSession, csv_text: str = SCHOOLS_CSV) -> dict[str, School]:
    await school_import.apply(session, None, "schools.csv", csv_text.encode("utf-8"))
    return dict(await SchoolRepository(session).by_codes(["47001", "47002", "47101"]))


async def municipality_id(session: AsyncSession, name: str) -> int:
    found = (await matcher(session)).match(name)
    assert found is not None
    return found.id


async def person(
    session: AsyncSession,
    role: Role | None,
    *,
    schools: list[School] | tuple[School, ...] = (),
    municipality: str | None = None,
    name: str = "Иванова Ирина Петровна",
    telegram_id: int | None = None,
    channel: Channel = Channel.TELEGRAM,
) -> Participant:
    """A participant registered through an invite made at the command line, with an
    account on `channel` (Telegram's id is `telegram_id` when given)."""
    participant = await participants.visit(
        session, channel, telegram_id or next(_telegram_ids), "ru"
    )
    participant = await registration.give_consent(session, participant)
    if role is None:
        return participant
    invite = await registration.create_invite(
        session,
        None,
        role,
        municipality_id=await municipality_id(session, municipality) if municipality else None,
        school_ids=[school.id for school in schools],
    )
    return await registration.join_with_invite(session, participant, invite.code, name)
