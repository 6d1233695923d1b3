"""Meetings and webinars: answering reminders, /schedule with calendar files, and the
coordinators' event list, attendance, moves, cancellations and the webinar wizard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape

from babel.dates import format_date

from bot import notices
from bot.calendar_feed import calendar_feed_url
from bot.conversation.actions import EventCb, HolidayCb, MenuCb, PickCb, RsvpCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Attachment, Kept, Press, Screen, Upload, grid, rows_of
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.services import events
from bot.services.audience import Audience
from bot.services.dates import parse_day, parse_moment
from bot.services.errors import AccessDenied, DomainError
from bot.services.numbers import whole_number
from bot.settings import Settings
from bot.views import error_text, format_when, shorten, zone_label
from handlers.shared import keep_file
from storage.models import Event, EventStatus, Role
from storage.types import utcnow

SCHEDULE_DAYS = 30
WIZARD_TIMES = ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00")
WIZARD_DURATIONS = (60, 90, 120)
WIZARD_AUDIENCES = ("all", Role.DIRECTOR.value, Role.CURATOR.value)
DATES_PAGE = 14  # days on one page of the date picker
DATES_ROW = 4
DATES_PAGES = 13  # half a year ahead by buttons; a later day can be typed


routes = Routes("events")


class Webinar(StateGroup):
    title = State()
    date = State()
    time = State()
    duration = State()
    link = State()
    materials = State()
    audience = State()
    confirm = State()


class EventMove(StateGroup):
    when = State()


# -- participants ---------------------------------------------------------------------------


@routes.press(RsvpCb)
async def rsvp(turn: Turn, action: RsvpCb) -> None:
    t = turn.t
    event = await events.answer(
        turn.session, turn.participant, action.event, action.answer, utcnow()
    )
    await turn.chat.toast(t("rsvp-saved", answer=t(f"rsvp-{action.answer.value}")))
    # Pressing the same answer again leaves the keyboard as it is (Telegram refuses, 400).
    await turn.chat.replace_buttons(rows_of(notices.rsvp_buttons(t, event, action.answer)))


@routes.command("schedule")
async def schedule(turn: Turn) -> None:
    await send_schedule(turn)


@routes.press(MenuCb, item="schedule")
async def schedule_button(turn: Turn, _: MenuCb) -> None:
    await send_schedule(turn)


async def send_schedule(turn: Turn) -> None:
    participant, settings, t = turn.participant, turn.settings, turn.t
    if not participant.is_registered:
        await turn.say(t("menu-not-registered"))
        return
    mine = await events.my_events(turn.session, participant, utcnow(), SCHEDULE_DAYS)
    # The subscription button when something serves the feed; else a line that says so.
    feed_row: list[Press] = []
    feed_off: list[str] = []
    if settings.calendar_feed_base is not None:
        feed_row = [(t("button-calendar-subscribe"), EventCb(action="feed"))]
    else:
        feed_off = [t("calendar-feed-off")]
    if not mine:
        text = "\n".join([t("schedule-empty", days=SCHEDULE_DAYS), *feed_off])
        await turn.show(Screen(text, [feed_row] if feed_row else ()))
        return
    lines = [t("schedule-title", days=SCHEDULE_DAYS)]
    rows: list[list[Press]] = []
    for event, answer in mine:
        mark = t(f"schedule-answer-{answer.value if answer else 'none'}")
        when = format_when(event.starts_at, settings.zone, t.locale)
        lines.append(f"• {when} — {escape(event.title)} ({mark})")
        day = event.starts_at.astimezone(settings.zone).strftime("%d.%m")
        rows.append([(f"📎 {day} {shorten(event.title, 40)}", EventCb(action="ics", id=event.id))])
        if event.materials_id is not None:
            label = t("button-materials", title=shorten(event.title, 40))
            rows.append([(label, EventCb(action="materials", id=event.id))])
    rows.append([(t("button-ics-all"), EventCb(action="ics-all"))])
    if feed_row:
        rows.append(feed_row)
    await turn.show(Screen("\n".join([*lines, *feed_off]), rows))


@routes.press(EventCb, action={"ics", "ics-all"})
async def calendar_file(turn: Turn, action: EventCb) -> None:
    name, content = await events.calendar_file(
        turn.session,
        turn.participant,
        None if action.action == "ics-all" else action.id,
        turn.settings.zone,
        utcnow(),
        SCHEDULE_DAYS,
    )
    await turn.show(Screen(attachment=Attachment(Upload(content, name))))


@routes.press(EventCb, action="materials")
async def materials(turn: Turn, action: EventCb) -> None:
    """A webinar's materials from /schedule, sent on whichever messenger the person uses."""
    t = turn.t
    event = await events.materials(turn.session, turn.participant, action.id, utcnow())
    assert event.materials_id is not None
    caption = t("event-materials", title=escape(event.title))
    kept = Kept(event.materials_id, t("file-missing"))
    await turn.show(Screen(caption, attachment=Attachment(kept)))


@routes.press(EventCb, action={"feed", "feed-revoke"})
async def calendar_feed(turn: Turn, action: EventCb) -> None:
    """«Подписаться в календаре» shows the person's feed address; «Отозвать ссылку» ends it."""
    t = turn.t
    base = turn.settings.calendar_feed_base
    if action.action == "feed-revoke":
        await events.revoke_feed(turn.session, turn.participant)
        await turn.chat.replace_buttons(())
        await turn.say(t("calendar-feed-revoked"))
        return
    if base is None:  # a button from before the setting was removed
        await turn.say(t("calendar-feed-off"), [menu_button(t)])
        return
    token = await events.feed_token(turn.session, turn.participant)
    await turn.say(
        t("calendar-feed", url=escape(calendar_feed_url(base, token))),
        [(t("button-calendar-revoke"), EventCb(action="feed-revoke"))],
    )


@routes.press(HolidayCb)
async def holiday_answer(turn: Turn, action: HolidayCb) -> None:
    """The coordinator's tap on the holiday question; the services check role, scope and
    that the event is as it was asked about."""
    session, participant, t = turn.session, turn.participant, turn.t
    zone, now = turn.settings.zone, utcnow()
    notice = notices.change_notice(turn.translator, zone)
    if action.action == "move":
        changed = await events.move_off_holiday(
            session,
            participant,
            action.event,
            action.version,
            zone,
            now,
            notice=notice,
            reminder_offsets=turn.settings.reminder_offsets,
        )
        reply = t("event-move-done", when=format_when(changed.event.starts_at, zone, t.locale))
    elif action.action == "cancel":
        await events.cancel(session, participant, action.event, action.version, notice=notice)
        reply = t("event-cancel-done")
    elif action.action == "keep":
        kept = await events.keep_on_holiday(session, participant, action.event, action.version)
        await turn.chat.replace_buttons(())
        await turn.say(t("holiday-kept", when=format_when(kept.starts_at, zone, t.locale)))
        return
    else:
        raise AccessDenied()
    await turn.chat.replace_buttons(())
    await turn.say(reply, [menu_button(t)])


@routes.press(MenuCb, item="digest")
async def toggle_digest(turn: Turn, _: MenuCb) -> None:
    enabled = await events.toggle_digest(turn.session, turn.participant)
    await turn.chat.toast(turn.t("digest-on" if enabled else "digest-off"), alert=True)


# -- coordinators ---------------------------------------------------------------------------


@routes.press(MenuCb, item="events")
async def events_menu(turn: Turn, _: MenuCb) -> None:
    settings, t = turn.settings, turn.t
    coming = await events.coming_to_manage(turn.session, turn.participant, utcnow(), SCHEDULE_DAYS)
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
    await turn.show(Screen(text, rows))


@routes.press(EventCb, action="card")
async def event_card(turn: Turn, action: EventCb) -> None:
    participant, settings, t = turn.participant, turn.settings, turn.t
    report = await events.attendance(turn.session, participant, action.id)
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
    await turn.show(Screen("\n".join(lines), rows))


def _list_label(event: Event, settings: Settings) -> str:
    """«⚠ 04.01 10:00 title»: the sign marks a public holiday."""
    sign = "⚠ " if events.holiday_of(event, settings.zone) is not None else ""
    return (
        f"{sign}{event.starts_at.astimezone(settings.zone):%d.%m %H:%M} {shorten(event.title, 45)}"
    )


@routes.press(EventCb, action="move")
async def move_ask(turn: Turn, action: EventCb) -> None:
    await events.to_manage(turn.session, turn.participant, action.id)
    await turn.state.set_state(EventMove.when)
    await turn.state.update_data(event_id=action.id)
    await turn.say(turn.t("event-move-ask"), [menu_button(turn.t)])


@routes.text(state=EventMove.when)
async def move_to(turn: Turn) -> None:
    session, settings, t = turn.session, turn.settings, turn.t
    try:
        when = parse_moment(turn.text, settings.zone)
    except DomainError as error:
        await turn.say(error_text(t, error))
        return
    event_id = int((await turn.state.get_data())["event_id"])
    changed = await events.move(
        session,
        turn.participant,
        event_id,
        when,
        utcnow(),
        notice=notices.change_notice(turn.translator, settings.zone),
        reminder_offsets=settings.reminder_offsets,
    )
    await turn.state.clear()
    # The notice goes now; only the reminders still ahead of the new time follow it.
    when_text = format_when(changed.event.starts_at, settings.zone, t.locale)
    done = t("event-move-done", when=when_text)
    if changed.reminders.ahead:
        done += "\n" + notices.reminder_plan_text(t, changed.reminders)
    await turn.say(done, [menu_button(t)])


@routes.press(EventCb, action="cancel")
async def cancel_ask(turn: Turn, action: EventCb) -> None:
    t = turn.t
    event = await events.to_manage(turn.session, turn.participant, action.id)
    when = format_when(event.starts_at, turn.settings.zone, t.locale)
    await turn.say(
        t("event-cancel-sure", title=escape(event.title), when=when),
        [(t("button-event-cancel-final"), EventCb(action="cancel-yes", id=action.id))],
        [menu_button(t)],
    )


@routes.press(EventCb, action="cancel-yes")
async def cancel_event(turn: Turn, action: EventCb) -> None:
    notice = notices.change_notice(turn.translator, turn.settings.zone)
    await events.cancel(turn.session, turn.participant, action.id, notice=notice)
    await turn.chat.replace_buttons(())
    await turn.say(turn.t("event-cancel-done"), [menu_button(turn.t)])


# -- the webinar wizard ---------------------------------------------------------------------


@routes.press(EventCb, action="new")
async def wizard_start(turn: Turn, _: EventCb) -> None:
    if not events.may_manage_events(turn.participant):
        raise AccessDenied()
    await turn.state.clear()
    await turn.state.set_state(Webinar.title)
    await turn.say(turn.t("webinar-ask-title"))


@routes.text(state=Webinar.title)
async def wizard_title(turn: Turn) -> None:
    t = turn.t
    title = " ".join(turn.text.split())
    if not 3 <= len(title) <= 300:
        await turn.say(t("error-event-bad-title"))
        return
    await turn.state.update_data(title=title)
    await turn.state.set_state(Webinar.date)
    await turn.show(Screen(t("webinar-ask-date"), dates_rows(t, turn.settings, 0)))


def dates_rows(t: Localizer, settings: Settings, page: int) -> list[list[Press]]:
    """A page of days from today, named as people read them («Сегодня», «пн 7 дек»),
    with «Ещё даты →» to the next page; any later day can be typed."""
    today = utcnow().astimezone(settings.zone).date()
    days: list[Press] = []
    for offset in range(page * DATES_PAGE, (page + 1) * DATES_PAGE):
        day = today + timedelta(days=offset)
        label = t("button-today") if offset == 0 else day_label(day, t.locale)
        days.append((label, PickCb(field="date", value=day.isoformat())))
    navigation: list[Press] = []
    if page > 0:
        navigation.append((t("button-dates-earlier"), PickCb(field="dates", value=str(page - 1))))
    if page + 1 < DATES_PAGES:
        navigation.append((t("button-dates-later"), PickCb(field="dates", value=str(page + 1))))
    return [*grid(days, DATES_ROW), *([navigation] if navigation else [])]


def day_label(day: date, locale: str) -> str:
    """«пн 7 дек», «Mon 7 Dec» (without the abbreviation's dot, to stay short)."""
    return str(format_date(day, "EEE d MMM", locale=locale)).replace(".", "")


@routes.press(PickCb, state=Webinar.date, field="date")
async def wizard_date_picked(turn: Turn, action: PickCb) -> None:
    await wizard_date(turn, action.value, picked=True)


@routes.press(PickCb, state=Webinar.date, field="dates")
async def wizard_dates_page(turn: Turn, action: PickCb) -> None:
    page = whole_number(action.value)
    if page is None or not 0 <= page < DATES_PAGES:
        raise AccessDenied()
    # Pressed twice: the same buttons, which Telegram refuses to set again (harmless).
    await turn.chat.replace_buttons(dates_rows(turn.t, turn.settings, page))


@routes.text(state=Webinar.date)
async def wizard_date_typed(turn: Turn) -> None:
    await wizard_date(turn, turn.text, picked=False)


async def wizard_date(turn: Turn, raw: str, *, picked: bool) -> None:
    """A day from the picker, or typed: a day («20.12.2026», «2026-12-20») or a day with
    its time («20.12.2026 18:00»), which skips the time step."""
    settings, t = turn.settings, turn.t
    today = utcnow().astimezone(settings.zone).date()
    try:
        if not picked and ":" in raw:  # a time too
            when = parse_moment(raw, settings.zone)
            _check_future(when)
            await turn.state.update_data(date=when.date().isoformat(), time=f"{when:%H:%M}")
            await _ask_duration(turn)
            return
        day = parse_day(raw)
    except DomainError as error:
        await turn.say(error_text(t, error))
        return
    if day < today:
        await turn.say(t("error-event-in-past"))
        return
    await turn.state.update_data(date=day.isoformat())
    await turn.state.set_state(Webinar.time)
    zone = zone_label(settings.zone, t.locale, datetime.combine(day, time(12), settings.zone))
    now = utcnow().astimezone(settings.zone)
    times: list[Press] = []
    for value in WIZARD_TIMES:
        hour, minute = events.parse_time(value)
        if datetime.combine(day, time(hour, minute), settings.zone) <= now:
            continue  # today's hours already past
        # ":" separates callback data fields: the button carries "1500" for 15:00.
        times.append((value, PickCb(field="time", value=value.replace(":", ""))))
    await turn.show(Screen(t("webinar-ask-time", zone=zone), grid(times, 4)))


@routes.press(PickCb, state=Webinar.time, field="time")
async def wizard_time_picked(turn: Turn, action: PickCb) -> None:
    await wizard_time(turn, f"{action.value[:2]}:{action.value[2:]}")


@routes.text(state=Webinar.time)
async def wizard_time_typed(turn: Turn) -> None:
    await wizard_time(turn, turn.text.strip())


async def wizard_time(turn: Turn, raw: str) -> None:
    data = await turn.state.get_data()
    try:
        events.parse_time(raw)
        _check_future(_start_of({**data, "time": raw}, turn.settings))
    except DomainError as error:
        await turn.say(error_text(turn.t, error))
        return
    await turn.state.update_data(time=raw)
    await _ask_duration(turn)


def _check_future(when: datetime) -> None:
    if when <= utcnow():
        raise DomainError("event-in-past")


async def _ask_duration(turn: Turn) -> None:
    t = turn.t
    await turn.state.set_state(Webinar.duration)
    await turn.say(
        t("webinar-ask-duration"),
        [(t("minutes", count=m), PickCb(field="duration", value=str(m))) for m in WIZARD_DURATIONS],
    )


@routes.press(PickCb, state=Webinar.duration, field="duration")
async def wizard_duration(turn: Turn, action: PickCb) -> None:
    minutes = whole_number(action.value)
    if minutes not in WIZARD_DURATIONS:
        raise AccessDenied()
    await turn.state.update_data(duration=minutes)
    await turn.state.set_state(Webinar.link)
    await turn.say(turn.t("webinar-ask-link"))


@routes.text(state=Webinar.link)
async def wizard_link(turn: Turn) -> None:
    t = turn.t
    try:
        link = events.check_link(turn.text)
    except DomainError:
        await turn.say(t("error-event-bad-link"))
        return
    await turn.state.update_data(link=link)
    await turn.state.set_state(Webinar.materials)
    await turn.say(
        t("webinar-ask-materials"),
        [(t("button-no-materials"), PickCb(field="materials", value="no"))],
    )


@routes.press(PickCb, state=Webinar.materials, field="materials")
async def wizard_no_materials(turn: Turn, _: PickCb) -> None:
    await _ask_audience(turn)


@routes.message(state=Webinar.materials)
async def wizard_materials(turn: Turn) -> None:
    """A document sent here goes out with the reminders; the button skips it."""
    if turn.file is None or turn.file.kind != "document":
        await turn.say(turn.t("webinar-ask-materials"))
        return
    materials = await keep_file(turn, turn.file)  # kept as bytes: for MAX too
    if materials is None:
        return
    await turn.state.update_data(materials=materials)
    await _ask_audience(turn)


async def _ask_audience(turn: Turn) -> None:
    t = turn.t
    await turn.state.set_state(Webinar.audience)
    rows: list[list[Press]] = [
        [(t(f"audience-{kind}"), PickCb(field="audience", value=kind))] for kind in WIZARD_AUDIENCES
    ]
    await turn.show(Screen(t("webinar-ask-audience"), rows))


@routes.press(PickCb, state=Webinar.audience, field="audience")
async def wizard_audience(turn: Turn, action: PickCb) -> None:
    settings, t = turn.settings, turn.t
    if action.value not in WIZARD_AUDIENCES:
        raise AccessDenied()
    await turn.state.update_data(audience=action.value)
    await turn.state.set_state(Webinar.confirm)
    data = await turn.state.get_data()
    starts = _start_of(data, settings)
    text = t(
        "webinar-card",
        title=escape(data["title"]),
        when=format_when(starts, settings.zone, t.locale),
        minutes=data["duration"],
        link=escape(data["link"]),
        audience=t(f"audience-{data['audience']}"),
    )
    rows: list[list[Press]] = [
        [(t("button-webinar-create"), PickCb(field="create", value="yes"))],
        [(t("button-cancel"), PickCb(field="create", value="no"))],
    ]
    # The materials with the card, as the reminders will carry them.
    materials = data.get("materials")
    attachment = (
        Attachment(Kept(materials, t("file-missing"))) if isinstance(materials, int) else None
    )
    await turn.show(Screen(text, rows, attachment))


@routes.press(PickCb, state=Webinar.confirm, field="create")
async def wizard_create(turn: Turn, action: PickCb) -> None:
    settings, t = turn.settings, turn.t
    data = await turn.state.get_data()
    await turn.chat.replace_buttons(())
    if action.value != "yes":
        await turn.state.clear()
        await turn.say(t("webinar-cancelled"), [menu_button(t)])
        return
    roles = () if data["audience"] == "all" else (Role(data["audience"]),)
    now = utcnow()
    try:
        event = await events.create_webinar(
            turn.session,
            turn.participant,
            title=data["title"],
            starts_at=_start_of(data, settings),
            link=data["link"],
            now=now,
            duration_minutes=int(data["duration"]),
            audience=Audience(roles=roles),
            materials_id=data["materials"] if isinstance(data.get("materials"), int) else None,
        )
    except DomainError as error:
        if error.reason != "event-in-past":
            raise
        # The time passed while the card waited: choose another; the rest is kept.
        await turn.state.set_state(Webinar.date)
        await turn.show(
            Screen(f"{error_text(t, error)}\n{t('webinar-ask-date')}", dates_rows(t, settings, 0))
        )
        return
    await turn.state.clear()
    plan = events.reminder_plan(event.starts_at, now, settings.reminder_offsets)
    created = t("webinar-created", title=escape(event.title))
    await turn.say(
        f"{created}\n{notices.reminder_plan_text(t, plan)}",
        [(t("button-event-report"), EventCb(action="card", id=event.id))],
        [menu_button(t)],
    )


def _start_of(data: dict[str, object], settings: Settings) -> datetime:
    day = datetime.fromisoformat(str(data["date"]))
    hour, minute = events.parse_time(str(data["time"]))
    return day.replace(hour=hour, minute=minute, tzinfo=settings.zone)
