"""Answering surveys in chat: /surveys, one question per message, resume, summary, submit;
and the status of schools for curators and coordinators."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from bot import notices, survey_views
from bot.conversation.actions import MenuCb, RemindCb, SurveyCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import Turn
from bot.services import analytics, reminders, surveys
from bot.services.access import Action, can
from bot.services.errors import AccessDenied, DomainError
from bot.services.survey_engine import AnswerError, SurveyEngine
from bot.services.surveys import OnScreen
from handlers.shared import tell_reminded
from storage.models import Participant, Role
from storage.types import utcnow

# Buttons under survey questions: the busiest updates of the bot (a press per answer of
# every respondent while a window is open). The dispatcher tries these routes first: each
# route it passes over costs a check, and `SurveyCb` buttons match nothing else.
answering = Routes("survey-answering")
# /surveys, typed answers and the status views. Typed answers stay behind the commands of
# the features before these: «/menu» typed mid-survey is a command, not an answer.
routes = Routes("surveys")


class Surveying(StateGroup):
    answering = State()


# -- answering ------------------------------------------------------------------------------


@answering.press(SurveyCb, action={"ans", "tog", "done", "skip", "back", "keep"})
async def on_answer(turn: Turn, action: SurveyCb) -> None:
    """A button under the current question: the answer is committed, then the same message
    becomes the next question (or the summary), headed by what was saved."""
    t = turn.t
    try:
        done = await surveys.answer(
            turn.session,
            turn.participant,
            action.response,
            action.q,
            action.action,
            action.v,
            utcnow(),
        )
    except AnswerError as error:
        await turn.chat.toast(survey_views.answer_error(t, error), alert=True)
        return
    pressed = done.pressed
    if done.on_screen is None:  # a tick: it changes under the same question
        response = pressed.response
        question = survey_views.question_message(
            t,
            SurveyEngine(surveys.definition_of(pressed.survey)),
            response.id,
            pressed.question,
            pressed.answers,
            response.picked,
        )
        await turn.chat.replace_buttons(question.rows)
        return
    screen = await _show(turn, done.on_screen)
    if pressed.saved:
        heading = survey_views.saved(t, pressed.question, pressed.answers, pressed.dropped)
        screen = replace(screen, text=heading + "\n\n" + screen.text)
        await turn.chat.toast(t("survey-saved-toast"))
    await turn.show(replace(screen, replace=True))


@answering.press(SurveyCb, action="open")
async def open_survey(turn: Turn, action: SurveyCb) -> None:
    shown = await surveys.open_response(
        turn.session, turn.participant, action.survey, action.school or None, utcnow()
    )
    await turn.show(await _show(turn, shown))


@answering.press(SurveyCb, action="edit")
async def on_edit(turn: Turn, action: SurveyCb) -> None:
    shown = await surveys.edit(turn.session, turn.participant, action.response, action.q, utcnow())
    await turn.show(await _show(turn, shown))


@answering.press(SurveyCb, action="submit")
async def on_submit(turn: Turn, action: SurveyCb) -> None:
    shown = await surveys.hand_in(turn.session, turn.participant, action.response, utcnow())
    await turn.chat.replace_buttons(())
    await turn.say(turn.t("survey-thanks"))
    await turn.show(await _show(turn, shown))


@answering.press(SurveyCb, action="view")
async def view_closed(turn: Turn, action: SurveyCb) -> None:
    """A closed round's answers from /surveys, to read: no edit buttons."""
    shown = await surveys.read_closed(turn.session, turn.participant, action.response)
    await turn.show(survey_views.on_screen(turn.t, shown))


async def _show(turn: Turn, shown: OnScreen) -> Screen:
    """The screen of where the respondent is, with the conversation following it."""
    await _follow(turn, shown.response.id if shown.step is not None else None)
    return survey_views.on_screen(turn.t, shown)


async def _follow(turn: Turn, response_id: int | None) -> None:
    """Typed answers (numbers, texts) reach `on_typed` through the conversation state,
    which names the response whose question is on screen. Written only when that changes."""
    state = turn.state
    if response_id is None:
        if turn.state_name == Surveying.answering:
            await state.clear()
        return
    if turn.state_name != Surveying.answering:
        await state.set_state(Surveying.answering)
    if (await state.get_data()).get("response") != response_id:
        await state.set_data({"response": response_id})


# -- my surveys -----------------------------------------------------------------------------


@routes.command("surveys")
async def surveys_command(turn: Turn) -> None:
    await turn.state.clear()
    await list_mine(turn)


@routes.press(MenuCb, item="surveys")
async def surveys_button(turn: Turn, action: MenuCb) -> None:
    await list_mine(turn)


async def list_mine(turn: Turn) -> None:
    if not turn.participant.is_registered:
        await turn.say(turn.t("menu-not-registered"))
        return
    found = await surveys.my_surveys(turn.session, turn.participant, utcnow())
    await turn.show(survey_views.mine_screen(turn.t, found, turn.settings.zone))


# -- status for curators and coordinators ---------------------------------------------------


@routes.press(MenuCb, item="surveys-status")
async def status_menu(turn: Turn, action: MenuCb) -> None:
    t = turn.t
    if not _may_watch(turn.participant):
        raise AccessDenied()
    open_now = await surveys.open_surveys(turn.session, utcnow())
    if not open_now:
        await turn.say(t("surveys-none-open"))
        return
    rows: list[list[Press]] = [
        [(surveys.definition_of(s).title.get(t.locale), SurveyCb(action="status", survey=s.id))]
        for s in open_now
    ]
    rows.append([menu_button(t)])
    await turn.say(t("surveys-status-choose"), *rows)


def _may_watch(participant: Participant) -> bool:
    return participant.role == Role.CURATOR or can(
        participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id
    )


@routes.press(SurveyCb, action="status")
async def status(turn: Turn, action: SurveyCb) -> None:
    """«Ход опросов»: the analysis's own counts (`analytics.survey_progress`), so the two
    views never disagree; schools nobody can answer for are named apart."""
    t, participant = turn.t, turn.participant
    if not _may_watch(participant):
        raise AccessDenied()
    progress = await analytics.survey_progress(turn.session, participant, action.survey)
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
        rows.append([(t("button-survey-remind"), SurveyCb(action="remind", survey=action.survey))])
    rows.append([menu_button(t)])
    await turn.say("\n".join(lines), *rows)


@routes.press(RemindCb, kind="survey")
@routes.press(SurveyCb, action="remind")
async def remind_now(turn: Turn, action: SurveyCb | RemindCb) -> None:
    """«Напомнить неответившим», and its confirmation after a recent reminder."""
    participant, session = turn.participant, turn.session
    if not can(participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id):
        raise AccessDenied()
    survey_id = action.survey if isinstance(action, SurveyCb) else action.id
    scope = None if can(participant, Action.CHOOSE_MUNICIPALITY) else participant.municipality_id

    async def deliver(number: int) -> int:
        return await notices.send_survey_nudges(
            session, turn.translator, survey_id, f"now:{number}", turn.settings.zone, participant
        )

    now = utcnow()
    reminded = await reminders.send(
        session,
        participant,
        f"survey:{survey_id}",
        scope,
        now,
        deliver,
        confirmed=action.number if isinstance(action, RemindCb) else None,
    )
    own = replace(turn, t=turn.translator.for_locale(participant.locale))
    await tell_reminded(own, reminded, "survey", survey_id, now)


# -- typed answers ----------------------------------------------------------------------------


@routes.text(state=Surveying.answering)
async def on_typed(turn: Turn) -> None:
    """A typed answer (number, text) to the question on screen: committed, then the next
    step as a new message, headed by what was saved."""
    t = turn.t
    data = await turn.state.get_data()
    try:
        typed = await surveys.answer_typed(
            turn.session, turn.participant, int(data["response"]), turn.text, utcnow()
        )
    except AnswerError as error:
        await turn.say(survey_views.answer_error(t, error))
        return
    except DomainError:  # no longer theirs, or closed: what they type next is not an answer
        await turn.state.clear()
        raise
    shown = typed.on_screen
    screen = await _show(turn, shown)
    heading = survey_views.saved(t, typed.question, shown.answers, typed.dropped)
    await turn.show(replace(screen, text=heading + "\n\n" + screen.text))


@routes.message(state=Surveying.answering)
async def not_text(turn: Turn) -> None:
    await turn.say(turn.t("survey-error-use-buttons"))
