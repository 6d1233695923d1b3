"""Messages that the bot sends on its own: reminders, moves, cancellations, the weekly
digest, survey invitations, and the registration messages to other people (a join request
to its deciders, the decision, a revocation). Rendered per recipient's language, delivered
through the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import AckCb, BroadcastCb, HolidayCb, RsvpCb, SurveyCb
from bot.conversation.buttons import request_rows
from bot.conversation.screens import Press, Screen, buttons_of
from bot.i18n import Localizer, Translator
from bot.services import accounts, broadcasts, delivery, events, registration, surveys
from bot.services.access import Action, can
from bot.services.delivery import Button, Outgoing, Payload, PayloadFile
from bot.services.survey_definitions import SurveyDefinition
from bot.views import channel_name, format_when, request_text
from storage.models import (
    Attendance,
    Broadcast,
    BroadcastStatus,
    Channel,
    Event,
    EventStatus,
    JoinRequest,
    Participant,
    RequestStatus,
    ResponseStatus,
    Survey,
)
from storage.types import utcnow


def rsvp_buttons(
    t: Localizer, event: Event, chosen: Attendance | None = None
) -> list[list[Button]]:
    def label(answer: Attendance) -> str:
        text = t(f"rsvp-{answer.value}")
        return f"✅ {text}" if answer == chosen else text

    return [
        [
            Button(label(answer), RsvpCb(event=event.id, answer=answer).pack())
            for answer in (Attendance.YES, Attendance.NO)
        ]
    ]


def event_text(t: Localizer, event: Event, zone: ZoneInfo, *, with_link: bool = True) -> str:
    return t(
        "event-card" if with_link else "event-card-no-link",
        title=escape(event.title),
        when=format_when(event.starts_at, zone, t.locale),
        link=escape(event.link),
    )


def reminder(
    t: Localizer,
    event: Event,
    zone: ZoneInfo,
    now: datetime,
    answer: Attendance | None = None,
) -> Payload:
    """Worded by the time really left at `now` («через 30 минут», «сегодня в 15:00»,
    «завтра в 15:00»), with the person's answer marked."""
    left = events.time_left(event.starts_at, now, zone)
    time = f"{event.starts_at.astimezone(zone):%H:%M}"
    lead = t(f"reminder-{left.kind}", minutes=left.count, days=left.count, time=time)
    return Payload(
        f"⏰ {lead}\n{event_text(t, event, zone)}",
        rsvp_buttons(t, event, answer),
        file=materials_file(t, event),  # the webinar's materials travel with the reminder
    )


def materials_file(t: Localizer, event: Event) -> PayloadFile | None:
    """The webinar's materials as a message carries them (their stored file)."""
    if event.materials_id is None:
        return None
    return PayloadFile(event.materials_id, "document", t("file-missing"))


def moved(
    t: Localizer,
    event: Event,
    zone: ZoneInfo,
    previous: datetime | None = None,
    answer: Attendance | None = None,
) -> Payload:
    """The old time and the new one; an answer given before the move is kept and marked,
    with a word on how to change it."""
    text = t(
        "event-moved" if previous is not None else "event-moved-to",
        title=escape(event.title),
        old=format_when(previous, zone, t.locale) if previous is not None else "",
        when=format_when(event.starts_at, zone, t.locale),
        link=escape(event.link),
    )
    if answer is not None:
        text += "\n" + t(f"event-moved-answer-kept-{answer.value}")
    return Payload(text, rsvp_buttons(t, event, answer))


def cancelled(t: Localizer, event: Event, zone: ZoneInfo) -> Payload:
    """No link and no answer buttons: there is nothing to join or answer."""
    return Payload(f"{t('event-cancelled')}\n{event_text(t, event, zone, with_link=False)}")


def reminder_offset_text(t: Localizer, minutes: int) -> str:
    """«за сутки», «за 2 часа», «за 15 минут»."""
    if minutes % (24 * 60) == 0:
        return t("reminder-offset-days", count=minutes // (24 * 60))
    if minutes % 60 == 0:
        return t("reminder-offset-hours", count=minutes // 60)
    return t("reminder-offset-minutes", count=minutes)


def reminder_plan_text(t: Localizer, plan: events.ReminderPlan) -> str:
    """What the audience of a new event will get, from `REMINDER_OFFSETS`: «Участники
    получат напоминания за сутки и за час.», «… напоминание сейчас и за час.»"""
    parts = [reminder_offset_text(t, minutes) for minutes in plan.ahead]
    if plan.now:
        parts.insert(0, t("reminder-plan-now"))
    if not parts:
        return t("reminder-plan-none")
    listed = (
        parts[0] if len(parts) == 1 else t("list-and", first=", ".join(parts[:-1]), last=parts[-1])
    )
    return t("reminder-plan", count=len(parts), offsets=listed)


def holiday_question(t: Localizer, event: Event, zone: ZoneInfo) -> Payload:
    """To the coordinators two weeks ahead: the event falls on a holiday; move it to the
    next working day, cancel it, or keep it (each button checked again when pressed)."""
    holiday = events.holiday_of(event, zone, t.locale) or ""
    target = events.next_working_start(event, zone).astimezone(zone)
    to = format_datetime(target, "EEE, d MMMM, HH:mm", locale=t.locale)

    def button(key: str, action: str, **args: str) -> list[Button]:
        data = HolidayCb(action=action, event=event.id, version=event.version).pack()
        return [Button(t(key, **args), data)]

    text = t(
        "holiday-question",
        title=escape(event.title),
        when=format_when(event.starts_at, zone, t.locale),
        holiday=escape(holiday),
    )
    return Payload(
        text,
        [
            button("button-holiday-move", "move", when=to),
            button("button-holiday-cancel", "cancel"),
            button("button-holiday-keep", "keep"),
        ],
    )


def digest(
    t: Localizer,
    items: Sequence[tuple[Event, Attendance | None]],
    zone: ZoneInfo,
    open_surveys: Sequence[tuple[str, datetime]] = (),
) -> Payload:
    """This week's events with the person's answers, and the surveys waiting for them."""
    lines = [t("digest-title")]
    for event, answer in items:
        mark = {Attendance.YES: "✅ ", Attendance.NO: "✖ "}.get(answer, "") if answer else ""
        lines.append(
            f"{mark}{format_when(event.starts_at, zone, t.locale)} — {escape(event.title)}"
        )
    for title, closes_at in open_surveys:
        lines.append(
            t("digest-survey", title=escape(title), when=format_when(closes_at, zone, t.locale))
        )
    lines.append(t("digest-footer"))
    return Payload("\n".join(lines))


def announcement(
    t: Localizer, broadcast: Broadcast, acknowledged: bool = False, *, reminder: bool = False
) -> Payload:
    """The announcement exactly as its recipients see it; a `reminder` of it (sent again to
    those who have not acknowledged) is headed so, not a copy that looks like the first."""
    buttons = []
    if broadcast.acknowledge:
        label = f"✅ {t('button-acknowledged')}" if acknowledged else t("button-acknowledge")
        buttons = [[Button(label, AckCb(broadcast=broadcast.id).pack())]]
    file = None
    if broadcast.attachment_id is not None:
        kind: Literal["document", "photo"] = (
            "photo" if broadcast.attachment_kind == "photo" else "document"
        )
        file = PayloadFile(broadcast.attachment_id, kind, t("file-missing"))
    text = f"⏰ {t('broadcast-reminder-lead')}\n\n{broadcast.text}" if reminder else broadcast.text
    return Payload(text, buttons, file)


def progress_text(t: Localizer, progress: broadcasts.Progress, cancelled: bool) -> str:
    done = progress.total - progress.left
    filled = round(10 * done / progress.total) if progress.total else 10
    bar = "▓" * filled + "░" * (10 - filled)
    key = (
        "broadcast-cancelled"
        if cancelled
        else ("broadcast-done" if progress.finished else "broadcast-sending")
    )
    # `done` beside the bar: the bar fills with blocked and failed messages too.
    text = t(
        key,
        bar=bar,
        done=done,
        sent=progress.sent,
        blocked=progress.blocked,
        failed=progress.failed,
        left=progress.left,
        total=progress.total,
        acknowledged=progress.acknowledged,
        withdrawn=progress.withdrawn,
        ambiguous=progress.ambiguous,
    )
    if progress.ambiguous:
        text += "\n" + t("broadcast-ambiguous-explained", count=progress.ambiguous)
    return text


async def send_reminders(
    session: AsyncSession,
    translator: Translator,
    zone: ZoneInfo,
    now: datetime,
    offsets: Sequence[int],
) -> int:
    """Hands the reminders whose time has come to the outbox; how many messages."""
    queued = 0
    for due in await events.due_reminders(session, now, offsets):
        event = due.event
        answers = await events.answers_to(session, event)
        outgoing = [
            Outgoing(
                person,
                reminder(
                    translator.for_locale(person.locale), event, zone, now, answers.get(person.id)
                ),
            )
            for person in await events.audience_of(session, event)
        ]
        queued += await delivery.enqueue(
            session,
            "reminder",
            events.reminder_reference(event, due.minutes),
            outgoing,
            expires_at=event.starts_at,
        )
        # After the enqueue: a crash in between re-enqueues, and the outbox key dedups.
        await events.mark_reminded(session, event, due.covers)
    return queued


async def ask_about_holidays(
    session: AsyncSession, translator: Translator, zone: ZoneInfo, now: datetime
) -> int:
    """Asks the coordinators about each event of the coming two weeks on a holiday, once
    per event; nothing is moved without them."""
    queued = 0
    for event in await events.holiday_questions_due(session, now, zone):
        outgoing = [
            Outgoing(person, holiday_question(translator.for_locale(person.locale), event, zone))
            for person in await events.managers_of(session, event)
        ]
        if not outgoing:  # nobody to decide yet: asked once someone holds the role
            continue
        queued += await delivery.enqueue(
            session,
            "holiday-question",
            f"event:{event.id}:holiday",
            outgoing,
            expires_at=event.starts_at,
        )
        # After the enqueue, as reminders: a crash in between asks again, the outbox dedups.
        await events.mark_holiday_asked(session, event, now)
    return queued


def change_notice(translator: Translator, zone: ZoneInfo) -> events.Notice:
    """What `events.move` and `events.cancel` queue for each of the audience: the move
    with both times and the answer kept, or the cancellation, in the person's language."""

    def notice(change: events.Change, person: Participant) -> Payload:
        t = translator.for_locale(person.locale)
        if change.event.status == EventStatus.CANCELLED:
            return cancelled(t, change.event, zone)
        return moved(t, change.event, zone, change.previous, change.answers.get(person.id))

    return notice


def join_request(translator: Translator) -> registration.RequestNotice:
    """What `registration.request_to_join` queues for each decider: the request's card
    with Approve / Reject, as /requests shows it."""

    def notice(request: JoinRequest, decider: Participant) -> Payload:
        t = translator.for_locale(decider.locale)
        return Payload(request_text(t, request), buttons_of(request_rows(t, request.id)))

    return notice


def join_decision(translator: Translator) -> registration.RequestNotice:
    """What `registration.decide` queues for the applicant: approved or rejected."""

    def notice(request: JoinRequest, applicant: Participant) -> Payload:
        approved = request.status == RequestStatus.APPROVED
        return Payload(
            translator.get(applicant.locale, "join-approved" if approved else "join-rejected")
        )

    return notice


def account_linked(translator: Translator) -> accounts.LinkNotice:
    """What `accounts.enter_code` queues for the person: another account was linked (to
    their contact account, which it was before), so that a link they did not make shows."""

    def notice(person: Participant, channels: Sequence[Channel]) -> Payload:
        t = translator.for_locale(person.locale)
        names = ", ".join(channel_name(t, channel) for channel in channels)
        return Payload(t("link-notice", channel=names))

    return notice


def role_revoked(translator: Translator) -> registration.RevokeNotice:
    """What `registration.revoke` queues for the person whose role was taken."""

    def notice(person: Participant) -> Payload:
        return Payload(translator.get(person.locale, "revoke-notice"))

    return notice


async def send_digest(
    session: AsyncSession, translator: Translator, zone: ZoneInfo, now: datetime
) -> int:
    """This week's events and the surveys still waiting for an answer, for everyone who
    reads the digest (only those with something to read)."""
    start, end, week = events.week_of(now, zone)
    this_week = await events.upcoming(session, max(start, now), end)
    waiting: dict[int, list[tuple[SurveyDefinition, datetime]]] = {}
    for survey in await surveys.open_surveys(session, now):
        assert survey.closes_at is not None
        for item in await surveys.assignments(session, survey):
            if item.response is None or item.response.status != ResponseStatus.SUBMITTED:
                waiting.setdefault(item.participant.id, []).append(
                    (item.definition, survey.closes_at)
                )
    outgoing = []
    for person in await events.digest_readers(session):
        items = await events.for_participant(session, person, this_week)
        t = translator.for_locale(person.locale)
        surveys_open = [(d.title.get(t.locale), closes) for d, closes in waiting.get(person.id, [])]
        if items or surveys_open:
            outgoing.append(Outgoing(person, digest(t, items, zone, surveys_open)))
    return await delivery.enqueue(session, "digest", f"digest:{week}", outgoing)


async def progress_screen(
    session: AsyncSession, translator: Translator, broadcast: Broadcast, now: datetime
) -> Screen:
    """The author's progress message as it should read now; marks the broadcast done when
    nothing is left (a stopped one finished once its last request on the wire has come
    back)."""
    progress = await broadcasts.progress(session, broadcast)
    cancelled = broadcast.status == BroadcastStatus.CANCELLED
    if cancelled:
        if progress.finished:
            await broadcasts.set_status(session, broadcast, BroadcastStatus.CANCELLED, now)
    else:
        if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.send_at <= now:
            await broadcasts.set_status(session, broadcast, BroadcastStatus.SENDING, now)
        if progress.finished and broadcast.send_at <= now:
            await broadcasts.set_status(session, broadcast, BroadcastStatus.DONE, now)
    author = await session.get(Participant, broadcast.author_id) if broadcast.author_id else None
    t = translator.for_locale(author.locale if author else translator.default_locale)
    return Screen(
        progress_text(t, progress, cancelled=cancelled), progress_rows(t, broadcast, progress)
    )


def progress_rows(
    t: Localizer, broadcast: Broadcast, progress: broadcasts.Progress
) -> list[list[Press]]:
    """«Остановить отправку» while it goes out; «Отправить повторно» on the final report
    when some copies failed or may not have arrived."""
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        return [[(t("button-broadcast-cancel"), BroadcastCb(action="cancel", id=broadcast.id))]]
    if broadcast.status == BroadcastStatus.DONE and progress.resendable:
        resend = BroadcastCb(action="resend", id=broadcast.id)
        return [[(t("button-broadcast-resend", count=progress.resendable), resend)]]
    return []


# -- surveys --------------------------------------------------------------------------------

NUDGE_WINDOW = timedelta(hours=12)  # a step is sent within this long after its time, not later


def survey_nudge_steps(
    opens_at: datetime, closes_at: datetime, zone: ZoneInfo
) -> dict[str, datetime]:
    """When non-respondents are reminded: 3 days after opening and the day before closing
    at 10:00, and the last morning at 09:00 (local time)."""

    def at(day: datetime, hour: int) -> datetime:
        local = day.astimezone(zone)
        return local.replace(hour=hour, minute=0, second=0, microsecond=0)

    return {
        "after-3-days": at(opens_at + timedelta(days=3), 10),
        "day-before": at(closes_at - timedelta(days=1), 10),
        "last-morning": at(closes_at, 9),
    }


async def send_survey_invitations(
    session: AsyncSession, translator: Translator, zone: ZoneInfo
) -> int:
    """Everyone asked by an open survey gets one invitation with a Start button and the
    deadline, also the one who takes over a response their school's previous respondent
    began."""
    queued = 0
    for survey in await surveys.open_surveys(session, utcnow()):
        outgoing = []
        for item in await surveys.assignments(session, survey):
            if item.response is not None and (
                item.response.status == ResponseStatus.SUBMITTED
                or surveys.is_mine(item.response, item.participant)
            ):
                continue
            t = translator.for_locale(item.participant.locale)
            outgoing.append(
                Outgoing(
                    item.participant, _survey_payload(t, "survey-invitation", item, survey, zone)
                )
            )
        queued += await delivery.enqueue(
            session, "survey-invite", f"survey:{survey.id}:invite", outgoing
        )
    return queued


async def send_due_nudges(
    session: AsyncSession, translator: Translator, zone: ZoneInfo, now: datetime
) -> int:
    queued = 0
    for survey in await surveys.open_surveys(session, now):
        assert survey.opens_at is not None
        assert survey.closes_at is not None
        for step, when in survey_nudge_steps(survey.opens_at, survey.closes_at, zone).items():
            if when <= now < min(when + NUDGE_WINDOW, survey.closes_at):
                queued += await send_survey_nudges(session, translator, survey.id, step, zone)
    return queued


async def send_survey_nudges(
    session: AsyncSession,
    translator: Translator,
    survey_id: int,
    step: str,
    zone: ZoneInfo,
    actor: Participant | None = None,
) -> int:
    """Reminds everyone (in the actor's scope) whose unit has not submitted, with other words
    for "not started" and "in progress" (where they are, and «Продолжить»). Once per step:
    the outbox key."""
    survey = await surveys.get(session, survey_id)
    scope = None
    if actor is not None and not can(actor, Action.CHOOSE_MUNICIPALITY):
        scope = actor.municipality_id
    waiting = [
        item
        for item in await surveys.assignments(session, survey)
        if (item.response is None or item.response.status != ResponseStatus.SUBMITTED)
        and (scope is None or (item.school is not None and item.school.municipality_id == scope))
    ]
    outgoing = []
    for item, standing in zip(waiting, await surveys.standings(session, waiting), strict=True):
        t = translator.for_locale(item.participant.locale)
        if standing.complete:
            payload = _survey_payload(
                t, "survey-nudge-ready", item, survey, zone, button="survey-continue"
            )
        elif standing.number:
            payload = _survey_payload(
                t,
                "survey-nudge-started",
                item,
                survey,
                zone,
                button="survey-continue",
                number=standing.number,
                total=standing.total,
            )
        else:
            payload = _survey_payload(t, "survey-nudge-not-started", item, survey, zone)
        outgoing.append(Outgoing(item.participant, payload))
    return await delivery.enqueue(session, "survey-nudge", f"survey:{survey.id}:{step}", outgoing)


def _survey_payload(
    t: Localizer,
    key: str,
    item: surveys.Assignment,
    survey: Survey,
    zone: ZoneInfo,
    button: str = "survey-start",
    **details: int,
) -> Payload:
    """The invitation or a reminder: the survey (and school), the deadline as people read
    it, and the button that opens it."""
    title = escape(item.definition.title.get(t.locale))
    school = f" ({escape(item.school.short_name)})" if item.school else ""
    assert survey.closes_at is not None  # an open survey has its deadline
    when = format_when(survey.closes_at, zone, t.locale)
    opening = SurveyCb(action="open", survey=survey.id, school=item.school.id if item.school else 0)
    return Payload(
        t(key, title=title + school, when=when, **details), [[Button(t(button), opening.pack())]]
    )
