"""Meetings and webinars: the series, occurrences, moves and cancellations, attendance
answers, which reminders are due, and calendar files."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audience as audiences
from bot.services import audit, delivery, work_calendar
from bot.services.access import REGIONAL, Action, can
from bot.services.audience import Audience
from bot.services.delivery import Outgoing, Payload
from bot.services.errors import AccessDenied, DomainError, NotFound
from storage.db import insert_for
from storage.models import (
    Attendance,
    Event,
    EventAnswer,
    EventKind,
    EventStatus,
    MeetingSeries,
    Participant,
    Role,
)
from storage.repositories.people import PeopleRepository

MEETING_TITLE = "Организационное совещание участников проекта"
MEETING_DAYS = "1st mon,3rd mon"
_URL_RE = re.compile(r"^https?://\S+$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# -- the organisational meetings ------------------------------------------------------------


def meeting_times(
    days: str, local_time: str, zone: ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """Start times (UTC) of a series between `after` (exclusive) and `until`.

    APScheduler's cron trigger does the calendar arithmetic: "1st mon,3rd mon" across month
    and year ends, in the local zone."""
    hour, minute = parse_time(local_time)
    trigger = CronTrigger(day=days, hour=hour, minute=minute, timezone=zone)
    times: list[datetime] = []
    previous = None
    now = after.astimezone(zone)
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > until:
            return times
        if fire > after:
            times.append(fire.astimezone(UTC))
        previous, now = fire, fire + timedelta(seconds=1)


def parse_time(text: str) -> tuple[int, int]:
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise DomainError("event-bad-time")
    return int(match[1]), int(match[2])


def check_link(link: str) -> str:
    link = link.strip()
    if not _URL_RE.match(link) or len(link) > 500:
        raise DomainError("event-bad-link")
    return link


async def save_series(
    session: AsyncSession,
    *,
    link: str,
    local_time: str = "10:00",
    title: str = MEETING_TITLE,
    days: str = MEETING_DAYS,
    duration_minutes: int = 60,
    audience: Audience | None = None,
) -> MeetingSeries:
    """Creates the series with this title, or updates it (the operator's CLI)."""
    parse_time(local_time)
    CronTrigger(day=days)  # refuses a bad rule here, not at the next materialisation
    series = await session.scalar(select(MeetingSeries).where(MeetingSeries.title == title))
    if series is None:
        series = MeetingSeries(title=title, days=days)
        session.add(series)
    series.days = days
    series.local_time = local_time
    series.duration_minutes = duration_minutes
    series.link = check_link(link)
    series.audience = (audience or Audience()).as_json()
    series.active = True
    await session.commit()
    return series


async def materialise(session: AsyncSession, zone: ZoneInfo, now: datetime, weeks: int = 8) -> int:
    """Creates the occurrences of every active series for the coming weeks (idempotent:
    one event per series and date; a moved or cancelled occurrence stays as it is)."""
    created = 0
    for series in await session.scalars(select(MeetingSeries).where(MeetingSeries.active)):
        for start in meeting_times(
            series.days, series.local_time, zone, now, now + timedelta(weeks=weeks)
        ):
            statement = (
                insert_for(session, Event)
                .values(
                    kind=EventKind.MEETING,
                    series_id=series.id,
                    occurrence=start.astimezone(zone).date(),
                    title=series.title,
                    starts_at=start,
                    duration_minutes=series.duration_minutes,
                    link=series.link,
                    audience=series.audience,
                    status=EventStatus.SCHEDULED,
                    version=1,
                    reminded=[],
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["series_id", "occurrence"])
            )
            result = await session.execute(statement)
            created += int(result.rowcount)  # type: ignore[attr-defined]
    await session.commit()
    return created


# -- webinars, moves, cancellations ---------------------------------------------------------


def may_manage(actor: Participant | None, event: Event) -> bool:
    """The operator, the regional team, or the municipal coordinator whose municipality the
    event is exactly for."""
    if actor is None or can(actor, Action.CHOOSE_MUNICIPALITY):
        return True
    scope = Audience.from_json(event.audience).municipality_ids
    return len(scope) == 1 and can(actor, Action.MANAGE_EVENTS, municipality_id=scope[0])


async def create_webinar(
    session: AsyncSession,
    actor: Participant | None,
    *,
    title: str,
    starts_at: datetime,
    link: str,
    now: datetime,
    duration_minutes: int = 90,
    audience: Audience | None = None,
    materials_id: int | None = None,
) -> Event:
    if actor is not None and not can(
        actor, Action.MANAGE_EVENTS, municipality_id=actor.municipality_id
    ):
        raise AccessDenied()
    title = " ".join(title.split())
    if not 3 <= len(title) <= 300:
        raise DomainError("event-bad-title")
    if starts_at <= now:
        raise DomainError("event-in-past")
    if not 10 <= duration_minutes <= 600:
        raise DomainError("event-bad-duration")
    event = Event(
        kind=EventKind.WEBINAR,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        link=check_link(link),
        audience=audiences.scoped(actor, audience or Audience()).as_json(),
        materials_id=materials_id,
        created_by_id=actor.id if actor else None,
        reminded=[],
        created_at=now,
    )
    session.add(event)
    await session.flush()
    audit.record(session, actor, "event.created", f"event:{event.id}", title=title)
    await session.commit()
    return event


async def event(session: AsyncSession, event_id: int) -> Event:
    found = await session.get(Event, event_id)
    if found is None:
        raise NotFound("event-unknown")
    return found


async def _managed(
    session: AsyncSession, actor: Participant | None, event_id: int, version: int | None = None
) -> Event:
    """The event if `actor` may change it; `version`, when given, is the one a button was
    made for: a button of an event changed since then is refused, not applied."""
    found = await event(session, event_id)
    if not may_manage(actor, found):
        raise AccessDenied()
    if found.status == EventStatus.CANCELLED:
        raise DomainError("event-cancelled")
    if version is not None and found.version != version:
        raise DomainError("event-changed")
    return found


@dataclass(frozen=True)
class Change:
    """A move or a cancellation as its audience is told of it: the event as it is now,
    the start it had before a move (None for a cancellation), everyone's answers."""

    event: Event
    previous: datetime | None
    answers: dict[int, Attendance]


# The notice of a change to one person, in their language. The views build it (bot.notices):
# passed in, so this module makes no text, while the notices commit with the change.
Notice = Callable[[Change, Participant], Payload]


@dataclass(frozen=True)
class Changed:
    """What a move or a cancellation shows its author: the event, the reminders still to
    come (none at once: the notice says the new time; none after a cancellation), and how
    many people were told."""

    event: Event
    reminders: ReminderPlan
    told: int


async def move(
    session: AsyncSession,
    actor: Participant | None,
    event_id: int,
    starts_at: datetime,
    now: datetime,
    *,
    notice: Notice,
    reminder_offsets: Sequence[int] = (),
) -> Changed:
    """A new time, the old reminders withdrawn and the audience told, in one commit.
    Reminders are planned afresh; those whose time has already passed for the new start
    are not sent: the notice of the move says the new time."""
    found = await _managed(session, actor, event_id)
    return await _move(session, actor, found, starts_at, now, notice, reminder_offsets)


async def _move(
    session: AsyncSession,
    actor: Participant | None,
    found: Event,
    starts_at: datetime,
    now: datetime,
    notice: Notice,
    reminder_offsets: Sequence[int],
) -> Changed:
    if starts_at <= now:
        raise DomainError("event-in-past")
    previous = found.starts_at
    audit.record(
        session,
        actor,
        "event.moved",
        f"event:{found.id}",
        old=previous.isoformat(),
        new=starts_at.isoformat(),
    )
    plan = reminder_plan(starts_at, now, reminder_offsets)
    found.starts_at = starts_at
    found.version += 1
    found.reminded = plan.past
    change = Change(found, previous, await answers_to(session, found))
    told = await _tell_audience(session, change, notice)
    await session.commit()
    return Changed(found, ReminderPlan([], plan.ahead), told)


async def cancel(
    session: AsyncSession,
    actor: Participant | None,
    event_id: int,
    version: int | None = None,
    *,
    notice: Notice,
) -> Changed:
    """Cancelled, its reminders withdrawn and the audience told, in one commit."""
    found = await _managed(session, actor, event_id, version)
    found.status = EventStatus.CANCELLED
    found.version += 1  # a change like a move: calendars take it only with a higher SEQUENCE
    audit.record(session, actor, "event.cancelled", f"event:{found.id}")
    told = await _tell_audience(session, Change(found, None, {}), notice)
    await session.commit()
    return Changed(found, ReminderPlan([], []), told)


async def _tell_audience(session: AsyncSession, change: Change, notice: Notice) -> int:
    """Withdraws the reminders of the earlier versions and queues the notice of the change,
    in the change's transaction (not committed here); how many are told."""
    found = change.event
    await delivery.withdraw(session, "reminder", reminder_prefix(found))
    outgoing = [
        Outgoing(person, notice(change, person)) for person in await audience_of(session, found)
    ]
    return await delivery.queue(
        session, "event-change", f"event:{found.id}:v{found.version}:{found.status}", outgoing
    )


# -- public holidays ------------------------------------------------------------------------

HOLIDAY_NOTICE = timedelta(weeks=2)  # how long ahead the coordinators are asked


def holiday_of(event: Event, zone: ZoneInfo, locale: str = "ru") -> str | None:
    """The public holiday or transferred day off the event falls on (its name), if any."""
    return work_calendar.holiday(local_date(event.starts_at, zone), locale)


def next_working_start(event: Event, zone: ZoneInfo) -> datetime:
    """The event's local time on the first working day after its day (UTC)."""
    start = event.starts_at.astimezone(zone)
    day = work_calendar.next_working_day(start.date())
    return datetime.combine(day, start.time().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


async def holiday_questions_due(
    session: AsyncSession, now: datetime, zone: ZoneInfo
) -> list[Event]:
    """Scheduled events of the coming two weeks on a holiday whose coordinators have not
    been asked about them yet."""
    candidates = await session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.SCHEDULED,
            Event.starts_at > now,
            Event.starts_at <= now + HOLIDAY_NOTICE,
            Event.holiday_asked_at.is_(None),
        )
        .order_by(Event.starts_at)
    )
    return [found for found in candidates if holiday_of(found, zone) is not None]


async def managers_of(session: AsyncSession, event: Event) -> list[Participant]:
    """Who decides about the event: the municipal coordinators of the one municipality it
    is for, otherwise (or when it has none registered) the regional team."""
    people = PeopleRepository(session)
    scope = Audience.from_json(event.audience).municipality_ids
    if len(scope) == 1:
        local_team = [
            person
            for person in await people.members((Role.MUNICIPAL_COORDINATOR,), scope, None)
            if person.municipality_id == scope[0]
        ]
        if local_team:
            return local_team
    regional = await people.members(sorted(REGIONAL), (), None)
    return [person for person in regional if may_manage(person, event)]


async def mark_holiday_asked(session: AsyncSession, event: Event, now: datetime) -> None:
    event.holiday_asked_at = now
    await session.commit()


async def move_off_holiday(
    session: AsyncSession,
    actor: Participant,
    event_id: int,
    version: int,
    zone: ZoneInfo,
    now: datetime,
    *,
    notice: Notice,
    reminder_offsets: Sequence[int] = (),
) -> Changed:
    """«Перенести на …» of the holiday question: the same time on the next working day,
    as `move`."""
    found = await _managed(session, actor, event_id, version)
    starts_at = next_working_start(found, zone)
    return await _move(session, actor, found, starts_at, now, notice, reminder_offsets)


async def keep_on_holiday(
    session: AsyncSession, actor: Participant, event_id: int, version: int
) -> Event:
    """«Оставить как есть»: the coordinator has decided the event stays on its day."""
    found = await _managed(session, actor, event_id, version)
    audit.record(session, actor, "event.kept-on-holiday", f"event:{found.id}")
    await session.commit()
    return found


def reminder_prefix(event: Event) -> str:
    """The outbox reference prefix of every reminder of this event, any version."""
    return f"event:{event.id}:"


def reminder_reference(event: Event, offset_minutes: int) -> str:
    return f"event:{event.id}:v{event.version}:{offset_minutes}"


# -- who comes ------------------------------------------------------------------------------


async def answer(
    session: AsyncSession,
    participant: Participant,
    event_id: int,
    attendance: Attendance,
    now: datetime,
) -> Event:
    """Records "Буду" / "Не смогу"; it can be changed until the event begins."""
    found = await event(session, event_id)
    if found.status == EventStatus.CANCELLED:
        raise DomainError("event-cancelled")
    if found.starts_at <= now:
        raise DomainError("event-started")
    if not await audiences.includes(session, Audience.from_json(found.audience), participant):
        raise AccessDenied()
    statement = insert_for(session, EventAnswer).values(
        event_id=found.id, participant_id=participant.id, answer=attendance, answered_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["event_id", "participant_id"],
            set_={"answer": attendance, "answered_at": now},
        )
    )
    await session.commit()
    return found


async def answers_of(
    session: AsyncSession, participant: Participant, event_ids: Sequence[int]
) -> dict[int, Attendance]:
    result = await session.execute(
        select(EventAnswer.event_id, EventAnswer.answer).where(
            EventAnswer.participant_id == participant.id, EventAnswer.event_id.in_(event_ids)
        )
    )
    return {event_id: Attendance(value) for event_id, value in result.all()}


async def answers_to(session: AsyncSession, event: Event) -> dict[int, Attendance]:
    """Everyone's answer to the event: participant id → answer."""
    rows = await session.execute(
        select(EventAnswer.participant_id, EventAnswer.answer).where(
            EventAnswer.event_id == event.id
        )
    )
    return {participant_id: Attendance(value) for participant_id, value in rows.all()}


async def upcoming(
    session: AsyncSession, now: datetime, until: datetime, *, include_cancelled: bool = False
) -> Sequence[Event]:
    statement = select(Event).where(Event.starts_at > now, Event.starts_at <= until)
    if not include_cancelled:
        statement = statement.where(Event.status == EventStatus.SCHEDULED)
    result = await session.scalars(statement.order_by(Event.starts_at))
    return result.all()


async def my_events(
    session: AsyncSession, participant: Participant, now: datetime, days: int = 30
) -> list[tuple[Event, Attendance | None]]:
    """The participant's events in the coming days, with their answer."""
    return await for_participant(
        session, participant, await upcoming(session, now, now + timedelta(days=days))
    )


async def for_participant(
    session: AsyncSession, participant: Participant, candidates: Sequence[Event]
) -> list[tuple[Event, Attendance | None]]:
    """Those of `candidates` whose audience includes the participant, with their answer.
    Each distinct audience is asked about once: a series' events share theirs."""
    included: dict[Audience, bool] = {}
    mine = []
    for found in candidates:
        audience = Audience.from_json(found.audience)
        if audience not in included:
            included[audience] = await audiences.includes(session, audience, participant)
        if included[audience]:
            mine.append(found)
    answers = await answers_of(session, participant, [found.id for found in mine])
    return [(found, answers.get(found.id)) for found in mine]


@dataclass
class AttendanceReport:
    event: Event
    coming: list[Participant] = field(default_factory=list)
    not_coming: list[Participant] = field(default_factory=list)
    silent: list[Participant] = field(default_factory=list)
    # municipality name (None: the regional level, people without one, listed last):
    # (coming, not coming, silent)
    by_municipality: dict[str | None, tuple[int, int, int]] = field(default_factory=dict)


async def attendance(session: AsyncSession, actor: Participant, event_id: int) -> AttendanceReport:
    """Who answered what, and who did not, with counts by municipality. A municipal
    coordinator sees only their municipality's people."""
    found = await event(session, event_id)
    if not can(actor, Action.MANAGE_EVENTS, municipality_id=actor.municipality_id):
        raise AccessDenied()
    people = await audiences.members(
        session, audiences.scoped(actor, Audience.from_json(found.audience))
    )
    answers = await answers_to(session, found)
    places = await PeopleRepository(session).municipality_names([p.id for p in people])
    report = AttendanceReport(found)
    counts: dict[str | None, Counter[str]] = {}
    for person in people:
        value = answers.get(person.id)
        if value is Attendance.YES:
            report.coming.append(person)
        elif value is Attendance.NO:
            report.not_coming.append(person)
        else:
            report.silent.append(person)
        counts.setdefault(places.get(person.id), Counter())[value or "silent"] += 1
    report.by_municipality = {
        name: (c[Attendance.YES], c[Attendance.NO], c["silent"])
        for name, c in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or ""))
    }
    return report


# -- reminders and calendar files -----------------------------------------------------------


@dataclass(frozen=True)
class ReminderPlan:
    """Which reminders (offsets in minutes) an event starting at a time still gets: those
    whose time is `ahead` (longest first), and, when some are `past`, one at once."""

    past: list[int]
    ahead: list[int]

    @property
    def now(self) -> bool:
        return bool(self.past)


def reminder_plan(starts_at: datetime, now: datetime, offsets: Sequence[int]) -> ReminderPlan:
    past = sorted(m for m in set(offsets) if starts_at - timedelta(minutes=m) <= now)
    ahead = sorted((m for m in set(offsets) if m not in past), reverse=True)
    return ReminderPlan(past, ahead)


@dataclass(frozen=True)
class DueReminder:
    event: Event
    minutes: int  # the offset whose reminder goes: the nearest of those due
    covers: tuple[int, ...]  # every offset due now, done by this one message


async def due_reminders(
    session: AsyncSession, now: datetime, offsets: Sequence[int]
) -> list[DueReminder]:
    """The reminders whose time has come and that were not yet handed to the outbox for
    the event's current version. Several due at once (an event created or planned shortly
    before its start, or the bot down meanwhile) make one message: two at once would say
    «завтра» and «через час» together. Events that have begun get none."""
    if not offsets:
        return []
    longest = timedelta(minutes=max(offsets))
    due: list[DueReminder] = []
    for found in await upcoming(session, now, now + longest):
        plan = reminder_plan(found.starts_at, now, offsets)
        waiting = tuple(m for m in plan.past if m not in found.reminded)
        if waiting:
            due.append(DueReminder(found, waiting[0], waiting))
    return due


async def mark_reminded(session: AsyncSession, event: Event, minutes: Sequence[int]) -> None:
    event.reminded = sorted({*event.reminded, *minutes})
    await session.commit()


@dataclass(frozen=True)
class TimeLeft:
    """How long until an event, as a reminder says it: `in-minutes` (count), `in-an-hour`,
    `today`, `tomorrow` (by the local calendar) or `in-days` (count)."""

    kind: str
    count: int = 0


def time_left(starts_at: datetime, now: datetime, zone: ZoneInfo) -> TimeLeft:
    minutes = max(1, round((starts_at - now).total_seconds() / 60))
    if minutes < 60:
        return TimeLeft("in-minutes", minutes)
    if minutes == 60:
        return TimeLeft("in-an-hour")
    days = (starts_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return TimeLeft("today")
    if days == 1:
        return TimeLeft("tomorrow")
    return TimeLeft("in-days", days)


async def audience_of(session: AsyncSession, event: Event) -> Sequence[Participant]:
    return await audiences.members(session, Audience.from_json(event.audience))


# -- the calendar feed: a private address per person that calendars subscribe to --------------

FEED_PAST = timedelta(days=30)  # past events stay in the subscribed calendar this long
FEED_AHEAD = timedelta(days=366)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


async def feed_token(session: AsyncSession, participant: Participant) -> str:
    """The person's feed token, made on first request (and after a revocation)."""
    if not participant.is_registered:
        raise AccessDenied()
    if participant.calendar_token is None:
        participant.calendar_token = secrets.token_urlsafe(24)
        audit.record(session, participant, "calendar-feed.created", f"participant:{participant.id}")
        await session.commit()
    return participant.calendar_token


async def revoke_feed(session: AsyncSession, participant: Participant) -> None:
    """The address stops working at once; the next request makes a new one."""
    if not participant.is_registered:
        raise AccessDenied()
    if participant.calendar_token is not None:
        participant.calendar_token = None
        audit.record(session, participant, "calendar-feed.revoked", f"participant:{participant.id}")
        await session.commit()


async def feed(session: AsyncSession, token: str, now: datetime) -> list[Event] | None:
    """The events of the person whose feed token this is (cancelled ones too, so calendars
    drop them), or None: no such token, or its person no longer holds a role."""
    if not _TOKEN_RE.match(token):
        return None
    person = await session.scalar(select(Participant).where(Participant.calendar_token == token))
    if person is None or not person.is_registered:
        return None
    candidates = await upcoming(session, now - FEED_PAST, now + FEED_AHEAD, include_cancelled=True)
    return [found for found, _ in await for_participant(session, person, candidates)]


def to_ics(events: Sequence[Event], zone: ZoneInfo, now: datetime) -> bytes:
    """A calendar file that calendars accept and update: one UID per event for its whole
    life, SEQUENCE = version (each move or cancellation raises it), and the VTIMEZONE its
    TZID refers to. `now` is DTSTAMP, when this file was made."""
    calendar = Calendar()
    calendar.add("prodid", "-//Leningrad Oblast school programmes bot//RU")
    calendar.add("version", "2.0")
    for found in events:
        entry = CalendarEvent()
        entry.add("uid", event_uid(found))
        entry.add("sequence", found.version)
        entry.add("summary", found.title)
        entry.add("dtstart", found.starts_at.astimezone(zone))
        entry.add("dtend", _ends_at(found).astimezone(zone))
        entry.add("dtstamp", now.astimezone(UTC))
        entry.add("url", found.link)
        entry.add("description", found.link)
        entry.add("status", "CANCELLED" if found.status == EventStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(entry)
    if events:
        # Only the transitions around these events: the default span (1970-2038) would
        # make every file several kilobytes of Moscow's past.
        calendar.add_missing_timezones(
            first_date=min(e.starts_at for e in events).astimezone(zone).date() - timedelta(days=1),
            last_date=max(_ends_at(e) for e in events).astimezone(zone).date() + timedelta(days=1),
        )
    return bytes(calendar.to_ical())


def event_uid(event: Event) -> str:
    """Stable across moves and cancellations, so re-importing updates instead of
    duplicating."""
    return f"event-{event.id}@participants-bot"


def _ends_at(event: Event) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def week_of(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime, str]:
    """Monday 00:00 to the next Monday (UTC) of the local week, and its ISO name."""
    local = moment.astimezone(zone)
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), tzinfo=zone
    )
    year, week, _ = local.isocalendar()
    return (
        monday.astimezone(UTC),
        (monday + timedelta(days=7)).astimezone(UTC),
        f"{year}-W{week:02}",
    )


async def digest_readers(session: AsyncSession) -> Sequence[Participant]:
    everyone = await PeopleRepository(session).members((), (), None)
    return [person for person in everyone if person.digest_enabled]


async def set_digest(session: AsyncSession, participant: Participant, enabled: bool) -> None:
    participant.digest_enabled = enabled
    await session.commit()


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


async def toggle_digest(session: AsyncSession, participant: Participant) -> bool:
    """«Дайджест вкл/выкл» of a registered person; whether it is on now."""
    if not participant.is_registered:
        raise AccessDenied()
    await set_digest(session, participant, not participant.digest_enabled)
    return participant.digest_enabled


async def calendar_file(
    session: AsyncSession,
    participant: Participant,
    event_id: int | None,
    zone: ZoneInfo,
    now: datetime,
    days: int = 30,
) -> tuple[str, bytes]:
    """The .ics of one of the person's coming events (None: all of them), with its file
    name. An event not theirs comes from a forged or stale button: refused."""
    mine = await my_events(session, participant, now, days)
    chosen = [found for found, _ in mine if event_id is None or found.id == event_id]
    if not chosen:
        raise AccessDenied()
    name = "schedule.ics" if event_id is None else f"event-{chosen[0].id}.ics"
    return name, to_ics(chosen, zone, now)


async def materials(
    session: AsyncSession, participant: Participant, event_id: int, now: datetime, days: int = 30
) -> Event:
    """One of the person's coming events that has materials (to show them). Another's, or
    one without, comes from a forged or stale button: refused."""
    mine = await my_events(session, participant, now, days)
    chosen = [found for found, _ in mine if found.id == event_id and found.materials_id]
    if not chosen:
        raise AccessDenied()
    return chosen[0]


def may_manage_events(actor: Participant) -> bool:
    """Whether `actor` may see the coordinators' event list and plan webinars."""
    return can(actor, Action.MANAGE_EVENTS, municipality_id=actor.municipality_id)


async def coming_to_manage(
    session: AsyncSession, actor: Participant, now: datetime, days: int
) -> Sequence[Event]:
    """The coordinators' list: the scheduled events of the coming days, for who may
    manage events."""
    if not may_manage_events(actor):
        raise AccessDenied()
    return await upcoming(session, now, now + timedelta(days=days))


async def to_manage(session: AsyncSession, actor: Participant, event_id: int) -> Event:
    """The event, if `actor` may move or cancel it (asked before the new time or the
    confirmation; the change itself checks again)."""
    found = await event(session, event_id)
    if not may_manage(actor, found):
        raise AccessDenied()
    return found
