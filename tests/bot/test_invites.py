"""A coordinator invites someone: choosing the school is worded for the coordinator, and
the code names what it is for."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import InviteScopeCb, MenuCb, RoleCb, SchoolCb
from bot.i18n import Translator
from storage.models import Role
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import TelegramUser


async def test_a_coordinator_inviting_a_director_chooses_their_school_and_sees_it_named(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(coordinator))
    await harness.press(user, MenuCb(item="invite"))
    await harness.press(user, RoleCb(purpose="invite", role=Role.DIRECTOR))
    await harness.press(user, InviteScopeCb(whole=False))
    found = await harness.reply_text(user, "Будогощ")
    # «Выберите свою» is for a person registering; the coordinator picks another's school.
    assert found != translator.get("ru", "join-pick-school", total=1)
    assert found == translator.get("ru", "invite-pick-school", total=1)
    await harness.press(user, SchoolCb(purpose="invite", id=schools["47002"].id))
    created = str(harness.sent_to(user)[-1].text)
    assert created.startswith("✅")
    assert "МОУ «Будогощская СОШ»" in created
    assert translator.get("ru", "role-director") in created


async def test_a_code_for_a_whole_municipality_names_the_municipality(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(coordinator))
    await harness.press(user, MenuCb(item="invite"))
    await harness.press(user, RoleCb(purpose="invite", role=Role.CURATOR))
    await harness.press(user, InviteScopeCb(whole=True))
    created = str(harness.sent_to(user)[-1].text)
    assert "Киришский" in created
    assert translator.get("ru", "role-curator") in created
    assert translator.get("ru", "invite-many-uses") in created


async def test_an_invite_for_the_regional_team_says_it_is_for_the_whole_region(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    await load_schools(session)
    admin = await person(session, Role.ADMIN)
    user = TelegramUser(id=telegram_id(admin))
    await harness.press(user, MenuCb(item="invite"))
    await harness.press(user, RoleCb(purpose="invite", role=Role.REGIONAL_COORDINATOR))
    created = str(harness.sent_to(user)[-1].text)
    assert translator.get("ru", "invite-for-region") in created
    assert translator.get("ru", "role-regional_coordinator") in created
