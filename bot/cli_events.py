"""`python -m bot events ...`: the operator's side of meetings and webinars."""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import timedelta

from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import Console, FileProblem, local_time, operator_session, read_file, refuse_file
from bot.services import event_import, events
from bot.services.dates import parse_moment
from bot.services.errors import DomainError
from bot.settings import Settings
from storage.models import Event, EventStatus
from storage.types import utcnow


async def run_events(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    zone = settings.zone
    try:
        content = read_file(args.file) if args.action == "import" else b""
        when = parse_moment(args.to, zone) if args.action == "move" else None
    except FileProblem as problem:
        refuse_file(console, problem)
    except DomainError as error:
        return console.refuse_error(error)
    async with operator_session(settings) as session:
        try:
            if args.action == "series":
                series = await events.save_series(
                    session,
                    link=args.link,
                    local_time=args.time,
                    duration_minutes=args.duration,
                )
                created = await events.materialise(
                    session, zone, utcnow(), weeks=settings.meetings_ahead_weeks
                )
                console.say(
                    "cli-events-series", title=series.title, time=series.local_time, created=created
                )
                # The dates as scheduled, so a meeting on a public holiday is seen now.
                scheduled = [
                    event
                    for event in await _upcoming(session, settings)
                    if event.series_id == series.id
                ]
                _list(console, scheduled, settings)
                on_holidays = [e for e in scheduled if events.holiday_of(e, zone) is not None]
                if on_holidays:
                    console.say("cli-events-holidays", count=len(on_holidays))
            elif args.action == "list":
                _list(console, await _upcoming(session, settings), settings)
            elif args.action == "import":
                return await _import(session, settings, args, content, console)
            elif args.action in ("move", "cancel"):
                # The audience is told through the outbox; rendering the notices is the
                # only part of the operator's commands that loads aiogram (keyboards).
                from bot.i18n import Translator
                from bot.notices import tell_audience_of_change

                if when is not None:
                    changed = await events.move(
                        session,
                        None,
                        args.id,
                        when,
                        utcnow(),
                        reminder_offsets=settings.reminder_offsets,
                    )
                else:
                    changed = await events.cancel(session, None, args.id)
                told = await tell_audience_of_change(
                    session, Translator(settings.default_locale), zone, changed
                )
                if when is not None:
                    console.say(
                        "cli-events-moved",
                        id=changed.id,
                        when=local_time(when, settings),
                        told=told,
                    )
                else:
                    console.say("cli-events-cancelled", id=changed.id, told=told)
        except DomainError as error:
            return console.refuse_error(error)
    return 0


async def _upcoming(session: AsyncSession, settings: Settings) -> list[Event]:
    now = utcnow()
    until = now + timedelta(weeks=settings.meetings_ahead_weeks)
    return list(await events.upcoming(session, now, until, include_cancelled=True))


def _list(console: Console, found: list[Event], settings: Settings) -> None:
    t = console.t
    if not found:
        console.say("cli-events-none", weeks=settings.meetings_ahead_weeks)
    for event in found:
        when = format_datetime(
            event.starts_at.astimezone(settings.zone), "EEE dd.MM.yyyy HH:mm", locale=t.locale
        )
        cancelled = t("cli-event-cancelled-mark") if event.status == EventStatus.CANCELLED else ""
        holiday = events.holiday_of(event, settings.zone, t.locale)
        console.say(
            "cli-events-line",
            id=event.id,
            when=when,
            cancelled=cancelled,
            kind=t(f"cli-event-kind-{event.kind}"),
            title=event.title,
            holiday=t("cli-event-holiday-mark", holiday=holiday) if holiday else "",
        )


async def _import(
    session: AsyncSession,
    settings: Settings,
    args: argparse.Namespace,
    content: bytes,
    console: Console,
) -> int:
    t = console.t
    result = await event_import.preview(session, args.file.name, content, settings.zone, utcnow())
    for row in result.webinars:
        console.say(
            "cli-events-import-row",
            row=row.row,
            title=row.title,
            when=local_time(row.starts_at, settings),
        )
    problems: dict[int, list[str]] = defaultdict(list)
    for error in result.errors:
        problems[error.row].append(t(f"import-row-{error.reason}", value=error.value))
    for row_number, reasons in sorted(problems.items()):
        console.refuse("import-error-line", row=row_number, reason="; ".join(reasons))
    if result.errors:
        return console.refuse("cli-import-has-errors")
    if not args.apply:
        console.say("cli-events-import-dry-run", count=len(result.webinars))
        return 0
    await event_import.apply(session, args.file.name, content, settings.zone, utcnow())
    console.say("cli-events-imported", count=len(result.webinars))
    return 0
