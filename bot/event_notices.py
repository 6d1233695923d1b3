"""The messages about one event that a step sends too, not only the scheduler: its card,
the answer buttons, the notices of a move or a cancellation, the reminder plan. Plain
builders over the outbox, with no messenger's types (bot.notices re-exports them)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import RsvpCb
from bot.i18n import Localizer, Translator
from bot.services import delivery, events
from bot.services.delivery import Button, Outgoing, Payload
from bot.views import format_when
from storage.models import Attendance, Event, EventStatus


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


async def tell_audience_of_change(
    session: AsyncSession, translator: Translator, zone: ZoneInfo, event: Event
) -> int:
    """After a move or a cancellation: withdraw the old reminders, tell everyone."""
    await delivery.withdraw(session, "reminder", events.reminder_prefix(event))
    audience = await events.audience_of(session, event)
    if event.status == EventStatus.CANCELLED:
        outgoing = [
            Outgoing(person, cancelled(translator.for_locale(person.locale), event, zone))
            for person in audience
        ]
    else:
        previous = await events.previous_start(session, event)
        answers = await events.answers_to(session, event)
        outgoing = [
            Outgoing(
                person,
                moved(
                    translator.for_locale(person.locale),
                    event,
                    zone,
                    previous,
                    answers.get(person.id),
                ),
            )
            for person in audience
        ]
    return await delivery.enqueue(
        session, "event-change", f"event:{event.id}:v{event.version}:{event.status}", outgoing
    )
