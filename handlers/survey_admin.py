"""The regional team's survey management: load a YAML file, open and close windows."""

from __future__ import annotations

import asyncio
from html import escape
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import MenuCb, SurveyCb
from bot.conversation.screens import Press
from bot.i18n import Localizer
from bot.keyboards import inline, menu_button
from bot.services import surveys
from bot.services.access import Action, can
from bot.services.dates import parse_moment
from bot.services.errors import AccessDenied, DomainError
from bot.services.survey_definitions import MAX_FILE_BYTES, SurveyFileError, parse_definition
from bot.settings import Settings
from bot.telegram.routing import Pressed
from bot.views import format_when, shorten, survey_problem
from handlers.shared import message_of
from storage.models import Participant, SurveyStatus
from storage.types import utcnow


class SurveyAdmin(StatesGroup):
    file = State()
    closes = State()


def _check(participant: Participant) -> None:
    if not can(participant, Action.MANAGE_SURVEYS):
        raise AccessDenied()


async def overview(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    _check(participant)
    await state.clear()
    lines = [t("survey-admin-title")]
    rows: list[list[Press]] = []
    for survey, in_progress, submitted in await surveys.overview(session):
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
    await message_of(callback).answer("\n".join(lines), reply_markup=inline(*rows))


async def ask_file(
    callback: CallbackQuery, state: FSMContext, participant: Participant, t: Localizer
) -> None:
    _check(participant)
    await state.set_state(SurveyAdmin.file)
    await message_of(callback).answer(t("survey-admin-send-file"))


async def file_received(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    bot: Bot,
    t: Localizer,
) -> None:
    _check(participant)
    document = message.document
    assert document is not None
    back = inline([menu_button(t)])
    # Refused before downloading; the state stays, so the corrected file can follow.
    if (document.file_size or 0) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1024
        await message.answer(t("survey-admin-refused-too-large", limit=limit), reply_markup=back)
        return
    content = await bot.download(document.file_id)
    assert content is not None
    name = document.file_name or "survey.yaml"
    try:
        text = content.read().decode("utf-8")
        # A worker thread: parsing half a megabyte of YAML takes a while in pure Python.
        definition = await asyncio.to_thread(parse_definition, text, Path(name))
    except UnicodeDecodeError:
        await message.answer(t("survey-admin-problems", problems="UTF-8"), reply_markup=back)
        return
    except SurveyFileError as error:
        await message.answer(_refusal(t, error), reply_markup=back)
        return
    loaded = await surveys.load(session, participant, definition)
    await state.clear()
    await message.answer(
        t(
            f"survey-admin-loaded-{loaded.outcome}",
            code=loaded.survey.code,
            version=loaded.survey.version,
        ),
        reply_markup=inline([menu_button(t)]),
    )


def _refusal(t: Localizer, error: SurveyFileError) -> str:
    if error.reason is not None:  # the whole file, before its contents: in the locale
        details = {key: str(value) for key, value in error.details.items()}
        return t(f"survey-admin-refused-{error.reason}", **details)
    problems = "\n".join(f"• {escape(survey_problem(t, p))}" for p in error.problems[:20])
    return t("survey-admin-problems", problems=problems)


async def ask_closes(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    _check(participant)
    survey = await surveys.get(session, callback_data.survey)
    await state.set_state(SurveyAdmin.closes)
    new_round = callback_data.action == "admin-round"
    await state.update_data(code=survey.code, new_round=new_round)
    await message_of(callback).answer(
        t("survey-admin-ask-closes-round", round=survey.round + 1)
        if new_round
        else t("survey-admin-ask-closes")
    )


async def closes_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    _check(participant)
    try:
        closes = parse_moment(message.text or "", settings.zone)
    except DomainError:
        await message.answer(t("survey-admin-ask-closes"))
        return
    data = await state.get_data()
    survey = await surveys.open_window(
        session,
        participant,
        str(data["code"]),
        closes,
        utcnow(),
        new_round=bool(data.get("new_round")),
    )
    await state.clear()
    assert survey.closes_at is not None
    when = format_when(survey.closes_at, settings.zone, t.locale)
    await message.answer(t("survey-admin-opened", when=when), reply_markup=inline([menu_button(t)]))


async def close(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    _check(participant)
    survey = await surveys.get(session, callback_data.survey)
    await surveys.close(session, participant, survey.code, utcnow())
    await message_of(callback).answer(t("survey-admin-closed"))


def build_router() -> Router:
    router = Router(name="survey_admin")
    callbacks = router.callback_query
    callbacks.register(overview, Pressed(MenuCb, item="surveys-admin"))
    callbacks.register(ask_file, Pressed(MenuCb, item="survey-upload"))
    router.message.register(file_received, SurveyAdmin.file, F.document)
    callbacks.register(ask_closes, Pressed(SurveyCb, action={"admin-open", "admin-round"}))
    router.message.register(closes_typed, SurveyAdmin.closes, F.text)
    callbacks.register(close, Pressed(SurveyCb, action="admin-close"))
    return router
