"""Announcements: compose, choose the audience, preview, send with progress, cancel;
«Ознакомлен»; history, who has not acknowledged, reminders, Excel."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.conversation.actions import AckCb, BroadcastCb, MenuCb, MunicipalityCb, PickCb, RemindCb
from bot.conversation.screens import Press, screen_of
from bot.i18n import Localizer, Translator
from bot.keyboards import inline, menu_button, municipalities_keyboard
from bot.services import broadcasts, directory, events, reminders, surveys
from bot.services.access import Action, can
from bot.services.audience import Audience
from bot.services.dates import parse_moment
from bot.services.delivery import Payload
from bot.services.errors import AccessDenied, DomainError
from bot.services.numbers import whole_number
from bot.settings import Settings
from bot.telegram.chat import send_screen
from bot.telegram.routing import Pressed
from bot.views import format_when, shorten
from handlers.shared import answer_reminded, drop_keyboard, message_of
from storage.models import Broadcast, BroadcastStatus, OutboxStatus, Participant, Role
from storage.types import utcnow

ROLE_CHOICES = (Role.DIRECTOR, Role.CURATOR, Role.MUNICIPAL_COORDINATOR)


class Compose(StatesGroup):
    content = State()
    audience = State()
    schools = State()
    acknowledge = State()
    when = State()
    confirm = State()


def _render(
    translator: Translator, *, reminder: bool = False
) -> Callable[[Broadcast, Participant], Payload]:
    """Each recipient's copy: the author's text, the button in the recipient's language."""

    def render(broadcast: Broadcast, person: Participant) -> Payload:
        t = translator.for_locale(person.locale)
        return notices.announcement(t, broadcast, reminder=reminder)

    return render


# -- composing ------------------------------------------------------------------------------


async def start(
    callback: CallbackQuery, state: FSMContext, participant: Participant, t: Localizer
) -> None:
    if not broadcasts.may_broadcast(participant):
        raise AccessDenied()
    await state.clear()
    await state.set_state(Compose.content)
    await message_of(callback).answer(t("broadcast-ask-content"))


async def content(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    kind, file_id = None, None
    if message.document is not None:
        kind, file_id = "document", message.document.file_id
    elif message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    text = message.html_text if (message.text or message.caption) else ""
    if not text.strip() or len(text) > broadcasts.MAX_TEXT:
        await message.answer(t("error-broadcast-bad-text"))
        return
    await state.update_data(text=text, kind=kind, file_id=file_id, audience={})
    await state.set_state(Compose.audience)
    await _ask_audience(message, session, participant, t)


async def _ask_audience(
    message: Message, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    rows: list[list[Press]] = [[(t("audience-all"), PickCb(field="aud", value="all"))]]
    rows += [
        [(t(f"audience-{role.value}"), PickCb(field="aud", value=role.value))]
        for role in ROLE_CHOICES
    ]
    if can(participant, Action.CHOOSE_MUNICIPALITY):
        rows.append([(t("audience-municipality"), PickCb(field="aud", value="municipality"))])
    rows.append([(t("audience-programme"), PickCb(field="aud", value="programme"))])
    rows.append([(t("audience-schools"), PickCb(field="aud", value="schools"))])
    rows.append([(t("audience-declined"), PickCb(field="aud", value="declined"))])
    rows.append([(t("audience-unsubmitted"), PickCb(field="aud", value="unsubmitted"))])
    await message.answer(t("broadcast-ask-audience"), reply_markup=inline(*rows))


async def audience_choice(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    value = callback_data.value
    message = message_of(callback)
    if value == "all" or value in {role.value for role in ROLE_CHOICES}:
        roles = [] if value == "all" else [value]
        await _audience_chosen(
            message, state, session, participant, t, Audience(roles=tuple(Role(r) for r in roles))
        )
    elif value == "municipality":
        if not can(participant, Action.CHOOSE_MUNICIPALITY):
            raise AccessDenied()
        await message.answer(
            t("choose-municipality"),
            reply_markup=municipalities_keyboard(
                await directory.municipalities(session), "broadcast"
            ),
        )
    elif value == "programme":
        programmes = await directory.programmes(session)
        await message.answer(
            t("broadcast-choose-programme"),
            reply_markup=inline(
                *[[(name, PickCb(field="prog", value=str(i)))] for i, name in enumerate(programmes)]
            ),
        )
    elif value == "unsubmitted":
        choices = [
            [
                (
                    surveys.definition_of(s).title.get(t.locale),
                    PickCb(field="survey", value=str(s.id)),
                )
            ]
            for s in await surveys.open_surveys(session, utcnow())
        ]
        await message.answer(t("broadcast-choose-survey"), reply_markup=inline(*choices))
    elif value == "schools":
        await state.set_state(Compose.schools)
        await message.answer(t("broadcast-ask-schools"))
    elif value == "declined":
        now = utcnow()
        recent = await events.upcoming(session, now - timedelta(days=30), now + timedelta(days=30))
        await message.answer(
            t("broadcast-choose-event"),
            reply_markup=inline(
                *[
                    [
                        (
                            f"{e.starts_at.astimezone(settings.zone):%d.%m} {shorten(e.title, 50)}",
                            PickCb(field="declined", value=str(e.id)),
                        )
                    ]
                    for e in recent
                ]
            ),
        )
    else:
        raise AccessDenied()


async def municipality_choice(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    municipality = await directory.municipality(session, callback_data.id)
    await _audience_chosen(
        message_of(callback),
        state,
        session,
        participant,
        t,
        Audience(municipality_ids=(municipality.id,)),
    )


async def programme_choice(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    programmes = await directory.programmes(session)
    index = whole_number(callback_data.value)
    if index is None or index >= len(programmes):
        raise AccessDenied()
    chosen = programmes[index]
    await _audience_chosen(
        message_of(callback), state, session, participant, t, Audience(programmes=(chosen,))
    )


CODES_SHOWN = 10
CODE_LENGTH = 32  # School.code


def _shown_codes(codes: list[str]) -> str:
    """Typed codes echoed back, a few and each no longer than a code: a Fluent placeable
    takes 1,000 characters at most, and a message 4,096."""
    shown = [code if len(code) <= CODE_LENGTH else code[:CODE_LENGTH] + "…" for code in codes]
    return ", ".join(shown[:CODES_SHOWN] + (["…"] if len(shown) > CODES_SHOWN else []))


async def schools_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    codes = [code for code in re.split(r"[\s,;]+", message.text or "") if code][:200]
    schools, missing = await directory.schools_by_codes(session, codes)
    if missing or not schools:
        await message.answer(t("broadcast-unknown-schools", codes=escape(_shown_codes(missing))))
        return
    await _audience_chosen(
        message, state, session, participant, t, Audience(school_ids=tuple(s.id for s in schools))
    )


async def survey_choice(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    survey_id = whole_number(callback_data.value)
    if survey_id is None:
        raise AccessDenied()
    survey = await surveys.get(session, survey_id)
    await _audience_chosen(
        message_of(callback),
        state,
        session,
        participant,
        t,
        Audience(unsubmitted_survey_id=survey.id),
    )


async def declined_choice(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    event_id = whole_number(callback_data.value)
    if event_id is None:
        raise AccessDenied()
    event = await events.event(session, event_id)
    await _audience_chosen(
        message_of(callback), state, session, participant, t, Audience(declined_event_id=event.id)
    )


async def _audience_chosen(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
    audience: Audience,
) -> None:
    count = await broadcasts.audience_size(session, participant, audience)
    await state.update_data(audience=audience.as_json())
    await state.set_state(Compose.acknowledge)
    await message.answer(
        t("broadcast-audience-size", count=count) + "\n" + t("broadcast-ask-acknowledge"),
        reply_markup=inline(
            [
                (t("button-yes"), PickCb(field="ack", value="1")),
                (t("button-no"), PickCb(field="ack", value="0")),
            ]
        ),
    )


async def acknowledge_choice(
    callback: CallbackQuery, callback_data: PickCb, state: FSMContext, t: Localizer
) -> None:
    await state.update_data(acknowledge=callback_data.value == "1")
    await state.set_state(Compose.when)
    await message_of(callback).answer(
        t("broadcast-ask-when"),
        reply_markup=inline([(t("button-send-now"), PickCb(field="when", value="now"))]),
    )


async def when_now(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    await state.update_data(send_at=utcnow().isoformat())
    await _preview(message_of(callback), state, session, participant, settings, bot, t)


async def when_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    try:
        send_at = parse_moment(message.text or "", settings.zone)
    except DomainError:
        await message.answer(t("broadcast-ask-when"))
        return
    if send_at <= utcnow():
        await message.answer(t("error-event-in-past"))
        return
    await state.update_data(send_at=send_at.isoformat())
    await _preview(message, state, session, participant, settings, bot, t)


async def _preview(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    data = await state.get_data()
    draft = _draft(data)
    await state.set_state(Compose.confirm)
    await message.answer(t("broadcast-preview"))
    await send_screen(bot, message.chat.id, screen_of(notices.announcement(t, draft)))
    count = await broadcasts.audience_size(
        session, participant, Audience.from_json(data["audience"])
    )
    when = format_when(datetime.fromisoformat(data["send_at"]), settings.zone, t.locale)
    await message.answer(
        t("broadcast-confirm", count=count, when=when),
        reply_markup=inline(
            [(t("button-broadcast-send"), PickCb(field="send", value="yes"))],
            [(t("button-cancel"), PickCb(field="send", value="no"))],
        ),
    )


def _draft(data: dict[str, object]) -> Broadcast:
    return Broadcast(
        id=broadcasts.PREVIEW_ID,
        text=str(data["text"]),
        attachment_kind=data.get("kind"),
        attachment_file_id=data.get("file_id"),
        acknowledge=bool(data.get("acknowledge")),
    )


async def confirm(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    settings: Settings,
    t: Localizer,
) -> None:
    data = await state.get_data()
    await state.clear()
    await drop_keyboard(callback)
    if callback_data.value != "yes":
        await message_of(callback).answer(t("broadcast-discarded"))
        return
    broadcast = await broadcasts.create(
        session,
        participant,
        text=str(data["text"]),
        audience=Audience.from_json(data["audience"]),
        send_at=datetime.fromisoformat(data["send_at"]),
        render=_render(translator),
        attachment_kind=data.get("kind"),
        attachment_file_id=data.get("file_id"),
        acknowledge=bool(data.get("acknowledge")),
    )
    progress = await broadcasts.progress(session, broadcast)
    sent = await message_of(callback).answer(
        notices.progress_text(t, progress, cancelled=False),
        reply_markup=inline(
            [(t("button-broadcast-cancel"), BroadcastCb(action="cancel", id=broadcast.id))]
        ),
    )
    await broadcasts.remember_progress_message(session, broadcast, sent.chat.id, sent.message_id)


# -- recipients -----------------------------------------------------------------------------


async def acknowledge(
    callback: CallbackQuery,
    callback_data: AckCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await broadcasts.acknowledge(session, participant, callback_data.broadcast, utcnow())
    callback_answer.text = t("broadcast-acknowledged")
    with suppress(TelegramBadRequest):  # pressed twice: the button already says so
        await message_of(callback).edit_reply_markup(
            reply_markup=inline(
                [(f"✅ {t('button-acknowledged')}", AckCb(broadcast=callback_data.broadcast))]
            )
        )


# -- history and reports --------------------------------------------------------------------


async def history(
    callback: CallbackQuery,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    past = await broadcasts.history(session, participant)
    rows: list[list[Press]] = [
        [
            (
                f"{b.created_at.astimezone(settings.zone):%d.%m %H:%M} · {_headline(b)}",
                BroadcastCb(action="card", id=b.id),
            )
        ]
        for b in past
    ]
    rows.append([(t("button-new-broadcast"), MenuCb(item="broadcast-new"))])
    rows.append([menu_button(t)])
    await message_of(callback).answer(
        t("broadcast-history") if past else t("broadcast-history-empty"), reply_markup=inline(*rows)
    )


def _headline(broadcast: Broadcast) -> str:
    plain = re.sub(r"<[^>]+>", "", broadcast.text)
    return shorten(plain, 40)


async def card(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    broadcast = await broadcasts.get(session, participant, callback_data.id)
    progress = await broadcasts.progress(session, broadcast)
    text = f"<b>{escape(_headline(broadcast))}</b>\n" + notices.progress_text(
        t, progress, cancelled=broadcast.status == BroadcastStatus.CANCELLED
    )
    rows: list[list[Press]] = [
        [(t("button-broadcast-who"), BroadcastCb(action="who", id=broadcast.id))],
        [(t("button-broadcast-xlsx"), BroadcastCb(action="xlsx", id=broadcast.id))],
    ]
    if broadcast.acknowledge:
        rows.append([(t("button-broadcast-remind"), BroadcastCb(action="remind", id=broadcast.id))])
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        rows.append([(t("button-broadcast-cancel"), BroadcastCb(action="cancel", id=broadcast.id))])
    elif broadcast.status == BroadcastStatus.DONE and progress.resendable:
        resend = BroadcastCb(action="resend", id=broadcast.id)
        rows.append([(t("button-broadcast-resend", count=progress.resendable), resend)])
    rows.append([menu_button(t)])
    await message_of(callback).answer(text, reply_markup=inline(*rows))


async def who(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    broadcast = await broadcasts.get(session, participant, callback_data.id)
    lines = await broadcasts.recipients(session, participant, broadcast.id)
    waiting = [
        line
        for line in lines
        if line.delivery != OutboxStatus.SENT
        or (broadcast.acknowledge and line.acknowledged_at is None)
    ]
    if not waiting:
        await message_of(callback).answer(t("broadcast-everyone-done"))
        return
    text = [t("broadcast-waiting-title", count=len(waiting))]
    for line in waiting[:60]:
        if line.delivery == OutboxStatus.SENT:
            state = t("broadcast-not-acknowledged")
        else:
            state = t(f"delivery-{line.delivery}")
        text.append(
            f"• {escape(line.municipality)} · {escape(line.schools or '—')} · "
            f"{escape(line.participant.full_name or '—')}: {state}"
        )
    if len(waiting) > 60:
        text.append(t("broadcast-more", count=len(waiting) - 60))
    await message_of(callback).answer("\n".join(text))


async def remind(
    callback: CallbackQuery,
    callback_data: BroadcastCb | RemindCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    settings: Settings,
    t: Localizer,
) -> None:
    """«Напомнить не ознакомившимся», and its confirmation after a recent reminder."""
    broadcast_id = callback_data.id

    async def deliver(number: int) -> int:
        return await broadcasts.remind_unacknowledged(
            session, participant, broadcast_id, _render(translator, reminder=True), number
        )

    found = await broadcasts.get(session, participant, broadcast_id)  # checks the right
    now = utcnow()
    reminded = await reminders.send(
        session,
        participant,
        broadcasts.reference(found),
        None,
        now,
        deliver,
        confirmed=callback_data.number if isinstance(callback_data, RemindCb) else None,
    )
    await answer_reminded(
        callback, callback_answer, t, reminded, "broadcast", broadcast_id, now, settings.zone
    )


async def resend(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    queued = await broadcasts.resend(session, participant, callback_data.id, utcnow())
    callback_answer.text = (
        t("broadcast-resent", count=queued) if queued else t("broadcast-nothing-to-resend")
    )
    # A second press finds nothing failed: pressing twice sends nothing twice.
    callback_answer.show_alert = True


async def workbook(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    lines = await broadcasts.recipients(session, participant, callback_data.id)
    content = broadcasts.recipients_workbook(lines, settings.zone, t)
    await bot.send_document(
        participant.telegram_id,
        BufferedInputFile(content, filename=f"announcement-{callback_data.id}.xlsx"),
    )


async def cancel(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    broadcast = await broadcasts.cancel(session, participant, callback_data.id)
    progress = await broadcasts.progress(session, broadcast)
    with suppress(TelegramBadRequest):
        await message_of(callback).edit_text(
            notices.progress_text(t, progress, cancelled=True), reply_markup=None
        )


def build_router() -> Router:
    router = Router(name="broadcasts")
    callbacks = router.callback_query
    callbacks.register(history, Pressed(MenuCb, item="broadcasts"))
    callbacks.register(start, Pressed(MenuCb, item="broadcast-new"))
    router.message.register(content, Compose.content)
    callbacks.register(audience_choice, Compose.audience, Pressed(PickCb, field="aud"))
    callbacks.register(
        municipality_choice, Compose.audience, Pressed(MunicipalityCb, purpose="broadcast")
    )
    callbacks.register(programme_choice, Compose.audience, Pressed(PickCb, field="prog"))
    callbacks.register(declined_choice, Compose.audience, Pressed(PickCb, field="declined"))
    callbacks.register(survey_choice, Compose.audience, Pressed(PickCb, field="survey"))
    router.message.register(schools_typed, Compose.schools, F.text)
    callbacks.register(acknowledge_choice, Compose.acknowledge, Pressed(PickCb, field="ack"))
    callbacks.register(when_now, Compose.when, Pressed(PickCb, field="when"))
    router.message.register(when_typed, Compose.when, F.text)
    callbacks.register(confirm, Compose.confirm, Pressed(PickCb, field="send"))
    callbacks.register(acknowledge, Pressed(AckCb))
    callbacks.register(card, Pressed(BroadcastCb, action="card"))
    callbacks.register(who, Pressed(BroadcastCb, action="who"))
    callbacks.register(remind, Pressed(BroadcastCb, action="remind"))
    callbacks.register(remind, Pressed(RemindCb, kind="broadcast"))
    callbacks.register(workbook, Pressed(BroadcastCb, action="xlsx"))
    callbacks.register(resend, Pressed(BroadcastCb, action="resend"))
    callbacks.register(cancel, Pressed(BroadcastCb, action="cancel"))
    return router
