"""Answering a survey through the dispatcher: every question type, bad input, stale
buttons, resume, summary, edit, submit; and the coordinators' status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.conversation.actions import MenuCb, RemindCb, SurveyCb
from bot.i18n import Translator
from bot.services import registration, surveys
from bot.services.survey_definitions import SurveyDefinition, load_definition
from bot.settings import PROJECT_ROOT
from bot.views import format_when
from storage.models import Assignment, OutboxMessage, ResponseStatus, Role, SurveyResponse
from tests.bot.conftest import BotHarness
from tests.support.people import REVOKE_NOTICE, load_schools, person, telegram_id
from tests.support.updates import TelegramUser

DEFINITION = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")


def q(question_id: str) -> int:
    return [question.id for question in DEFINITION.questions].index(question_id)


def shown(requests: list[TelegramMethod[Any]]) -> SendMessage | EditMessageText:
    """The one message a step shows: a new one, or the pressed one edited in place."""
    found = [r for r in requests if isinstance(r, SendMessage | EditMessageText)]
    assert len(found) == 1, found
    return found[0]


def saved(question: str, answer: str) -> str:
    """The line above the next step that says what was saved."""
    text = DEFINITION.question(question).text.get("ru")
    return f"✅ Ответ сохранён: «{text}» — {answer}"


def labels(message: SendMessage | EditMessageText) -> list[str]:
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    return [b.text for row in message.reply_markup.inline_keyboard for b in row]


async def test_a_director_answers_the_engagement_survey(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)

    listing = await harness.reply_text(user, "/surveys")
    assert "Опрос вовлечённости руководителей школ" in listing
    assert t("survey-status-not-started") in listing
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    first = harness.sent_to(user)[-1]
    assert (first.text or "").startswith(t("survey-question-of", number=1, total=10))
    response = await session.scalar(select(SurveyResponse))
    assert response is not None
    rid = response.id

    def press(action: str, question: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=rid, q=q(question), v=value)

    assert await harness.reply_text(user, "во всех") == t("survey-error-use-buttons")
    # A button answer: the question's message becomes the next question, headed by what
    # was saved, and the press is answered with a short "saved".
    requests = await harness.press(user, press("ans", "meetings_attended", "0"))
    step = shown(requests)
    assert isinstance(step, EditMessageText)
    assert (step.text or "").startswith(
        saved("meetings_attended", "Во всех") + "\n\n" + t("survey-question-of", number=2, total=10)
    )
    assert "Сколько вебинаров" in (step.text or "")
    [answered] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert (answered.text, answered.show_alert) == (t("survey-saved-toast"), None)
    # A number typed wrongly, then out of range, then right.
    assert await harness.reply_text(user, "пять") == t("survey-error-not-a-number")
    assert await harness.reply_text(user, "99") == t("survey-error-out-of-range", min="0", max="50")
    # A typed answer: the next question comes as a new message, headed by what was saved.
    typed = await harness.reply_text(user, "5")
    assert typed.startswith(
        saved("webinars_attended", "5") + "\n\n" + t("survey-question-of", number=3, total=10)
    )
    # «Назад» turns the message back into the previous question; answering it again goes on.
    back = shown(await harness.press(user, press("back", "curator_contact")))
    assert isinstance(back, EditMessageText)
    assert (back.text or "").startswith(t("survey-question-of", number=2, total=10))
    assert "Сколько вебинаров" in (back.text or "")
    assert await harness.alerts(user, press("ans", "curator_contact", "3")) == [
        t("survey-error-stale-button")
    ]
    assert (await harness.reply_text(user, "5")).startswith(saved("webinars_attended", "5"))
    question = shown(await harness.press(user, press("ans", "curator_contact", "3")))
    assert "Как продвигается программа" in (question.text or "")  # never: hides helpful
    assert t("survey-question-of", number=4, total=9) in (question.text or "")  # helpful ruled out
    # An old question's button: explained, nothing changes.
    stale = await harness.alerts(user, press("ans", "meetings_attended", "2"))
    assert stale == [t("survey-error-stale-button")]
    await harness.press(user, press("ans", "programme_progress", "4"))
    # Multi-choice: toggles, a Done with nothing ticked is refused.
    assert await harness.alerts(user, press("done", "antirisk_measures")) == [
        t("survey-error-picks", min="1", max="6")
    ]
    await harness.press(user, press("tog", "antirisk_measures", "0"))
    await harness.press(user, press("tog", "antirisk_measures", "5"))
    await harness.press(user, press("done", "antirisk_measures"))
    await harness.press(user, press("ans", "difficulties", "1"))
    await harness.send(user, "Не хватает учителей математики")
    await harness.press(user, press("skip", "help_needed"))
    summary = shown(await harness.press(user, press("skip", "comment")))
    assert isinstance(summary, EditMessageText)
    assert (summary.text or "").startswith(
        saved("comment", "пропущено") + "\n\n" + "<b>Проверьте ответы</b>"
    )
    assert "Низкая учебная мотивация, Школьный климат" in (summary.text or "")
    assert labels(summary)[0] == t("survey-submit")

    # Edit one answer from the summary, then submit.
    await harness.press(user, SurveyCb(action="edit", response=rid, q=q("webinars_attended")))
    await harness.send(user, "7")
    await harness.press(user, SurveyCb(action="submit", response=rid))
    stored = await surveys.answers(session, response)
    assert stored["webinars_attended"] == 7
    assert stored["antirisk_measures"] == ["motivation", "climate"]
    assert "curator_helpful" not in stored
    refreshed = await session.scalar(
        select(SurveyResponse).execution_options(populate_existing=True)
    )
    assert refreshed is not None
    assert refreshed.status == ResponseStatus.SUBMITTED

    # Someone else's response by a forged button is refused.
    other = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Другой Дир")
    refused = await harness.alerts(
        TelegramUser(id=telegram_id(other)), SurveyCb(action="submit", response=rid)
    )
    assert refused == [translator.get("ru", "error-access-denied")]


async def test_coordinators_see_which_schools_have_answered(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Второй Директор")
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    user = TelegramUser(id=telegram_id(coordinator))
    await harness.press(user, MenuCb(item="surveys-status"))
    await harness.press(user, SurveyCb(action="status", survey=loaded.survey.id))
    report = harness.sent_to(user)[-1].text or ""
    assert report.startswith(translator.get("ru", "surveys-rate", done=0, total=2, percent="0%"))
    assert "Будогощская СОШ: не начали" in report
    assert "Тосненская" not in report
    alerts = await harness.alerts(user, SurveyCb(action="remind", survey=loaded.survey.id))
    assert alerts == [translator.get("ru", "broadcast-reminded", count=2)]
    assert len(await _nudges(session)) == 2

    # Pressed again the same day: nothing goes; the bot says when and asks.
    requests = await harness.press(user, SurveyCb(action="remind", survey=loaded.survey.id))
    assert len(await _nudges(session)) == 2
    (question,) = [r for r in requests if isinstance(r, SendMessage)]
    assert (question.text or "").startswith("Последнее напоминание отправлено сегодня в ")
    assert (question.text or "").endswith("(МСК). Отправить ещё одно?")
    again = RemindCb(kind="survey", id=loaded.survey.id, number=2)
    assert isinstance(question.reply_markup, InlineKeyboardMarkup)
    assert question.reply_markup.inline_keyboard[0][0].callback_data == again.pack()
    # Confirmed: the reminder goes again, once, however often the button is pressed.
    assert await harness.alerts(user, again) == [
        translator.get("ru", "broadcast-reminded", count=2)
    ]
    assert len(await _nudges(session)) == 4
    (repeat,) = await harness.alerts(user, again)
    assert repeat.startswith("Это напоминание уже отправлено сегодня в ")
    assert len(await _nudges(session)) == 4


async def test_the_status_names_schools_nobody_can_answer_for(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """47101 (Тосно) has no director: the region's status expects the two schools that can
    answer, as the analysis does, and names 47101 apart instead of as silent."""
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Второй Директор")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, SurveyCb(action="status", survey=loaded.survey.id))
    lines = (harness.sent_to(user)[-1].text or "").splitlines()
    assert lines[0] == translator.get("ru", "surveys-rate", done=0, total=2, percent="0%")
    assert "• Тосненская СОШ №1: не начали" not in lines
    assert lines[-1] == (
        "Не зарегистрирован директор — 1 школа, отвечать за неё некому: Тосненская СОШ №1"
    )


async def test_each_survey_of_the_admin_list_has_a_button_of_its_own(
    harness: BotHarness, session: AsyncSession
) -> None:
    """Two titles alike at the start («Опрос вовлечённости руководителей школ» and
    «… кураторов») must not shorten to the same «Открыть: Опрос вовлечённости…»."""
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    await surveys.load(session, None, DEFINITION)
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    await surveys.load(session, None, curators)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="surveys-admin"))
    markup = harness.sent_to(user)[-1].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    opening = [
        b.text
        for row in markup.inline_keyboard
        for b in row
        if isinstance(b.callback_data, str) and ":admin-open:" in f":{b.callback_data}:"
    ]
    assert len(opening) == 2
    assert len(set(opening)) == 2, opening


async def _nudges(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "survey-nudge"))
    return list(found)


async def test_the_regional_team_opens_and_closes_a_survey_in_the_bot(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:

    regional = await person(session, Role.REGIONAL_COORDINATOR)
    loaded = await surveys.load(session, None, DEFINITION)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="surveys-admin"))
    overview = harness.sent_to(user)[-1].text or ""
    assert "Опрос вовлечённости руководителей школ (версия 1): не открыт" in overview
    await harness.press(user, SurveyCb(action="admin-open", survey=loaded.survey.id))
    assert await harness.reply_text(user, "завтра") == translator.get(
        "ru", "survey-admin-ask-closes"
    )
    opened = await harness.reply_text(user, "01.01.2099 18:00")
    assert opened.startswith("✅ Опрос открыт до")
    await session.refresh(loaded.survey)
    assert loaded.survey.status == "open"
    await harness.press(user, SurveyCb(action="admin-close", survey=loaded.survey.id))
    await session.refresh(loaded.survey)
    assert loaded.survey.status == "closed"

    # The next round: a new version with the same questions, open until the date typed.
    await harness.press(user, MenuCb(item="surveys-admin"))
    buttons = harness.sent_to(user)[-1].reply_markup
    assert isinstance(buttons, InlineKeyboardMarkup)
    assert "Новый раунд" in [b.text for row in buttons.inline_keyboard for b in row]
    await harness.press(user, SurveyCb(action="admin-round", survey=loaded.survey.id))
    assert harness.sent_to(user)[-1].text == translator.get(
        "ru", "survey-admin-ask-closes-round", round=2
    )
    assert (await harness.reply_text(user, "01.02.2099 18:00")).startswith("✅ Опрос открыт до")
    second = await surveys.latest(session, DEFINITION.code)
    assert (second.round, second.status) == (2, "open")
    assert second.id != loaded.survey.id


async def test_a_survey_file_is_uploaded_in_the_bot(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    pulse = (PROJECT_ROOT / "data/surveys/pulse.yaml").read_bytes()
    harness.session.files["pulse-file"] = pulse
    harness.session.files["bad-file"] = b"code: bad\nquestions: []\n"

    def document(file_id: str) -> dict[str, object]:
        return {
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": "pulse.yaml",
                "file_size": 100,
            }
        }

    await harness.press(user, MenuCb(item="survey-upload"))
    refused = (await harness.replies(user, None, **document("bad-file")))[0]
    assert refused.startswith("Файл не принят:")
    # The problems in the reader's language, not pydantic's English.
    assert "Поле «title»: не заполнено обязательное поле" in refused
    assert "Field required" not in refused
    loaded = (await harness.replies(user, None, **document("pulse-file")))[0]
    assert loaded == translator.get("ru", "survey-admin-loaded-created", code="pulse", version=1)


async def test_a_curator_answers_for_two_schools_side_by_side(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """Each response keeps its own step: the question on screen for one school can still be
    answered after the other school's survey was opened."""
    t = translator.for_locale("ru")
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    schools = await load_schools(session)
    curator = await person(session, Role.CURATOR, schools=[schools["47001"], schools["47002"]])
    user = TelegramUser(id=telegram_id(curator))
    loaded = await surveys.load(session, None, curators)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, curators.code, now + timedelta(days=7), now)
    for code in ("47001", "47002"):
        await harness.press(
            user, SurveyCb(action="open", survey=loaded.survey.id, school=schools[code].id)
        )
    first, second = list(await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))
    index = {question.id: i for i, question in enumerate(curators.questions)}
    answer = SurveyCb(action="ans", response=first.id, q=index["curator_contact"], v="0")
    step = shown(await harness.press(user, answer))
    assert t("survey-question-of", number=2, total=5) in (step.text or "")
    assert await harness.alerts(user, answer) == [t("survey-error-stale-button")]
    await session.refresh(first)
    await session.refresh(second)
    assert (first.step, second.step) == (index["leadership_involvement"], 0)
    assert await surveys.answers(session, first) == {"curator_contact": "weekly"}
    assert await surveys.answers(session, second) == {}


# -- whose response it is: the one who holds the role for the school now --------------------

COMPLETE: list[tuple[str, object]] = [
    ("meetings_attended", "most"),
    ("webinars_attended", 4),
    ("curator_contact", "never"),
    ("programme_progress", 3),
    ("antirisk_measures", ["climate"]),
    ("difficulties", False),
    ("help_needed", None),
    ("comment", None),
]


async def my_surveys(harness: BotHarness, user: TelegramUser) -> SendMessage:
    [listing] = [r for r in await harness.send(user, "/surveys") if isinstance(r, SendMessage)]
    return listing


async def fresh(session: AsyncSession, response_id: int) -> SurveyResponse:
    """The response as committed (not as this test's session last saw it)."""
    found = await session.scalar(
        select(SurveyResponse)
        .where(SurveyResponse.id == response_id)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def test_a_revoked_director_can_no_longer_answer_for_the_school(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """Typed answers, presses, «Назад», edits and the submit of someone whose role was taken
    away are refused with a clear message, and nothing is stored."""
    t = translator.for_locale("ru")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    user = TelegramUser(id=telegram_id(director))
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    response = await surveys.start(session, director, loaded.survey.id, now, schools["47001"].id)
    for question, value in COMPLETE:  # every answer given: the submit would go through
        await surveys.record(
            session, director, response.id, question, value, now, skip=value is None
        )
    # The director goes back to a typed question: the conversation state names the response.
    await harness.press(
        user, SurveyCb(action="edit", response=response.id, q=q("webinars_attended"))
    )
    await registration.revoke(session, regional, director.id, notice=REVOKE_NOTICE)
    before = await surveys.answers(session, await fresh(session, response.id))
    refusal = t("error-survey-not-holder")

    assert await harness.reply_text(user, "9") == refusal
    back = SurveyCb(action="back", response=response.id, q=q("webinars_attended"))
    assert await harness.alerts(user, back) == [refusal]
    edit = SurveyCb(action="edit", response=response.id, q=q("curator_contact"))
    assert await harness.alerts(user, edit) == [refusal]
    assert await harness.alerts(user, SurveyCb(action="submit", response=response.id)) == [refusal]
    # A button answer to the question on screen (had it been a choice) is refused too.
    stored = await fresh(session, response.id)
    await surveys.move_to(session, stored, DEFINITION, before, q("curator_contact"))
    answer = SurveyCb(action="ans", response=response.id, q=q("curator_contact"), v="0")
    assert await harness.alerts(user, answer) == [refusal]

    after = await fresh(session, response.id)
    assert await surveys.answers(session, after) == before
    assert (after.status, after.step) == (ResponseStatus.IN_PROGRESS, q("curator_contact"))
    # Its conversation no longer routes what they type to the survey.
    assert await harness.reply_text(user, "9") != refusal


@pytest.mark.parametrize("leaves", ["forget", "revoke"])
async def test_the_next_director_continues_the_schools_response(
    harness: BotHarness, session: AsyncSession, translator: Translator, leaves: str
) -> None:
    """The director leaves mid-survey (/forget, or a coordinator takes the role away); the
    school's new director sees the response in /surveys and goes on where it stopped, with
    the answers given so far."""
    t = translator.for_locale("ru")
    schools = await load_schools(session)
    first = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    response = await surveys.start(session, first, loaded.survey.id, now, schools["47001"].id)
    for question, value in COMPLETE[:3]:
        await surveys.record(session, first, response.id, question, value, now)
    if leaves == "forget":
        await registration.forget(session, first)
    else:
        await registration.revoke(session, regional, first.id, notice=REVOKE_NOTICE)

    second = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Новый Дир")
    user = TelegramUser(id=telegram_id(second))
    listing = await my_surveys(harness, user)
    assert t("survey-status-progress", number=4, total=9) in (listing.text or "")
    assert labels(listing)[0].startswith(t("survey-continue"))
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    question = harness.sent_to(user)[-1].text or ""
    assert question.startswith(t("survey-question-of", number=4, total=9))
    assert "Как продвигается программа" in question

    step = shown(
        await harness.press(
            user, SurveyCb(action="ans", response=response.id, q=q("programme_progress"), v="4")
        )
    )
    assert (step.text or "").startswith(saved("programme_progress", "4"))
    await fresh(session, response.id)  # this session saw it before the bot took it over
    for question_id, value in COMPLETE[4:]:
        await surveys.record(
            session, second, response.id, question_id, value, now, skip=value is None
        )
    await harness.press(user, SurveyCb(action="submit", response=response.id))
    assert harness.sent_to(user)[-2].text == t("survey-thanks")
    handed = await fresh(session, response.id)
    assert (handed.participant_id, handed.status) == (second.id, ResponseStatus.SUBMITTED)
    stored = await surveys.answers(session, handed)
    assert (stored["meetings_attended"], stored["webinars_attended"]) == ("most", 4)
    assert stored["programme_progress"] == 4
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


async def test_a_submitted_response_stays_with_its_author(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """The school answered before its director left: the new director can read the answers
    but not change them, nor submit them again."""
    t = translator.for_locale("ru")
    schools = await load_schools(session)
    first = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    response = await surveys.start(session, first, loaded.survey.id, now, schools["47001"].id)
    for question, value in COMPLETE:
        await surveys.record(session, first, response.id, question, value, now, skip=value is None)
    await surveys.submit(session, first, response.id, now)
    await registration.revoke(session, regional, first.id, notice=REVOKE_NOTICE)

    second = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Новый Дир")
    user = TelegramUser(id=telegram_id(second))
    listing = await my_surveys(harness, user)
    assert t("survey-status-submitted") in (listing.text or "")
    assert labels(listing)[0].startswith(t("survey-view"))
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    summary = harness.sent_to(user)[-1]
    assert t("survey-read-only-earlier") in (summary.text or "")
    assert labels(summary) == [t("button-menu")]  # no «Изменить ответ», no submit
    edit = SurveyCb(action="edit", response=response.id, q=q("curator_contact"))
    assert await harness.alerts(user, edit) == [t("error-access-denied")]
    kept = await fresh(session, response.id)
    assert (kept.participant_id, kept.status) == (first.id, ResponseStatus.SUBMITTED)


async def test_a_curator_unassigned_from_a_school_no_longer_answers_for_it(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """A curator of two schools loses one: its response is refused to them (the other one
    goes on), and the school's next curator continues it with the answers given so far."""
    t = translator.for_locale("ru")
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    index = {question.id: i for i, question in enumerate(curators.questions)}
    schools = await load_schools(session)
    curator = await person(session, Role.CURATOR, schools=[schools["47001"], schools["47002"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    user = TelegramUser(id=telegram_id(curator))
    loaded = await surveys.load(session, None, curators)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, curators.code, now + timedelta(days=7), now)
    for code in ("47001", "47002"):
        await harness.press(
            user, SurveyCb(action="open", survey=loaded.survey.id, school=schools[code].id)
        )
    kirishi, budogoshch = list(
        await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))
    )

    def answer(response: SurveyResponse, question: str, value: str) -> SurveyCb:
        return SurveyCb(action="ans", response=response.id, q=index[question], v=value)

    assert await harness.alerts(user, answer(kirishi, "curator_contact", "0")) == []
    # A coordinator takes the school away from the curator (the assignment goes).
    await session.execute(
        delete(Assignment).where(
            Assignment.participant_id == curator.id, Assignment.school_id == schools["47001"].id
        )
    )
    await session.commit()

    refused = await harness.alerts(user, answer(kirishi, "leadership_involvement", "3"))
    assert refused == [t("error-survey-not-holder")]
    assert await surveys.answers(session, await fresh(session, kirishi.id)) == {
        "curator_contact": "weekly"
    }
    assert await harness.alerts(user, answer(budogoshch, "curator_contact", "1")) == []
    # Typed amid the survey, /surveys says the filling-in stopped, then lists.
    interrupted, listing = await harness.replies(user, "/surveys")
    assert interrupted == t("wizard-interrupted")
    assert "Будогощская СОШ" in listing
    assert "Киришская СОШ №3" not in listing

    # The school's next curator finds its response begun; their other school is theirs alone.
    newcomer = await person(session, Role.CURATOR, schools=[schools["47002"]], name="Новый Кур")
    await registration.assign_curator(session, regional, newcomer.id, schools["47001"].id)
    other = TelegramUser(id=telegram_id(newcomer))
    lines = (await harness.reply_text(other, "/surveys")).splitlines()
    [kirishi_line] = [line for line in lines if "Киришская СОШ №3" in line]
    assert t("survey-status-progress", number=2, total=5) in kirishi_line
    [budogoshch_line] = [line for line in lines if "Будогощская СОШ" in line]
    assert t("survey-status-not-started") in budogoshch_line
    await harness.press(
        other, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    assert (harness.sent_to(other)[-1].text or "").startswith(
        t("survey-question-of", number=2, total=5)
    )
    assert await harness.alerts(other, answer(kirishi, "leadership_involvement", "3")) == []
    handed = await fresh(session, kirishi.id)
    assert handed.participant_id == newcomer.id
    assert await surveys.answers(session, handed) == {
        "curator_contact": "weekly",
        "leadership_involvement": 3,
    }
    # The first curator's own school is not touched.
    assert (await fresh(session, budogoshch.id)).participant_id == curator.id


async def test_a_school_outside_the_surveys_audience_cannot_open_it(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """The ШМР self-diagnostics asks the schools of that programme only: the director of
    another school pressing a forged «Начать анкету» is refused and no response appears."""
    shmr = load_definition(PROJECT_ROOT / "data/surveys/self_diagnostics_shmr.yaml")
    schools = await load_schools(session)
    outside = await person(session, Role.DIRECTOR, schools=[schools["47002"]])  # 500+ only
    inside = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Шмр Дир")
    loaded = await surveys.load(session, None, shmr)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, shmr.code, now + timedelta(days=7), now)
    forged = SurveyCb(action="open", survey=loaded.survey.id, school=schools["47002"].id)
    assert await harness.alerts(TelegramUser(id=telegram_id(outside)), forged) == [
        translator.get("ru", "error-access-denied")
    ]
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    opening = SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    assert await harness.alerts(TelegramUser(id=telegram_id(inside)), opening) == []
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


async def test_typing_after_the_survey_closed_is_answered_once(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """The survey closes while a typed question is on screen: the next message is told so,
    with the way to the menu; what comes after is no longer taken for an answer."""
    t = translator.for_locale("ru")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    response = await surveys.start(session, director, loaded.survey.id, now, schools["47001"].id)
    await surveys.record(session, director, response.id, "meetings_attended", "all", now)
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    await surveys.close(session, None, DEFINITION.code, datetime.now(UTC))
    closed = await harness.reply_text(user, "5")
    assert closed == t("error-survey-closed")
    assert "/menu" in closed
    assert await harness.reply_text(user, "5") != closed
    assert await surveys.answers(session, await fresh(session, response.id)) == {
        "meetings_attended": "all"
    }


# -- the flow as a director or curator meets it (issue #14) -----------------------------------

MSK = ZoneInfo("Europe/Moscow")

# A survey whose show_if reveals questions, with a whole and a decimal number.
FLOW = SurveyDefinition.model_validate(
    {
        "code": "flow",
        "title": {"ru": "Проверка хода анкеты", "en": "Flow check"},
        "description": {"ru": "Проверка.", "en": "A check."},
        "audience": {"roles": ["director"]},
        "unit": "school",
        "questions": [
            {
                "id": "contact",
                "type": "single",
                "text": {"ru": "Работали с куратором?", "en": "Worked with the curator?"},
                "options": [
                    {"id": "often", "label": {"ru": "Часто", "en": "Often"}},
                    {"id": "never", "label": {"ru": "Никогда", "en": "Never"}},
                ],
            },
            {
                "id": "helpful",
                "type": "scale",
                "show_if": {"question": "contact", "equals": "often"},
                "scale": {
                    "min": 1,
                    "max": 5,
                    "min_label": {"ru": "Нет", "en": "No"},
                    "max_label": {"ru": "Очень", "en": "Very"},
                },
                "text": {"ru": "Помогает ли куратор?", "en": "Does the curator help?"},
            },
            {
                "id": "staff",
                "type": "number",
                "min": 0,
                "max": 500,
                "text": {"ru": "Сколько педагогов в школе?", "en": "How many teachers?"},
            },
            {
                "id": "share",
                "type": "number",
                "decimal": True,
                "min": 0.5,
                "max": 100,
                "text": {
                    "ru": "Какая доля уроков с новым оборудованием, %?",
                    "en": "Which share of lessons uses new equipment, %?",
                },
            },
            {
                "id": "issues",
                "type": "yes_no",
                "text": {"ru": "Есть ли трудности?", "en": "Any difficulties?"},
            },
            {
                "id": "issues_text",
                "type": "text",
                "show_if": {"question": "issues", "equals": True},
                "text": {"ru": "Опишите трудности.", "en": "Describe them."},
            },
            {
                "id": "measures",
                "type": "multi",
                "text": {"ru": "Что делает школа?", "en": "What does the school do?"},
                "options": [
                    {"id": "a", "label": {"ru": "Кружки", "en": "Clubs"}},
                    {"id": "b", "label": {"ru": "Наставничество", "en": "Mentoring"}},
                ],
            },
            {
                "id": "comment",
                "type": "text",
                "required": False,
                "text": {"ru": "Комментарий.", "en": "A comment."},
            },
        ],
    }
)


def f(question_id: str) -> int:
    return FLOW.place(question_id)


async def open_for_director(
    harness: BotHarness,
    session: AsyncSession,
    definition: SurveyDefinition = DEFINITION,
    closes: datetime | None = None,
) -> tuple[TelegramUser, int, int]:
    """A director of 47001 opens the survey: (their chat, the response id, the survey id)."""
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    loaded = await surveys.load(session, None, definition)
    now = datetime.now(UTC)
    await surveys.open_window(
        session, None, definition.code, closes or now + timedelta(days=7), now
    )
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47001"].id)
    )
    response = await session.scalar(select(SurveyResponse))
    assert response is not None
    return user, response.id, loaded.survey.id


async def test_the_invitation_states_the_deadline(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.load(session, None, DEFINITION)
    closes = datetime(2099, 12, 18, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    await surveys.open_window(session, None, DEFINITION.code, closes, datetime.now(UTC))
    assert await notices.send_survey_invitations(session, translator, MSK) == 1
    [invitation] = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "survey-invite")
    )
    text = invitation.payload["text"]
    assert "пятница, 18 декабря, 18:00 (МСК)" in text
    assert format_when(closes, MSK, "ru") in text


async def test_the_reminder_to_someone_answering_says_continue_with_their_progress(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    started = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    waiting = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Не Начинал")
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)
    response = await surveys.start(session, started, loaded.survey.id, now, schools["47001"].id)
    for question, value in COMPLETE[:2]:
        await surveys.record(session, started, response.id, question, value, now)
    assert await notices.send_survey_nudges(session, translator, loaded.survey.id, "x", MSK) == 2
    nudges = {row.participant_id: row.payload for row in await _nudges(session)}
    begun, fresh_one = nudges[started.id], nudges[waiting.id]
    assert "вопрос 3 из 10" in begun["text"]
    assert [b["text"] for row in begun["buttons"] for b in row] == ["Продолжить"]
    assert [b["text"] for row in fresh_one["buttons"] for b in row] == ["Начать анкету"]
    assert "вопрос" not in fresh_one["text"]


async def test_back_shows_the_current_answer_and_answering_goes_to_the_next_question(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session)

    def press(action: str, question: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=rid, q=q(question), v=value)

    await harness.press(user, press("ans", "meetings_attended", "1"))
    await harness.send(user, "5")
    await harness.press(user, press("ans", "curator_contact", "0"))
    # Back to a choice: the answer given is marked.
    choice = shown(await harness.press(user, press("back", "curator_helpful")))
    assert "✅ Еженедельно" in labels(choice)
    assert "Ежемесячно" in labels(choice)
    # Back to a typed number: it is shown and can be kept.
    typed = shown(await harness.press(user, press("back", "curator_contact")))
    assert t("survey-current", answer="5") in (typed.text or "")
    assert t("survey-keep") in labels(typed)
    kept = shown(await harness.press(user, press("keep", "webinars_attended")))
    assert "Как часто Вы работали с куратором" in (kept.text or "")  # the next, not helpful
    assert "✅ Еженедельно" in labels(kept)
    # Back twice, then a new typed answer: the next question follows, not the first unanswered.
    await harness.press(user, press("back", "curator_contact"))
    after = await harness.reply_text(user, "6")
    assert after.startswith(saved("webinars_attended", "6"))
    assert "Как часто Вы работали с куратором" in after
    step = shown(await harness.press(user, press("ans", "curator_contact", "0")))
    assert "Насколько работа с куратором помогает" in (step.text or "")
    # Multi-choice: the saved ticks are shown after «Назад».
    await harness.press(user, press("ans", "curator_helpful", "4"))
    await harness.press(user, press("ans", "programme_progress", "3"))
    await harness.press(user, press("tog", "antirisk_measures", "5"))
    await harness.press(user, press("done", "antirisk_measures"))
    multi = shown(await harness.press(user, press("back", "difficulties")))
    assert "☑ Школьный климат" in labels(multi)
    assert "☐ Низкая учебная мотивация" in labels(multi)


def headers(text: str) -> tuple[int, int]:
    """(N, M) of «Вопрос N из M» at the top of a question."""
    words = text.split("\n", 1)[0].split()
    assert (words[0], words[2]) == ("Вопрос", "из"), text
    return int(words[1]), int(words[3])


async def test_progress_never_goes_back_nor_jumps_under_show_if(
    harness: BotHarness, session: AsyncSession
) -> None:
    user, rid, _ = await open_for_director(harness, session, FLOW)
    first = harness.sent_to(user)[-1].text or ""
    seen = [headers(first)]

    def press(action: str, question: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=rid, q=f(question), v=value)

    def last(requests: list[TelegramMethod[Any]]) -> str:
        return (shown(requests).text or "").split("\n\n", 1)[-1]

    seen.append(headers(last(await harness.press(user, press("ans", "contact", "0")))))
    seen.append(headers(last(await harness.press(user, press("ans", "helpful", "4")))))
    seen.append(headers((await harness.reply_text(user, "40")).split("\n\n", 1)[-1]))
    seen.append(headers((await harness.reply_text(user, "12,5")).split("\n\n", 1)[-1]))
    seen.append(headers(last(await harness.press(user, press("ans", "issues", "1")))))
    seen.append(headers((await harness.reply_text(user, "Мало времени")).split("\n\n", 1)[-1]))
    numbers = [n for n, _ in seen]
    totals = [m for _, m in seen]
    assert numbers == list(range(1, len(seen) + 1))  # one step at a time
    assert totals == sorted(totals, reverse=True)  # never grows while answering
    assert seen == [(1, 8), (2, 8), (3, 8), (4, 8), (5, 8), (6, 8), (7, 8)]
    # An answer that rules a question out: the total shrinks by it, the number goes on.
    assert headers(shown(await harness.press(user, press("back", "measures"))).text or "") == (6, 8)
    assert headers(shown(await harness.press(user, press("back", "issues_text"))).text or "") == (
        5,
        8,
    )
    assert headers(last(await harness.press(user, press("ans", "issues", "0")))) == (6, 7)


async def test_whole_and_decimal_numbers(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session, FLOW)
    await harness.press(user, SurveyCb(action="ans", response=rid, q=f("contact"), v="1"))
    assert await harness.reply_text(user, "2,5") == t("survey-error-not-whole")
    assert await harness.reply_text(user, "2.5") == t("survey-error-not-whole")
    assert (await harness.reply_text(user, "40")).startswith("✅ Ответ сохранён")
    # The limits are written as the person writes numbers: «0,5», not «0.5».
    too_small = await harness.reply_text(user, "0,1")
    assert too_small == t("survey-error-out-of-range", min="0,5", max="100")
    decimal = await harness.reply_text(user, "2,5")
    share = FLOW.question("share").text.get("ru")
    assert decimal.startswith(f"✅ Ответ сохранён: «{share}» — 2,5")
    stored = await surveys.answers(session, await fresh(session, rid))
    assert (stored["staff"], stored["share"]) == (40, 2.5)
    en = translator.for_locale("en")
    assert en("survey-error-not-whole") != t("survey-error-not-whole")


async def test_a_yes_no_or_scale_answer_may_be_typed(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """Text where buttons were expected: «да» and a point of the scale are understood."""
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session, FLOW)
    await harness.press(user, SurveyCb(action="ans", response=rid, q=f("contact"), v="0"))
    assert await harness.reply_text(user, "7") == t("survey-error-out-of-scale", min="1", max="5")
    helpful = FLOW.question("helpful").text.get("ru")
    assert (await harness.reply_text(user, "4")).startswith(f"✅ Ответ сохранён: «{helpful}»")
    await harness.send(user, "40")
    await harness.send(user, "2,5")
    assert await harness.reply_text(user, "может быть") == t("survey-error-use-buttons")
    issues = FLOW.question("issues").text.get("ru")
    assert (await harness.reply_text(user, "Да.")).startswith(f"✅ Ответ сохранён: «{issues}»")
    stored = await surveys.answers(session, await fresh(session, rid))
    assert (stored["helpful"], stored["issues"]) == (4, True)


async def complete_directors_survey(harness: BotHarness, user: TelegramUser, rid: int) -> None:
    def press(action: str, question: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=rid, q=q(question), v=value)

    await harness.press(user, press("ans", "meetings_attended", "1"))
    await harness.send(user, "4")
    await harness.press(user, press("ans", "curator_contact", "0"))
    await harness.press(user, press("ans", "curator_helpful", "4"))
    await harness.press(user, press("ans", "programme_progress", "3"))
    await harness.press(user, press("tog", "antirisk_measures", "5"))
    await harness.press(user, press("done", "antirisk_measures"))
    await harness.press(user, press("ans", "difficulties", "0"))
    await harness.press(user, press("skip", "help_needed"))
    await harness.press(user, press("skip", "comment"))


def rows_of(message: SendMessage | EditMessageText) -> list[list[str]]:
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    return [[b.text for b in row] for row in message.reply_markup.inline_keyboard]


async def test_the_summary_is_a_grid_of_numbers_with_the_submit_first(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session)
    await complete_directors_survey(harness, user, rid)
    summary = harness.session.requests[-2]
    assert isinstance(summary, EditMessageText)
    grid = rows_of(summary)
    assert grid[0] == [t("survey-submit")]
    numbers = [label for row in grid[1:] for label in row]
    assert numbers == [t("survey-edit", number=n) for n in range(1, 10)]  # 9 shown
    assert [len(row) for row in grid[1:]] == [5, 4]


async def test_a_curator_sees_the_school_being_answered_for(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    schools = await load_schools(session)
    curator = await person(session, Role.CURATOR, schools=[schools["47001"], schools["47002"]])
    user = TelegramUser(id=telegram_id(curator))
    loaded = await surveys.load(session, None, curators)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, curators.code, now + timedelta(days=7), now)
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47002"].id)
    )
    name = schools["47002"].short_name
    question = harness.sent_to(user)[-1].text or ""
    assert translator.get("ru", "survey-for-school", school=name) in question
    response = await session.scalar(select(SurveyResponse))
    assert response is not None
    for question_id, given in [("curator_contact", "weekly"), ("leadership_involvement", 3)]:
        await surveys.record(session, curator, response.id, question_id, given, now)
    rest = [
        qq
        for qq in curators.questions
        if qq.id not in ("curator_contact", "leadership_involvement")
    ]
    for item in rest:
        value: object = {
            "single": item.option_ids()[0] if item.options else None,
            "scale": 3,
            "yes_no": False,
            "multi": item.option_ids()[:1],
            "number": 1,
            "text": "Текст",
        }[item.type]
        if item.show_if is None:
            await surveys.record(session, curator, response.id, item.id, value, now)
    await harness.press(
        user, SurveyCb(action="open", survey=loaded.survey.id, school=schools["47002"].id)
    )
    summary = harness.sent_to(user)[-1].text or ""
    assert summary.startswith("<b>Проверьте ответы</b>")
    assert translator.get("ru", "survey-for-school", school=name) in summary


async def test_closed_rounds_the_person_answered_are_listed_read_only(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session)
    await complete_directors_survey(harness, user, rid)
    await harness.press(user, SurveyCb(action="submit", response=rid))
    await surveys.close(session, None, DEFINITION.code, datetime.now(UTC))
    # Another closed survey nobody answered: not listed.
    await surveys.load(session, None, FLOW)
    listing = await my_surveys(harness, user)
    text = listing.text or ""
    assert t("surveys-none") in text
    assert t("surveys-closed-title") in text
    assert "Опрос вовлечённости руководителей школ" in text
    assert "Проверка хода анкеты" not in text
    assert isinstance(listing.reply_markup, InlineKeyboardMarkup)
    [[button]] = listing.reply_markup.inline_keyboard
    assert button.text.startswith(t("survey-view"))
    assert button.callback_data == SurveyCb(action="view", response=rid).pack()
    view = shown(await harness.press(user, SurveyCb(action="view", response=rid)))
    assert t("survey-read-only") in (view.text or "")
    assert "Низкая учебная мотивация" not in (view.text or "")
    assert "Школьный климат" in (view.text or "")
    assert labels(view) == [t("button-menu")]
    # Someone else's response, by a forged button: refused.
    schools = await load_schools(session)
    other = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Чужой Дир")
    refused = await harness.alerts(
        TelegramUser(id=telegram_id(other)), SurveyCb(action="view", response=rid)
    )
    assert refused == [t("error-access-denied")]


async def test_an_answer_that_hides_a_later_question_says_its_answer_is_dropped(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session)
    await complete_directors_survey(harness, user, rid)
    await harness.press(user, SurveyCb(action="edit", response=rid, q=q("curator_contact")))
    step = shown(
        await harness.press(
            user, SurveyCb(action="ans", response=rid, q=q("curator_contact"), v="3")
        )
    )
    text = step.text or ""
    helpful = DEFINITION.question("curator_helpful").text.get("ru")
    assert t("survey-dropped", question=helpful) in text
    assert text.startswith(saved("curator_contact", "Не работали"))
    assert "<b>Проверьте ответы</b>" in text
    summary = text.split("<b>Проверьте ответы</b>", 1)[1]
    assert helpful not in summary
    stored = await surveys.answers(session, await fresh(session, rid))
    assert "curator_helpful" not in stored
    assert stored["curator_contact"] == "never"


async def test_a_second_submit_from_an_old_summary_changes_nothing(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """The summary's «Отправить анкету» pressed again (an old message, a double tap): the
    person is told it is already sent; no second thanks, the time of sending stays."""
    t = translator.for_locale("ru")
    user, rid, _ = await open_for_director(harness, session)
    await complete_directors_survey(harness, user, rid)
    submit = SurveyCb(action="submit", response=rid)
    await harness.press(user, submit)
    sent = (await fresh(session, rid)).submitted_at
    assert await harness.alerts(user, submit) == [t("error-survey-already-submitted")]
    assert (await fresh(session, rid)).submitted_at == sent
    assert [m.text for m in harness.sent_to(user)].count(t("survey-thanks")) == 1


async def test_answers_all_given_but_not_sent_are_called_so(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """Every answer given, «Отправить анкету» not pressed: /surveys and the reminder say
    what is left, instead of «вопрос 10 из 10»."""
    t = translator.for_locale("ru")
    user, rid, survey_id = await open_for_director(harness, session)
    await complete_directors_survey(harness, user, rid)
    listing = await my_surveys(harness, user)
    assert t("survey-status-ready") in (listing.text or "")
    assert labels(listing)[0].startswith(t("survey-continue"))
    assert await notices.send_survey_nudges(session, translator, survey_id, "x", MSK) == 1
    [nudge] = await _nudges(session)
    assert nudge.payload["text"].startswith("⏰ Напоминаем: все ответы анкеты")
    assert [b["text"] for row in nudge.payload["buttons"] for b in row] == ["Продолжить"]
