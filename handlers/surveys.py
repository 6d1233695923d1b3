"""Answering surveys in chat: /surveys, one question per message, resume, summary, submit;
and the status of schools for curators and coordinators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices, survey_views
from bot.conversation.actions import MenuCb, RemindCb, SurveyCb
from bot.conversation.screens import Press
from bot.i18n import Localizer, Translator
from bot.keyboards import inline, menu_button
from bot.services import analytics, reminders, surveys
from bot.services.access import Action, can
from bot.services.errors import AccessDenied, DomainError
from bot.services.survey_definitions import Question
from bot.services.survey_engine import AnswerError, SurveyEngine
from bot.settings import Settings
from bot.telegram.routing import Pressed
from bot.views import shorten
from handlers.shared import answer_reminded, message_of
from storage.models import Participant, ResponseStatus, Role, Survey, SurveyResponse
from storage.types import utcnow


class Surveying(StatesGroup):
    answering = State()


# -- my surveys -----------------------------------------------------------------------------


async def list_mine(
    message: Message,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    if not participant.is_registered:
        await message.answer(t("menu-not-registered"))
        return
    now = utcnow()
    items = await surveys.mine(session, participant, now)
    closed = await surveys.answered_closed(session, participant, now)
    lines = [t("surveys-title")] if items else [t("surveys-none")]
    rows: list[list[Press]] = []
    for item in items:
        title = item.definition.title.get(t.locale)
        school = f" — {escape(item.school.short_name)}" if item.school else ""
        submitted = item.response is not None and item.response.status == ResponseStatus.SUBMITTED
        standing = await surveys.progress(session, item.definition, item.response)
        status = survey_views.status_line(t, standing, submitted)
        lines.append(
            f"• <b>{escape(title)}</b>{school}: {status}. "
            + survey_views.deadline(t, item.survey.closes_at, settings.zone)
        )
        label = t(
            "survey-start"
            if item.response is None
            else "survey-view"
            if submitted
            else "survey-continue"
        )
        opening = SurveyCb(
            action="open", survey=item.survey.id, school=item.school.id if item.school else 0
        )
        rows.append([(f"{label}: {shorten(title, 30)}", opening)])
    if closed:
        # Rounds already closed: what was given can be read, nothing changed.
        lines += ["", t("surveys-closed-title")]
    for answered in closed:
        title = answered.definition.title.get(t.locale)
        school = f" — {escape(answered.school.short_name)}" if answered.school else ""
        sent = answered.response.status == ResponseStatus.SUBMITTED
        status = t("survey-status-closed-submitted" if sent else "survey-status-closed-unsent")
        when = survey_views.deadline(t, answered.survey.closes_at, settings.zone)
        lines.append(f"• <b>{escape(title)}</b>{school}: {status}. {when}")
        viewing = SurveyCb(action="view", response=answered.response.id)
        rows.append([(f"{t('survey-view')}: {shorten(title, 30)}", viewing)])
    if not items and not closed:
        await message.answer(t("surveys-none"))
        return
    await message.answer("\n".join(lines), reply_markup=inline(*rows))


async def surveys_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    await state.clear()
    await list_mine(message, session, participant, settings, t)


async def surveys_button(
    callback: CallbackQuery,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    await list_mine(message_of(callback), session, participant, settings, t)


async def open_survey(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    raw_state: str | None,
    t: Localizer,
) -> None:
    response = await surveys.start(
        session, participant, callback_data.survey, utcnow(), callback_data.school or None
    )
    survey = await surveys.get(session, response.survey_id)
    answers = await surveys.answers(session, response)
    step = surveys.next_step(SurveyEngine(surveys.definition_of(survey)), response, answers)
    text, markup = await _show(
        state,
        raw_state,
        session,
        response,
        survey,
        answers,
        t,
        step,
        mine=surveys.is_mine(response, participant),
    )
    await message_of(callback).answer(text, reply_markup=markup)


async def _show(
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    response: SurveyResponse,
    survey: Survey,
    answers: dict[str, Any],
    t: Localizer,
    step: int | None,
    *,
    mine: bool = True,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question at `step` (or the summary: None, or a closed window) rendered, with
    the respondent placed there. Someone else's response (`mine` False: the school's,
    submitted by their predecessor) is shown as a summary to read, and left where it is."""
    engine = SurveyEngine(surveys.definition_of(survey))
    editable = mine and surveys.is_open(survey, utcnow())
    school = await _school_named(session, engine, response)
    if mine:
        await surveys.move_to(
            session, response, engine.definition, answers, step if editable else None
        )
    shown_step = response.step if mine else None
    await _follow(state, raw_state, response.id if shown_step is not None else None)
    if shown_step is None:
        return survey_views.summary_message(
            t,
            engine,
            response.id,
            answers,
            submitted=response.status == ResponseStatus.SUBMITTED,
            editable=editable,
            read_only="survey-read-only" if mine else "survey-read-only-earlier",
            school=school,
        )
    question = engine.definition.questions[shown_step]
    return survey_views.question_message(
        t, engine, response.id, question, answers, response.picked, school=school
    )


async def _school_named(
    session: AsyncSession, engine: SurveyEngine, response: SurveyResponse
) -> str | None:
    """The school a curator answers for, named on every question and the summary: a curator
    answers the same questions for each of their schools."""
    if engine.definition.unit != "curator_school":
        return None
    school = await surveys.school_of(session, response)
    return school.short_name if school is not None else None


async def view_closed(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    """A closed round's answers from /surveys, to read: no edit buttons."""
    response, survey = await surveys.readable_response(session, participant, callback_data.response)
    engine = SurveyEngine(surveys.definition_of(survey))
    answers = await surveys.answers(session, response)
    text, markup = survey_views.summary_message(
        t,
        engine,
        response.id,
        answers,
        submitted=response.status == ResponseStatus.SUBMITTED,
        editable=False,
        school=await _school_named(session, engine, response),
    )
    await message_of(callback).answer(text, reply_markup=markup)


async def _follow(state: FSMContext, raw_state: str | None, response_id: int | None) -> None:
    """Typed answers (numbers, texts) reach `on_typed` through the conversation state,
    which names the response whose question is on screen. Written only when that changes."""
    if response_id is None:
        if raw_state == Surveying.answering.state:
            await state.clear()
        return
    if raw_state != Surveying.answering.state:
        await state.set_state(Surveying.answering)
    if (await state.get_data()).get("response") != response_id:
        await state.set_data({"response": response_id})


async def _replace(message: Message, text: str, markup: InlineKeyboardMarkup) -> None:
    """Shows the next step in place of the message whose button was pressed (a new message
    if Telegram refuses the edit, e.g. for a very old message)."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        await message.answer(text, reply_markup=markup)


async def on_answer(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    raw_state: str | None,
    t: Localizer,
) -> None:
    """A button under the current question: the answer is committed, then the same message
    becomes the next question (or the summary), headed by what was saved."""
    try:
        pressed = await surveys.press(
            session,
            participant,
            callback_data.response,
            callback_data.q,
            callback_data.action,
            callback_data.v,
            utcnow(),
        )
    except AnswerError as error:
        callback_answer.text = survey_views.answer_error(t, error)
        callback_answer.show_alert = True
        return
    response, answers = pressed.response, pressed.answers
    if callback_data.action == "tog":  # the ticks change under the same question
        engine = SurveyEngine(surveys.definition_of(pressed.survey))
        _, markup = survey_views.question_message(
            t, engine, response.id, pressed.question, answers, response.picked
        )
        with suppress(TelegramBadRequest):
            await message_of(callback).edit_reply_markup(reply_markup=markup)
        return
    text, markup = await _show(
        state, raw_state, session, response, pressed.survey, answers, t, response.step
    )
    if pressed.saved:
        text = _saved(t, pressed.question, answers, pressed.dropped) + "\n\n" + text
        callback_answer.text = t("survey-saved-toast")
    await _replace(message_of(callback), text, markup)


def _saved(
    t: Localizer,
    question: Question,
    answers: Mapping[str, Any],
    dropped: Sequence[Question] = (),
) -> str:
    """«✅ Ответ сохранён: «Вопрос?» — ответ»: what was saved, above the next step; then
    each later question it ruled out, whose answer was deleted with it."""
    lines = [
        t(
            "survey-saved",
            question=escape(question.text.get(t.locale)),
            answer=escape(survey_views.format_answer(t, question, answers.get(question.id))),
        )
    ]
    lines += [t("survey-dropped", question=escape(gone.text.get(t.locale))) for gone in dropped]
    return "\n".join(lines)


async def on_edit(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    raw_state: str | None,
    t: Localizer,
) -> None:
    response, survey = await surveys.owned_response(session, participant, callback_data.response)
    definition = surveys.definition_of(survey)
    if not 0 <= callback_data.q < len(definition.questions):
        raise AccessDenied()
    answers = await surveys.answers(session, response)
    if not SurveyEngine(definition).is_visible(definition.questions[callback_data.q], answers):
        raise AnswerError("stale-button")
    if not surveys.is_open(survey, utcnow()):
        raise DomainError("survey-closed")
    text, markup = await _show(
        state, raw_state, session, response, survey, answers, t, callback_data.q
    )
    await message_of(callback).answer(text, reply_markup=markup)


async def on_submit(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    raw_state: str | None,
    t: Localizer,
) -> None:
    response = await surveys.submit(session, participant, callback_data.response, utcnow())
    survey = await surveys.get(session, response.survey_id)
    answers = await surveys.answers(session, response)
    with suppress(TelegramBadRequest):
        await message_of(callback).edit_reply_markup(reply_markup=None)
    await message_of(callback).answer(t("survey-thanks"))
    text, markup = await _show(state, raw_state, session, response, survey, answers, t, None)
    await message_of(callback).answer(text, reply_markup=markup)


async def on_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    raw_state: str | None,
    t: Localizer,
) -> None:
    """A typed answer (number, text) to the question on screen: committed, then the next
    step as a new message, headed by what was saved."""
    data = await state.get_data()
    try:
        response, survey = await surveys.owned_response(session, participant, int(data["response"]))
    except DomainError:  # no longer theirs: what they type next is not an answer to it
        await state.clear()
        raise
    if response.step is None:  # the summary is on screen
        await message.answer(t("survey-error-use-buttons"))
        return
    definition = surveys.definition_of(survey)
    question = definition.questions[response.step]
    engine = SurveyEngine(definition)
    try:
        value = engine.parse(question, message.text or "")
        recorded = await surveys.record(
            session, participant, response.id, question.id, value, utcnow()
        )
    except AnswerError as error:
        await message.answer(survey_views.answer_error(t, error))
        return
    except DomainError:  # the survey closed: nothing typed is an answer to it any more
        await state.clear()
        raise
    text, markup = await _show(
        state, raw_state, session, response, survey, recorded.answers, t, response.step
    )
    saved = _saved(t, question, recorded.answers, recorded.dropped)
    await message.answer(saved + "\n\n" + text, reply_markup=markup)


async def not_text(message: Message, t: Localizer) -> None:
    await message.answer(t("survey-error-use-buttons"))


# -- status for curators and coordinators ---------------------------------------------------


async def status_menu(
    callback: CallbackQuery, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    if not _may_watch(participant):
        raise AccessDenied()
    open_now = await surveys.open_surveys(session, utcnow())
    if not open_now:
        await message_of(callback).answer(t("surveys-none-open"))
        return
    rows: list[list[Press]] = [
        [(surveys.definition_of(s).title.get(t.locale), SurveyCb(action="status", survey=s.id))]
        for s in open_now
    ]
    rows.append([menu_button(t)])
    await message_of(callback).answer(t("surveys-status-choose"), reply_markup=inline(*rows))


def _may_watch(participant: Participant) -> bool:
    return participant.role == Role.CURATOR or can(
        participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id
    )


async def status(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    """«Ход опросов»: the analysis's own counts (`analytics.survey_progress`), so the two
    views never disagree; schools nobody can answer for are named apart."""
    if not _may_watch(participant):
        raise AccessDenied()
    progress = await analytics.survey_progress(session, participant, callback_data.survey)
    total, unit = progress.total, progress.round.definition.unit
    share = f"{total.share:.0%}" if total.share is not None else "—"
    lines = [t("surveys-rate", done=total.submitted, total=total.expected, percent=share)]
    waiting = [r for r in progress.schools if r.rate.submitted < r.rate.expected]
    for row in waiting:
        state = "in_progress" if row.rate.in_progress else "not_started"
        lines.append(f"• {escape(row.school.short_name)}: {t(f'survey-school-{state}')}")
    unattended = [r.school.short_name for r in progress.schools if r.rate.unattended]
    if unattended:
        lines.append(
            t(
                "surveys-unattended",
                count=len(unattended),
                unit=unit,
                schools=", ".join(escape(name) for name in unattended[:20]),
                more=max(len(unattended) - 20, 0),
            )
        )
    rows: list[list[Press]] = []
    if participant.role != Role.CURATOR and total.submitted < total.expected:
        rows.append(
            [(t("button-survey-remind"), SurveyCb(action="remind", survey=callback_data.survey))]
        )
    rows.append([menu_button(t)])
    await message_of(callback).answer("\n".join(lines), reply_markup=inline(*rows))


async def remind_now(
    callback: CallbackQuery,
    callback_data: SurveyCb | RemindCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    settings: Settings,
) -> None:
    """«Напомнить неответившим», and its confirmation after a recent reminder."""
    if not can(participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id):
        raise AccessDenied()
    survey_id = callback_data.survey if isinstance(callback_data, SurveyCb) else callback_data.id
    scope = None if can(participant, Action.CHOOSE_MUNICIPALITY) else participant.municipality_id

    async def deliver(number: int) -> int:
        return await notices.send_survey_nudges(
            session, translator, survey_id, f"now:{number}", settings.zone, participant
        )

    now = utcnow()
    reminded = await reminders.send(
        session,
        participant,
        f"survey:{survey_id}",
        scope,
        now,
        deliver,
        confirmed=callback_data.number if isinstance(callback_data, RemindCb) else None,
    )
    t = translator.for_locale(participant.locale)
    await answer_reminded(
        callback, callback_answer, t, reminded, "survey", survey_id, now, settings.zone
    )


def build_answering_router() -> Router:
    """Buttons under survey questions: the busiest updates of the bot (a press per answer
    of every respondent while a window is open). The dispatcher tries this router first:
    each handler it passes over costs a filter check, and `SurveyCb` buttons match nothing
    else."""
    router = Router(name="survey-answering")
    callbacks = router.callback_query
    callbacks.register(
        on_answer, Pressed(SurveyCb, action={"ans", "tog", "done", "skip", "back", "keep"})
    )
    callbacks.register(open_survey, Pressed(SurveyCb, action="open"))
    callbacks.register(on_edit, Pressed(SurveyCb, action="edit"))
    callbacks.register(on_submit, Pressed(SurveyCb, action="submit"))
    callbacks.register(view_closed, Pressed(SurveyCb, action="view"))
    return router


def build_router() -> Router:
    """/surveys, typed answers and the status views. Typed answers stay behind the commands
    of the routers before this one: «/menu» typed mid-survey is a command, not an answer."""
    router = Router(name="surveys")
    callbacks = router.callback_query
    router.message.register(surveys_command, Command("surveys"))
    callbacks.register(surveys_button, Pressed(MenuCb, item="surveys"))
    callbacks.register(status_menu, Pressed(MenuCb, item="surveys-status"))
    callbacks.register(status, Pressed(SurveyCb, action="status"))
    callbacks.register(remind_now, Pressed(SurveyCb, action="remind"))
    callbacks.register(remind_now, Pressed(RemindCb, kind="survey"))
    router.message.register(on_typed, Surveying.answering, F.text)
    router.message.register(not_text, Surveying.answering)
    return router
