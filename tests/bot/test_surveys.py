"""Answering a survey through the dispatcher: every question type, bad input, stale
buttons, resume, summary, edit, submit; and the coordinators' status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.keyboards import MenuCb, RemindCb, SurveyCb
from bot.services import surveys
from bot.services.survey_definitions import load_definition
from bot.settings import PROJECT_ROOT
from storage.models import OutboxMessage, ResponseStatus, Role, SurveyResponse
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person
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
    user = TelegramUser(id=director.telegram_id)
    loaded = await surveys.load(session, None, DEFINITION)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DEFINITION.code, now + timedelta(days=7), now)

    listing = await harness.reply_text(user, "/surveys")
    assert "Опрос вовлечённости руководителей школ" in listing
    assert t("survey-status-not-started") in listing
    await harness.press(user, SurveyCb(action="open", survey=loaded.survey.id,
                                       school=schools["47001"].id))  # fmt: skip
    first = harness.sent_to(user)[-1]
    assert (first.text or "").startswith(t("survey-question-of", number=1, total=8))
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
    assert (step.text or "").startswith(saved("meetings_attended", "Во всех") + "\n\n"
                                        + t("survey-question-of", number=2, total=8))  # fmt: skip
    assert "Сколько вебинаров" in (step.text or "")
    [answered] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert (answered.text, answered.show_alert) == (t("survey-saved-toast"), None)
    # A number typed wrongly, then out of range, then right.
    assert await harness.reply_text(user, "пять") == t("survey-error-not-a-number")
    assert await harness.reply_text(user, "99") == t("survey-error-out-of-range", min="0",
                                                      max="50")  # fmt: skip
    # A typed answer: the next question comes as a new message, headed by what was saved.
    typed = await harness.reply_text(user, "5")
    assert typed.startswith(saved("webinars_attended", "5") + "\n\n"
                            + t("survey-question-of", number=3, total=8))  # fmt: skip
    # «Назад» turns the message back into the previous question; answering it again goes on.
    back = shown(await harness.press(user, press("back", "curator_contact")))
    assert isinstance(back, EditMessageText)
    assert (back.text or "").startswith(t("survey-question-of", number=2, total=8))
    assert "Сколько вебинаров" in (back.text or "")
    assert await harness.alerts(user, press("ans", "curator_contact", "3")) == [
        t("survey-error-stale-button")
    ]
    assert (await harness.reply_text(user, "5")).startswith(saved("webinars_attended", "5"))
    question = shown(await harness.press(user, press("ans", "curator_contact", "3")))
    assert "Как продвигается программа" in (question.text or "")  # never: hides helpful
    assert t("survey-question-of", number=4, total=8) in (question.text or "")
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
    assert (summary.text or "").startswith(saved("comment", "пропущено") + "\n\n"
                                           + "<b>Проверьте ответы</b>")  # fmt: skip
    assert "Низкая учебная мотивация, Школьный климат" in (summary.text or "")
    assert labels(summary)[-1] == t("survey-submit")

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
    refused = await harness.alerts(TelegramUser(id=other.telegram_id),
                                   SurveyCb(action="submit", response=rid))  # fmt: skip
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
    user = TelegramUser(id=coordinator.telegram_id)
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
    user = TelegramUser(id=regional.telegram_id)
    await harness.press(user, SurveyCb(action="status", survey=loaded.survey.id))
    lines = (harness.sent_to(user)[-1].text or "").splitlines()
    assert lines[0] == translator.get("ru", "surveys-rate", done=0, total=2, percent="0%")
    assert "• Тосненская СОШ №1: не начали" not in lines
    assert lines[-1] == (
        "Не зарегистрирован директор — 1 школа, отвечать за неё некому: Тосненская СОШ №1"
    )


async def _nudges(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "survey-nudge"))
    return list(found)


async def test_the_regional_team_opens_and_closes_a_survey_in_the_bot(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:

    regional = await person(session, Role.REGIONAL_COORDINATOR)
    loaded = await surveys.load(session, None, DEFINITION)
    user = TelegramUser(id=regional.telegram_id)
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
    user = TelegramUser(id=regional.telegram_id)
    pulse = (PROJECT_ROOT / "data/surveys/pulse.yaml").read_bytes()
    harness.session.files["pulse-file"] = pulse
    harness.session.files["bad-file"] = b"code: bad\nquestions: []\n"

    def document(file_id: str) -> dict[str, object]:
        return {"document": {"file_id": file_id, "file_unique_id": file_id,
                             "file_name": "pulse.yaml", "file_size": 100}}  # fmt: skip

    await harness.press(user, MenuCb(item="survey-upload"))
    refused = (await harness.replies(user, None, **document("bad-file")))[0]
    assert refused.startswith("Файл не принят:")
    assert "title: Field required" in refused
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
    user = TelegramUser(id=curator.telegram_id)
    loaded = await surveys.load(session, None, curators)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, curators.code, now + timedelta(days=7), now)
    for code in ("47001", "47002"):
        await harness.press(user, SurveyCb(action="open", survey=loaded.survey.id,
                                           school=schools[code].id))  # fmt: skip
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
