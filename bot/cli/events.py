"""`python -m bot events list|series|import|move|cancel`: the operator's side of meetings
and webinars."""

from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_datetime

from bot.cli.console import Console, FileProblem, local_time, read_file, refuse_file
from bot.cli.parsing import Commands
from bot.i18n import Translator
from bot.services.dates import parse_moment
from bot.services.errors import DomainError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services.event_import import EventImport
    from storage.models import Event


def register(commands: Commands) -> None:
    t = commands.t
    number = t("cli-metavar-number")
    events = commands.group("events", run)
    events.add("list")
    series = events.add("series")
    series.add_argument(
        "--link", required=True, metavar=t("cli-metavar-link"), help=t("cli-help-events-link")
    )
    series.add_argument(
        "--time", default="10:00", metavar=t("cli-metavar-time"), help=t("cli-help-events-time")
    )
    series.add_argument(
        "--duration", type=int, default=60, metavar=number, help=t("cli-help-events-duration")
    )
    importing = events.add("import")
    importing.add_argument("file", type=Path, metavar=t("cli-metavar-file"))
    importing.add_argument("--apply", action="store_true", help=t("cli-help-events-apply"))
    moving = events.add("move")
    moving.add_argument("id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-event-id"))
    moving.add_argument(
        "--to", required=True, metavar=t("cli-metavar-when"), help=t("cli-help-events-to")
    )
    events.add("cancel").add_argument(
        "id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-event-id")
    )


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_events(settings, args, console))


async def _events(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import operator_session
    from bot.services import event_import, events
    from storage.types import utcnow

    zone = settings.zone
    try:
        content = read_file(args.file) if args.action == "import" else b""
        when = parse_moment(args.to, zone) if args.action == "move" else None
    except FileProblem as problem:
        refuse_file(console, problem)
    except DomainError as error:
        return console.refuse_error(error)
    now = utcnow()
    ahead = now + timedelta(weeks=settings.meetings_ahead_weeks)
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
                    session, zone, now, weeks=settings.meetings_ahead_weeks
                )
                console.say(
                    "cli-events-series", title=series.title, time=series.local_time, created=created
                )
                # The dates as scheduled, so a meeting on a public holiday is seen now.
                upcoming = await events.upcoming(session, now, ahead, include_cancelled=True)
                scheduled = [
                    (event, events.holiday_of(event, zone, console.t.locale))
                    for event in upcoming
                    if event.series_id == series.id
                ]
                _list(console, scheduled, settings)
                on_holidays = [event for event, holiday in scheduled if holiday is not None]
                if on_holidays:
                    console.say("cli-events-holidays", count=len(on_holidays))
            elif args.action == "list":
                upcoming = await events.upcoming(session, now, ahead, include_cancelled=True)
                listed = [(e, events.holiday_of(e, zone, console.t.locale)) for e in upcoming]
                _list(console, listed, settings)
            elif args.action == "import":
                preview = await event_import.preview(session, args.file.name, content, zone, now)
                if not _shown(console, preview, settings):
                    return console.refuse("cli-import-has-errors")
                if not args.apply:
                    console.say("cli-events-import-dry-run", count=len(preview.webinars))
                    return 0
                await event_import.apply(session, args.file.name, content, zone, now)
                console.say("cli-events-imported", count=len(preview.webinars))
            elif args.action in ("move", "cancel"):
                # The audience is told through the outbox; rendering the notices is the
                # only part of the operator's commands that loads aiogram (keyboards).
                from bot.notices import change_notice

                notice = change_notice(Translator(settings.default_locale), zone)
                if when is not None:
                    changed = await events.move(
                        session,
                        None,
                        args.id,
                        when,
                        now,
                        notice=notice,
                        reminder_offsets=settings.reminder_offsets,
                    )
                    console.say(
                        "cli-events-moved",
                        id=changed.event.id,
                        when=local_time(when, settings),
                        told=changed.told,
                    )
                else:
                    changed = await events.cancel(session, None, args.id, notice=notice)
                    console.say("cli-events-cancelled", id=changed.event.id, told=changed.told)
        except DomainError as error:
            return console.refuse_error(error)
    return 0


def _list(console: Console, found: Sequence[tuple[Event, str | None]], settings: Settings) -> None:
    """Meetings and webinars a line each, with the public holiday one falls on."""
    t = console.t
    if not found:
        console.say("cli-events-none", weeks=settings.meetings_ahead_weeks)
    for event, holiday in found:
        when = format_datetime(
            event.starts_at.astimezone(settings.zone), "EEE dd.MM.yyyy HH:mm", locale=t.locale
        )
        # StrEnum: the status compares with its value, and the models stay unloaded here.
        cancelled = t("cli-event-cancelled-mark") if event.status == "cancelled" else ""
        console.say(
            "cli-events-line",
            id=event.id,
            when=when,
            cancelled=cancelled,
            kind=t(f"cli-event-kind-{event.kind}"),
            title=event.title,
            holiday=t("cli-event-holiday-mark", holiday=holiday) if holiday else "",
        )


def _shown(console: Console, preview: EventImport, settings: Settings) -> bool:
    """The webinars a file would add, and every problem of a row; False when it has any."""
    t = console.t
    for row in preview.webinars:
        console.say(
            "cli-events-import-row",
            row=row.row,
            title=row.title,
            when=local_time(row.starts_at, settings),
        )
    problems: dict[int, list[str]] = defaultdict(list)
    for error in preview.errors:
        problems[error.row].append(t(f"import-row-{error.reason}", value=error.value))
    for row_number, reasons in sorted(problems.items()):
        console.refuse("import-error-line", row=row_number, reason="; ".join(reasons))
    return not preview.errors
