"""Nobody acts outside their scope: a municipal coordinator acts only on people whose every
school is in their municipality; a revoked person's «Ознакомлен» no longer counts.

Buttons are pressed with hand-made callback data, as a forger would (see
test_permissions.py for the grid of every button against every role)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import AckCb, MenuCb, MunicipalityCb, PersonCb, PickCb, SchoolCb
from bot.i18n import Translator
from bot.services import broadcasts, registration
from bot.services.audience import Audience
from bot.services.delivery import Payload
from storage.models import Participant, Role, School
from storage.repositories.people import PeopleRepository
from tests.bot.conftest import BotHarness
from tests.support.people import REVOKE_NOTICE, load_schools, person, telegram_id
from tests.support.updates import TelegramUser


async def _codes_of(factory: async_sessionmaker[AsyncSession], someone: Participant) -> list[str]:
    async with factory() as fresh:  # the bot changed them in its own sessions
        return sorted(
            school.code for school in await PeopleRepository(fresh).schools_of(someone.id)
        )


async def _two_municipalities_curator(
    session: AsyncSession, schools: dict[str, School]
) -> Participant:
    """A curator of a Kirishi school (first by name) and of a Tosno one."""
    curator = await person(session, Role.CURATOR, schools=[schools["47101"]], name="Двое Мест")
    await registration.assign_curator(
        session, await person(session, Role.ADMIN), curator.id, schools["47002"].id
    )
    return curator


async def test_a_municipal_coordinator_cannot_take_another_municipalitys_curator(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    tosno = await person(session, Role.CURATOR, schools=[schools["47101"]], name="Тосно Куратор")
    kirishi = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(kirishi))
    denied = [translator.get("ru", "error-access-denied")]

    # Her school is in Тосно: assigning her to a Kirishi school would make her "theirs".
    forged = PersonCb(action="assign", id=tosno.id, school=schools["47001"].id)
    assert await harness.alerts(user, forged) == denied
    assert await _codes_of(session_factory, tosno) == ["47101"]
    assert await harness.alerts(user, PersonCb(action="revoke-yes", id=tosno.id)) == denied
    async with session_factory() as fresh:
        assert (await PeopleRepository(fresh).participant(tosno.id)).role == Role.CURATOR  # type: ignore[union-attr]


async def test_a_curator_of_two_municipalities_is_managed_by_the_regional_team_only(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    both = await _two_municipalities_curator(session, schools)
    kirishi = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(kirishi))
    denied = [translator.get("ru", "error-access-denied")]

    # Her first school (by name) is Kirishi's, her second Tosno's: neither revoking her nor
    # giving her more schools is the Kirishi coordinator's to do.
    assert await harness.alerts(user, PersonCb(action="revoke-yes", id=both.id)) == denied
    forged = PersonCb(action="assign", id=both.id, school=schools["47001"].id)
    assert await harness.alerts(user, forged) == denied
    assert await _codes_of(session_factory, both) == ["47002", "47101"]

    # Nor is she offered: the list of curators to assign holds only those they may assign,
    # and the school card offers no revocation of her.
    await harness.press(user, SchoolCb(purpose="assign", id=schools["47002"].id))
    assert "Двое Мест" not in _button_labels(harness.sent_to(user)[-1])
    await harness.press(user, SchoolCb(purpose="card", id=schools["47002"].id))
    card = harness.sent_to(user)[-1]
    assert "Двое Мест" in str(card.text)  # she is shown: she works at the school
    assert not [label for label in _button_labels(card) if "Двое Мест" in label]

    regional = TelegramUser(id=telegram_id(await person(session, Role.REGIONAL_COORDINATOR)))
    assert await harness.alerts(regional, PersonCb(action="revoke-yes", id=both.id)) == []
    assert await _codes_of(session_factory, both) == []


def _button_labels(message: SendMessage) -> list[str]:
    markup = message.reply_markup
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [button.text for row in markup.inline_keyboard for button in row]


async def test_an_announcement_cannot_be_aimed_at_another_municipality(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await _two_municipalities_curator(session, schools)
    kirishi = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(kirishi))
    denied = [translator.get("ru", "error-access-denied")]
    tosno = schools["47101"].municipality_id

    await harness.press(user, MenuCb(item="broadcast-new"))
    await harness.send(user, "Объявление для Тосно")
    assert await harness.alerts(user, MunicipalityCb(purpose="broadcast", id=tosno)) == denied
    await harness.press(user, PickCb(field="aud", value="schools"))
    requests = await harness.send(user, "47101")
    texts = [str(r.text) for r in requests if isinstance(r, SendMessage)]
    assert texts == [translator.get("ru", "error-audience-schools-elsewhere", codes="47101")]
    # Its own schools are fine.
    requests = await harness.send(user, "47002")
    texts = [str(r.text) for r in requests if isinstance(r, SendMessage)]
    assert texts[0].startswith(translator.get("ru", "broadcast-audience-size", count=1))


async def test_a_revoked_persons_acknowledgement_does_not_count(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    early = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Рано Нажал")
    late = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Поздно Нажал")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    broadcast = await broadcasts.create(
        session,
        regional,
        text="Прочтите",
        send_at=datetime.now(UTC) + timedelta(minutes=1),
        audience=Audience(roles=(Role.DIRECTOR,)),
        render=lambda b, p: Payload(b.text),
        acknowledge=True,
    )
    assert (
        await harness.alerts(TelegramUser(id=telegram_id(early)), AckCb(broadcast=broadcast.id))
        == []
    )
    for someone in (early, late):
        await registration.revoke(session, regional, someone.id, notice=REVOKE_NOTICE)

    # Pressed after the revocation: refused.
    denied = [translator.get("ru", "error-access-denied")]
    assert (
        await harness.alerts(TelegramUser(id=telegram_id(late)), AckCb(broadcast=broadcast.id))
        == denied
    )
    # Pressed before it: no longer counted, nor listed among those who have not.
    async with session_factory() as fresh:
        found = await broadcasts.get(fresh, regional, broadcast.id)
        assert (await broadcasts.progress(fresh, found)).acknowledged == 0
        assert await broadcasts.recipients(fresh, regional, broadcast.id) == []
