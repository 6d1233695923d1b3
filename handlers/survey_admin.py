"""The regional team's survey management: load a YAML file, open and close windows."""

from __future__ import annotations

import asyncio
from html import escape
from pathlib import Path

from bot.conversation.actions import MenuCb, SurveyCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Press
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.services import surveys
from bot.services.access import Action, can
from bot.services.dates import parse_moment
from bot.services.errors import AccessDenied, DomainError
from bot.services.survey_definitions import MAX_FILE_BYTES, SurveyFileError, parse_definition
from bot.views import format_when, shorten, survey_problem
from handlers import fallback
from storage.models import Participant, SurveyStatus
from storage.types import utcnow

routes = Routes("survey_admin")


class SurveyAdmin(StateGroup):
    file = State()
    closes = State()


def _check(participant: Participant) -> None:
    if not can(participant, Action.MANAGE_SURVEYS):
        raise AccessDenied()


@routes.press(MenuCb, item="surveys-admin")
async def overview(turn: Turn, action: MenuCb) -> None:
    t, settings = turn.t, turn.settings
    _check(turn.participant)
    await turn.state.clear()
    lines = [t("survey-admin-title")]
    rows: list[list[Press]] = []
    for survey, in_progress, submitted in await surveys.overview(turn.session):
        title = surveys.definition_of(survey).title.get(t.locale)
        window = (
            t("survey-admin-until", when=format_when(survey.closes_at, settings.zone, t.locale))
            if survey.closes_at
            else ""
        )
        lines.append(
            t(
                "survey-admin-line",
                title=escape(title),
                version=survey.version,
                status=t(f"survey-admin-status-{survey.status}"),
                window=window,
                in_progress=in_progress,
                submitted=submitted,
            )
        )
        opening = SurveyCb(action="admin-open", survey=survey.id)
        closing = SurveyCb(action="admin-close", survey=survey.id)
        # The title's button has a row of its own, wide enough to tell titles that start
        # alike apart; the survey's other actions go on the row under it.
        rows.append([(t("button-survey-open", title=shorten(title, 45)), opening)])
        row: list[Press] = [(t("button-survey-close"), closing)]
        if survey.status == SurveyStatus.CLOSED:
            row.append(
                (t("button-survey-new-round"), SurveyCb(action="admin-round", survey=survey.id))
            )
        rows.append(row)
    rows.append([(t("button-survey-upload"), MenuCb(item="survey-upload"))])
    rows.append([menu_button(t)])
    await turn.say("\n".join(lines), *rows)


@routes.press(MenuCb, item="survey-upload")
async def ask_file(turn: Turn, action: MenuCb) -> None:
    _check(turn.participant)
    await turn.state.set_state(SurveyAdmin.file)
    await turn.say(turn.t("survey-admin-send-file"))


@routes.document(state=SurveyAdmin.file)
async def file_received(turn: Turn) -> None:
    t, participant, document = turn.t, turn.participant, turn.file
    if document is None or document.kind != "document":
        # Only a document is a survey file; a photo is answered as the catch-all answers
        # anything no step understands.
        await fallback.unknown_message(turn)
        return
    _check(participant)
    back = [menu_button(t)]
    # Refused before downloading; the state stays, so the corrected file can follow.
    if (document.size or 0) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1024
        await turn.say(t("survey-admin-refused-too-large", limit=limit), back)
        return
    content = await turn.chat.download(document)
    name = document.name or "survey.yaml"
    try:
        text = content.decode("utf-8")
        # A worker thread: parsing half a megabyte of YAML takes a while in pure Python.
        definition = await asyncio.to_thread(parse_definition, text, Path(name))
    except UnicodeDecodeError:
        await turn.say(t("survey-admin-problems", problems="UTF-8"), back)
        return
    except SurveyFileError as error:
        await turn.say(_refusal(t, error), back)
        return
    loaded = await surveys.load(turn.session, participant, definition)
    await turn.state.clear()
    await turn.say(
        t(
            f"survey-admin-loaded-{loaded.outcome}",
            code=loaded.survey.code,
            version=loaded.survey.version,
        ),
        [menu_button(t)],
    )


def _refusal(t: Localizer, error: SurveyFileError) -> str:
    if error.reason is not None:  # the whole file, before its contents: in the locale
        details = {key: str(value) for key, value in error.details.items()}
        return t(f"survey-admin-refused-{error.reason}", **details)
    problems = "\n".join(f"• {escape(survey_problem(t, p))}" for p in error.problems[:20])
    return t("survey-admin-problems", problems=problems)


@routes.press(SurveyCb, action={"admin-open", "admin-round"})
async def ask_closes(turn: Turn, action: SurveyCb) -> None:
    t = turn.t
    _check(turn.participant)
    survey = await surveys.get(turn.session, action.survey)
    await turn.state.set_state(SurveyAdmin.closes)
    new_round = action.action == "admin-round"
    await turn.state.update_data(code=survey.code, new_round=new_round)
    await turn.say(
        t("survey-admin-ask-closes-round", round=survey.round + 1)
        if new_round
        else t("survey-admin-ask-closes")
    )


@routes.text(state=SurveyAdmin.closes)
async def closes_typed(turn: Turn) -> None:
    t, settings = turn.t, turn.settings
    _check(turn.participant)
    try:
        closes = parse_moment(turn.text, settings.zone)
    except DomainError:
        await turn.say(t("survey-admin-ask-closes"))
        return
    data = await turn.state.get_data()
    survey = await surveys.open_window(
        turn.session,
        turn.participant,
        str(data["code"]),
        closes,
        utcnow(),
        new_round=bool(data.get("new_round")),
    )
    await turn.state.clear()
    assert survey.closes_at is not None
    when = format_when(survey.closes_at, settings.zone, t.locale)
    await turn.say(t("survey-admin-opened", when=when), [menu_button(t)])


@routes.press(SurveyCb, action="admin-close")
async def close(turn: Turn, action: SurveyCb) -> None:
    _check(turn.participant)
    survey = await surveys.get(turn.session, action.survey)
    await surveys.close(turn.session, turn.participant, survey.code, utcnow())
    await turn.say(turn.t("survey-admin-closed"))
