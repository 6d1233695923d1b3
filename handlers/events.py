"""Meetings and webinars: answering reminders, /schedule with calendar files, and the
coordinators' event list, attendance, moves, cancellations and the webinar wizard."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.calendar_feed import calendar_feed_url
from bot.conversation.actions import EventCb, HolidayCb, MenuCb, PickCb, RsvpCb
from bot.conversation.screens import Press
from bot.i18n import Localizer, Translator
from bot.keyboards import buttons_markup, inline, menu_button
from bot.services import events
from bot.services.access import Action, can
from bot.services.audience import Audience
from bot.services.dates import parse_day, parse_moment
from bot.services.errors import AccessDenied, DomainError
from bot.services.numbers import whole_number
from bot.settings import Settings
from bot.telegram.routing import Pressed
from bot.views import error_text, format_when, shorten, zone_label
from handlers.shared import drop_keyboard, message_of
from storage.models import Event, EventStatus, Participant, Role
from storage.types import utcnow

SCHEDULE_DAYS = 30
WIZARD_TIMES = ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00")
WIZARD_DURATIONS = (60, 90, 120)
WIZARD_AUDIENCES = ("all", Role.DIRECTOR.value, Role.CURATOR.value)
DATES_PAGE = 14  # days on one page of the date picker
DATES_ROW = 4
DATES_PAGES = 13  # half a year ahead by buttons; a later day can be typed


class Webinar(StatesGroup):
    title = State()
    date = State()
    time = State()
    duration = State()
    link = State()
    materials = State()
    audience = State()
    confirm = State()


class EventMove(StatesGroup):
    when = State()


# -- participants ---------------------------------------------------------------------------


async def rsvp(
    callback: CallbackQuery,
    callback_data: RsvpCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    event = await events.answer(
        session, participant, callback_data.event, callback_data.answer, utcnow()
    )
    callback_answer.text = t("rsvp-saved", answer=t(f"rsvp-{callback_data.answer.value}"))
    # Pressing the same answer again leaves the keyboard as it is: Telegram says so (400).
    with suppress(TelegramBadRequest):
        await message_of(callback).edit_reply_markup(
            reply_markup=buttons_markup(notices.rsvp_buttons(t, event, callback_data.answer))
        )


async def schedule(
    message: Message,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    await send_schedule(message, session, participant, settings, t)


async def schedule_button(
    callback: CallbackQuery,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    await send_schedule(message_of(callback), session, participant, settings, t)


async def send_schedule(
    message: Message,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    if not participant.is_registered:
        await message.answer(t("menu-not-registered"))
        return
    mine = await events.my_events(session, participant, utcnow(), SCHEDULE_DAYS)
    # The subscription button when something serves the feed; else a line that says so.
    feed_row: list[Press] = []
    feed_off: list[str] = []
    if settings.calendar_feed_base is not None:
        feed_row = [(t("button-calendar-subscribe"), EventCb(action="feed"))]
    else:
        feed_off = [t("calendar-feed-off")]
    if not mine:
        text = "\n".join([t("schedule-empty", days=SCHEDULE_DAYS), *feed_off])
        await message.answer(text, reply_markup=inline(feed_row) if feed_row else None)
        return
    lines = [t("schedule-title", days=SCHEDULE_DAYS)]
    rows: list[list[Press]] = []
    for event, answer in mine:
        mark = t(f"schedule-answer-{answer.value if answer else 'none'}")
        when = format_when(event.starts_at, settings.zone, t.locale)
        lines.append(f"• {when} — {escape(event.title)} ({mark})")
        day = event.starts_at.astimezone(settings.zone).strftime("%d.%m")
        rows.append([(f"📎 {day} {shorten(event.title, 40)}", EventCb(action="ics", id=event.id))])
    rows.append([(t("button-ics-all"), EventCb(action="ics-all"))])
    if feed_row:
        rows.append(feed_row)
    await message.answer("\n".join([*lines, *feed_off]), reply_markup=inline(*rows))


async def calendar_feed(
    callback: CallbackQuery,
    callback_data: EventCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    """«Подписаться в календаре» shows the person's feed address; «Отозвать ссылку» ends it."""
    base = settings.calendar_feed_base
    if callback_data.action == "feed-revoke":
        await events.revoke_feed(session, participant)
        await drop_keyboard(callback)
        await message_of(callback).answer(t("calendar-feed-revoked"))
        return
    if base is None:  # a button from before the setting was removed
        await message_of(callback).answer(
            t("calendar-feed-off"), reply_markup=inline([menu_button(t)])
        )
        return
    token = await events.feed_token(session, participant)
    await message_of(callback).answer(
        t("calendar-feed", url=escape(calendar_feed_url(base, token))),
        reply_markup=inline([(t("button-calendar-revoke"), EventCb(action="feed-revoke"))]),
    )


async def calendar_file(
    callback: CallbackQuery,
    callback_data: EventCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
) -> None:
    mine = await events.my_events(session, participant, utcnow(), SCHEDULE_DAYS)
    chosen = [
        event
        for event, _ in mine
        if callback_data.action == "ics-all" or event.id == callback_data.id
    ]
    if not chosen:  # not one of the person's events: a forged or stale button
        raise AccessDenied()
    name = "schedule.ics" if callback_data.action == "ics-all" else f"event-{chosen[0].id}.ics"
    await bot.send_document(
        participant.telegram_id,
        BufferedInputFile(events.to_ics(chosen, settings.zone, utcnow()), filename=name),
    )


async def toggle_digest(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    if not participant.is_registered:
        raise AccessDenied()
    await events.set_digest(session, participant, not participant.digest_enabled)
    callback_answer.text = t("digest-on" if participant.digest_enabled else "digest-off")
    callback_answer.show_alert = True


# -- coordinators ---------------------------------------------------------------------------


def _may_manage_events(participant: Participant) -> bool:
    return can(participant, Action.MANAGE_EVENTS, municipality_id=participant.municipality_id)


async def events_menu(
    callback: CallbackQuery,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    if not _may_manage_events(participant):
        raise AccessDenied()
    now = utcnow()
    coming = await events.upcoming(session, now, now + timedelta(days=SCHEDULE_DAYS))
    rows: list[list[Press]] = [
        [(_list_label(e, settings), EventCb(action="card", id=e.id))] for e in coming[:20]
    ]
    rows.append([(t("button-new-webinar"), EventCb(action="new"))])
    rows.append([menu_button(t)])
    text = t("events-title", days=SCHEDULE_DAYS) if coming else t("events-none")
    for event in coming[:20]:
        holiday = events.holiday_of(event, settings.zone, t.locale)
        if holiday is not None:
            day = format_when(event.starts_at, settings.zone, t.locale)
            text += f"\n{day} — {t('event-holiday', holiday=escape(holiday))}"
    await message_of(callback).answer(text, reply_markup=inline(*rows))


async def event_card(
    callback: CallbackQuery,
    callback_data: EventCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    report = await events.attendance(session, participant, callback_data.id)
    event = report.event
    holiday = events.holiday_of(event, settings.zone, t.locale)
    lines = [
        notices.event_text(t, event, settings.zone),
        *([t("event-holiday", holiday=escape(holiday))] if holiday else []),
        t(
            "attendance-summary",
            coming=len(report.coming),
            not_coming=len(report.not_coming),
            silent=len(report.silent),
        ),
    ]
    for name, (coming, not_coming, silent) in report.by_municipality.items():
        place = escape(name) if name is not None else t("attendance-no-municipality")
        lines.append(
            t(
                "attendance-line",
                municipality=place,
                coming=coming,
                not_coming=not_coming,
                silent=silent,
            )
        )
    if report.silent:
        names = ", ".join(escape(p.full_name or "—") for p in report.silent[:30])
        lines.append(t("attendance-silent", names=names))
    rows: list[list[Press]] = []
    if events.may_manage(participant, event) and event.status == EventStatus.SCHEDULED:
        rows.append(
            [
                (t("button-event-move"), EventCb(action="move", id=event.id)),
                (t("button-event-cancel"), EventCb(action="cancel", id=event.id)),
            ]
        )
    rows.append([menu_button(t)])
    await message_of(callback).answer("\n".join(lines), reply_markup=inline(*rows))


def _list_label(event: Event, settings: Settings) -> str:
    """«⚠ 04.01 10:00 title»: the sign marks a public holiday."""
    sign = "⚠ " if events.holiday_of(event, settings.zone) is not None else ""
    return (
        f"{sign}{event.starts_at.astimezone(settings.zone):%d.%m %H:%M} {shorten(event.title, 45)}"
    )


async def holiday_answer(
    callback: CallbackQuery,
    callback_data: HolidayCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    translator: Translator,
    t: Localizer,
) -> None:
    """The coordinator's tap on the holiday question; the services check role, scope and
    that the event is as it was asked about."""
    zone, now = settings.zone, utcnow()
    if callback_data.action == "move":
        changed = await events.move_off_holiday(
            session,
            participant,
            callback_data.event,
            callback_data.version,
            zone,
            now,
            reminder_offsets=settings.reminder_offsets,
        )
        reply = t("event-move-done", when=format_when(changed.starts_at, zone, t.locale))
    elif callback_data.action == "cancel":
        changed = await events.cancel(
            session, participant, callback_data.event, callback_data.version
        )
        reply = t("event-cancel-done")
    elif callback_data.action == "keep":
        kept = await events.keep_on_holiday(
            session, participant, callback_data.event, callback_data.version
        )
        await drop_keyboard(callback)
        when = format_when(kept.starts_at, zone, t.locale)
        await message_of(callback).answer(t("holiday-kept", when=when))
        return
    else:
        raise AccessDenied()
    await drop_keyboard(callback)
    await notices.tell_audience_of_change(session, translator, zone, changed)
    await message_of(callback).answer(reply, reply_markup=inline([menu_button(t)]))


async def move_ask(
    callback: CallbackQuery,
    callback_data: EventCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    if not events.may_manage(participant, await events.event(session, callback_data.id)):
        raise AccessDenied()
    await state.set_state(EventMove.when)
    await state.update_data(event_id=callback_data.id)
    await message_of(callback).answer(t("event-move-ask"), reply_markup=inline([menu_button(t)]))


async def move_to(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    translator: Translator,
    t: Localizer,
) -> None:
    try:
        when = parse_moment(message.text or "", settings.zone)
    except DomainError as error:
        await message.answer(error_text(t, error))
        return
    event_id = int((await state.get_data())["event_id"])
    now = utcnow()
    moved = await events.move(
        session, participant, event_id, when, now, reminder_offsets=settings.reminder_offsets
    )
    await state.clear()
    await notices.tell_audience_of_change(session, translator, settings.zone, moved)
    # The notice goes now; only the reminders still ahead of the new time follow it.
    ahead = events.reminder_plan(moved.starts_at, now, settings.reminder_offsets).ahead
    done = t("event-move-done", when=format_when(moved.starts_at, settings.zone, t.locale))
    if ahead:
        done += "\n" + notices.reminder_plan_text(t, events.ReminderPlan([], ahead))
    await message.answer(done, reply_markup=inline([menu_button(t)]))


async def cancel_ask(
    callback: CallbackQuery,
    callback_data: EventCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    event = await events.event(session, callback_data.id)
    if not events.may_manage(participant, event):
        raise AccessDenied()
    when = format_when(event.starts_at, settings.zone, t.locale)
    await message_of(callback).answer(
        t("event-cancel-sure", title=escape(event.title), when=when),
        reply_markup=inline(
            [(t("button-event-cancel-final"), EventCb(action="cancel-yes", id=callback_data.id))],
            [menu_button(t)],
        ),
    )


async def cancel_event(
    callback: CallbackQuery,
    callback_data: EventCb,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    translator: Translator,
    t: Localizer,
) -> None:
    cancelled = await events.cancel(session, participant, callback_data.id)
    await drop_keyboard(callback)
    await notices.tell_audience_of_change(session, translator, settings.zone, cancelled)
    await message_of(callback).answer(t("event-cancel-done"), reply_markup=inline([menu_button(t)]))


# -- the webinar wizard ---------------------------------------------------------------------


async def wizard_start(
    callback: CallbackQuery, state: FSMContext, participant: Participant, t: Localizer
) -> None:
    if not _may_manage_events(participant):
        raise AccessDenied()
    await state.clear()
    await state.set_state(Webinar.title)
    await message_of(callback).answer(t("webinar-ask-title"))


async def wizard_title(
    message: Message, state: FSMContext, settings: Settings, t: Localizer
) -> None:
    title = " ".join((message.text or "").split())
    if not 3 <= len(title) <= 300:
        await message.answer(t("error-event-bad-title"))
        return
    await state.update_data(title=title)
    await state.set_state(Webinar.date)
    await message.answer(t("webinar-ask-date"), reply_markup=dates_keyboard(t, settings, 0))


def dates_keyboard(t: Localizer, settings: Settings, page: int) -> InlineKeyboardMarkup:
    """A page of days from today, named as people read them («Сегодня», «пн 7 дек»),
    with «Ещё даты →» to the next page; any later day can be typed."""
    today = utcnow().astimezone(settings.zone).date()
    builder = InlineKeyboardBuilder()
    for offset in range(page * DATES_PAGE, (page + 1) * DATES_PAGE):
        day = today + timedelta(days=offset)
        label = t("button-today") if offset == 0 else day_label(day, t.locale)
        builder.button(text=label, callback_data=PickCb(field="date", value=day.isoformat()).pack())
    builder.adjust(DATES_ROW)
    navigation = []
    if page > 0:
        navigation.append(
            InlineKeyboardButton(
                text=t("button-dates-earlier"),
                callback_data=PickCb(field="dates", value=str(page - 1)).pack(),
            )
        )
    if page + 1 < DATES_PAGES:
        navigation.append(
            InlineKeyboardButton(
                text=t("button-dates-later"),
                callback_data=PickCb(field="dates", value=str(page + 1)).pack(),
            )
        )
    builder.row(*navigation)
    return builder.as_markup()


def day_label(day: date, locale: str) -> str:
    """«пн 7 дек», «Mon 7 Dec» (without the abbreviation's dot, to stay short)."""
    return str(format_date(day, "EEE d MMM", locale=locale)).replace(".", "")


async def wizard_dates_page(
    callback: CallbackQuery, callback_data: PickCb, settings: Settings, t: Localizer
) -> None:
    page = whole_number(callback_data.value)
    if page is None or not 0 <= page < DATES_PAGES:
        raise AccessDenied()
    with suppress(TelegramBadRequest):  # pressed twice: the same keyboard
        await message_of(callback).edit_reply_markup(reply_markup=dates_keyboard(t, settings, page))


async def wizard_date(
    event: Message | CallbackQuery,
    state: FSMContext,
    settings: Settings,
    t: Localizer,
    callback_data: PickCb | None = None,
) -> None:
    """A day from the picker, or typed: a day («20.12.2026», «2026-12-20») or a day with
    its time («20.12.2026 18:00»), which skips the time step."""
    raw = callback_data.value if callback_data else (event.text or "")  # type: ignore[union-attr]
    today = utcnow().astimezone(settings.zone).date()
    try:
        if callback_data is None and ":" in raw:  # a time too
            when = parse_moment(raw, settings.zone)
            _check_future(when)
            await state.update_data(date=when.date().isoformat(), time=f"{when:%H:%M}")
            await _ask_duration(event, state, t)
            return
        day = parse_day(raw)
    except DomainError as error:
        await _reply(event, error_text(t, error))
        return
    if day < today:
        await _reply(event, t("error-event-in-past"))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(Webinar.time)
    zone = zone_label(settings.zone, t.locale, datetime.combine(day, time(12), settings.zone))
    builder = InlineKeyboardBuilder()
    now = utcnow().astimezone(settings.zone)
    for value in WIZARD_TIMES:
        hour, minute = events.parse_time(value)
        if datetime.combine(day, time(hour, minute), settings.zone) <= now:
            continue  # today's hours already past
        # ":" separates callback data fields: the button carries "1500" for 15:00.
        builder.button(
            text=value, callback_data=PickCb(field="time", value=value.replace(":", "")).pack()
        )
    builder.adjust(4)
    await _reply(event, t("webinar-ask-time", zone=zone), builder.as_markup())


async def wizard_time(
    event: Message | CallbackQuery,
    state: FSMContext,
    settings: Settings,
    t: Localizer,
    callback_data: PickCb | None = None,
) -> None:
    if callback_data is not None:
        raw = f"{callback_data.value[:2]}:{callback_data.value[2:]}"
    else:
        raw = (event.text or "").strip()  # type: ignore[union-attr]
    data = await state.get_data()
    try:
        events.parse_time(raw)
        _check_future(_start_of({**data, "time": raw}, settings))
    except DomainError as error:
        await _reply(event, error_text(t, error))
        return
    await state.update_data(time=raw)
    await _ask_duration(event, state, t)


def _check_future(when: datetime) -> None:
    if when <= utcnow():
        raise DomainError("event-in-past")


async def _ask_duration(event: Message | CallbackQuery, state: FSMContext, t: Localizer) -> None:
    await state.set_state(Webinar.duration)
    await _reply(
        event,
        t("webinar-ask-duration"),
        inline(
            [
                (t("minutes", count=m), PickCb(field="duration", value=str(m)))
                for m in WIZARD_DURATIONS
            ]
        ),
    )


async def wizard_duration(
    callback: CallbackQuery, callback_data: PickCb, state: FSMContext, t: Localizer
) -> None:
    minutes = whole_number(callback_data.value)
    if minutes not in WIZARD_DURATIONS:
        raise AccessDenied()
    await state.update_data(duration=minutes)
    await state.set_state(Webinar.link)
    await message_of(callback).answer(t("webinar-ask-link"))


async def wizard_link(message: Message, state: FSMContext, t: Localizer) -> None:
    try:
        link = events.check_link(message.text or "")
    except DomainError:
        await message.answer(t("error-event-bad-link"))
        return
    await state.update_data(link=link)
    await state.set_state(Webinar.materials)
    await message.answer(
        t("webinar-ask-materials"),
        reply_markup=inline([(t("button-no-materials"), PickCb(field="materials", value="no"))]),
    )


async def wizard_materials(event: Message | CallbackQuery, state: FSMContext, t: Localizer) -> None:
    """A document sent here goes out with the reminders; the button skips it."""
    if isinstance(event, Message):
        if event.document is None:
            await event.answer(t("webinar-ask-materials"))
            return
        await state.update_data(materials=event.document.file_id)
    await state.set_state(Webinar.audience)
    await _reply(
        event,
        t("webinar-ask-audience"),
        inline(
            *[
                [(t(f"audience-{kind}"), PickCb(field="audience", value=kind))]
                for kind in WIZARD_AUDIENCES
            ]
        ),
    )


async def wizard_audience(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    settings: Settings,
    t: Localizer,
) -> None:
    if callback_data.value not in WIZARD_AUDIENCES:
        raise AccessDenied()
    await state.update_data(audience=callback_data.value)
    await state.set_state(Webinar.confirm)
    data = await state.get_data()
    starts = _start_of(data, settings)
    text = t(
        "webinar-card",
        title=escape(data["title"]),
        when=format_when(starts, settings.zone, t.locale),
        minutes=data["duration"],
        link=escape(data["link"]),
        audience=t(f"audience-{data['audience']}"),
    )
    await message_of(callback).answer(
        text,
        reply_markup=inline(
            [(t("button-webinar-create"), PickCb(field="create", value="yes"))],
            [(t("button-cancel"), PickCb(field="create", value="no"))],
        ),
    )


async def wizard_create(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    data = await state.get_data()
    await drop_keyboard(callback)
    if callback_data.value != "yes":
        await state.clear()
        await message_of(callback).answer(
            t("webinar-cancelled"), reply_markup=inline([menu_button(t)])
        )
        return
    roles = () if data["audience"] == "all" else (Role(data["audience"]),)
    now = utcnow()
    try:
        event = await events.create_webinar(
            session,
            participant,
            title=data["title"],
            starts_at=_start_of(data, settings),
            link=data["link"],
            now=now,
            duration_minutes=int(data["duration"]),
            audience=Audience(roles=roles),
            materials_file_id=data.get("materials"),
        )
    except DomainError as error:
        if error.reason != "event-in-past":
            raise
        # The time passed while the card waited: choose another; the rest is kept.
        await state.set_state(Webinar.date)
        await message_of(callback).answer(
            f"{error_text(t, error)}\n{t('webinar-ask-date')}",
            reply_markup=dates_keyboard(t, settings, 0),
        )
        return
    await state.clear()
    plan = events.reminder_plan(event.starts_at, now, settings.reminder_offsets)
    created = t("webinar-created", title=escape(event.title))
    await message_of(callback).answer(
        f"{created}\n{notices.reminder_plan_text(t, plan)}",
        reply_markup=inline(
            [(t("button-event-report"), EventCb(action="card", id=event.id))], [menu_button(t)]
        ),
    )


def _start_of(data: dict[str, object], settings: Settings) -> datetime:
    day = datetime.fromisoformat(str(data["date"]))
    hour, minute = events.parse_time(str(data["time"]))
    return day.replace(hour=hour, minute=minute, tzinfo=settings.zone)


async def _reply(event: Message | CallbackQuery, text: str, markup: object = None) -> None:
    message = event if isinstance(event, Message) else message_of(event)
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


def build_router() -> Router:
    router = Router(name="events")
    callbacks = router.callback_query
    callbacks.register(rsvp, Pressed(RsvpCb))
    router.message.register(schedule, Command("schedule"))
    callbacks.register(schedule_button, Pressed(MenuCb, item="schedule"))
    callbacks.register(calendar_file, Pressed(EventCb, action={"ics", "ics-all"}))
    callbacks.register(calendar_feed, Pressed(EventCb, action={"feed", "feed-revoke"}))
    callbacks.register(holiday_answer, Pressed(HolidayCb))
    callbacks.register(toggle_digest, Pressed(MenuCb, item="digest"))
    callbacks.register(events_menu, Pressed(MenuCb, item="events"))
    callbacks.register(event_card, Pressed(EventCb, action="card"))
    callbacks.register(move_ask, Pressed(EventCb, action="move"))
    router.message.register(move_to, EventMove.when, F.text)
    callbacks.register(cancel_ask, Pressed(EventCb, action="cancel"))
    callbacks.register(cancel_event, Pressed(EventCb, action="cancel-yes"))
    callbacks.register(wizard_start, Pressed(EventCb, action="new"))
    router.message.register(wizard_title, Webinar.title, F.text)
    callbacks.register(wizard_date, Webinar.date, Pressed(PickCb, field="date"))
    callbacks.register(wizard_dates_page, Webinar.date, Pressed(PickCb, field="dates"))
    router.message.register(wizard_date, Webinar.date, F.text)
    callbacks.register(wizard_time, Webinar.time, Pressed(PickCb, field="time"))
    router.message.register(wizard_time, Webinar.time, F.text)
    callbacks.register(wizard_duration, Webinar.duration, Pressed(PickCb, field="duration"))
    router.message.register(wizard_link, Webinar.link, F.text)
    callbacks.register(wizard_materials, Webinar.materials, Pressed(PickCb, field="materials"))
    router.message.register(wizard_materials, Webinar.materials)
    callbacks.register(wizard_audience, Webinar.audience, Pressed(PickCb, field="audience"))
    callbacks.register(wizard_create, Webinar.confirm, Pressed(PickCb, field="create"))
    return router
