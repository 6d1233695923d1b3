"""Commands over wizards: a command typed while a wizard waits for input always works as a
command and ends the wizard, saying so; it is never taken as the wizard's input."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import handlers.features  # every feature's module, found below
from bot.conversation.actions import MenuCb, SurveyCb
from bot.conversation.routes import StateGroup
from bot.i18n import Translator
from bot.services import surveys
from bot.services.survey_definitions import load_definition
from bot.settings import PROJECT_ROOT
from storage.models import Broadcast, Role, SurveyAnswer, SurveyResponse
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import TelegramUser

USER = TelegramUser(id=4242)


def every_wizard_step() -> list[str]:
    """Every step of every wizard the features define: a new wizard is covered without
    touching this test."""
    found: set[str] = set()
    for _, module in inspect.getmembers(handlers, inspect.ismodule):
        for _, group in inspect.getmembers(module, inspect.isclass):
            if issubclass(group, StateGroup) and group is not StateGroup:
                found.update(group.steps())
    return sorted(found)


def test_the_steps_are_found() -> None:
    # Guards the parametrisation below: finding nothing would test nothing.
    names = set(every_wizard_step())
    assert {"Join:name", "Webinar:title", "Compose:content", "Surveying:answering"} <= names


async def in_step(harness: BotHarness, state: str) -> None:
    context = harness.dispatcher.fsm.get_context(harness.bot, chat_id=USER.id, user_id=USER.id)
    await context.set_state(state)


async def step_of(harness: BotHarness) -> str | None:
    context = harness.dispatcher.fsm.get_context(harness.bot, chat_id=USER.id, user_id=USER.id)
    return await context.get_state()


@pytest.mark.parametrize("state", every_wizard_step())
async def test_a_command_in_any_step_works_and_ends_the_wizard(
    harness: BotHarness, translator: Translator, state: str
) -> None:
    t = translator.for_locale("ru")
    await in_step(harness, state)
    assert await harness.replies(USER, "/help") == [t("wizard-interrupted"), t("help-text")]
    assert await step_of(harness) is None
    # A command nobody knows: the wizard ends too, and the hint says it is not a command.
    await in_step(harness, state)
    assert await harness.replies(USER, "/nosuchcommand") == [
        t("wizard-interrupted"),
        t("fallback-command"),
    ]
    assert await step_of(harness) is None
    # A lone «/» is a command too (it once failed there, unpacking no name).
    await in_step(harness, state)
    assert await harness.replies(USER, "/") == [t("wizard-interrupted"), t("fallback-command")]
    assert await step_of(harness) is None
    # /cancel says it in its own words, once.
    await in_step(harness, state)
    assert await harness.replies(USER, "/cancel") == [t("cancel-done")]


async def test_a_command_outside_a_wizard_says_nothing_about_one(
    harness: BotHarness, translator: Translator
) -> None:
    assert await harness.replies(USER, "/help") == [translator.get("ru", "help-text")]


async def test_a_command_typed_as_an_announcement_is_not_sent(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="broadcast-new"))
    assert await harness.replies(user, "/help") == [t("wizard-interrupted"), t("help-text")]
    # The composer is closed: the next text is not taken for the announcement either.
    assert await harness.replies(user, "Уважаемые коллеги!") == [t("fallback-text")]
    assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_a_command_typed_for_a_survey_answer_is_not_the_answer(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    definition = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    loaded = await surveys.load(session, None, definition)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, definition.code, now + timedelta(days=7), now)
    opening = SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    await harness.press(user, opening)
    response = await session.scalar(select(SurveyResponse))
    assert response is not None
    # The second question is typed (how many webinars).
    await harness.press(user, SurveyCb(action="ans", response=response.id, q=0, v="0"))
    assert await harness.replies(user, "/help") == [t("wizard-interrupted"), t("help-text")]
    assert await harness.replies(user, "5") == [t("fallback-text")]
    answered = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    assert answered == 1  # the first one only: neither «/help» nor «5» was saved
