"""`python -m bot events ...`: the operator's side of meetings and webinars."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import _plain, operator_session
from bot.i18n import Translator
from bot.notices import tell_audience_of_change
from bot.services import event_import, events
from bot.services.errors import DomainError
from bot.services.school_import import ImportFileError
from bot.settings import Settings
from bot.views import error_text
from storage.types import utcnow


async def run_events(settings: Settings, args: argparse.Namespace) -> int:
    translator = Translator(settings.default_locale)
    zone = settings.zone
    async with operator_session(settings) as session:
        try:
            if args.action == "series":
                series = await events.save_series(
                    session, link=args.link, local_time=args.time,
                    duration_minutes=args.duration,
                )  # fmt: skip
                created = await events.materialise(
                    session, zone, utcnow(), weeks=settings.meetings_ahead_weeks
                )
                print(f"«{series.title}»: {series.days} at {series.local_time}; "
                      f"{created} new occurrences scheduled")  # fmt: skip
            elif args.action == "list":
                now = utcnow()
                until = now + timedelta(weeks=settings.meetings_ahead_weeks)
                for event in await events.upcoming(session, now, until, include_cancelled=True):
                    when = event.starts_at.astimezone(zone)
                    print(f"{event.id:>5}  {when:%a %d.%m.%Y %H:%M}  {event.kind:<8} "
                          f"{event.status:<10} {event.title}")  # fmt: skip
            elif args.action == "import":
                return await _import(session, settings, args)
            elif args.action == "move":
                when = datetime.strptime(args.to, "%d.%m.%Y %H:%M").replace(tzinfo=zone)
                moved = await events.move(session, None, args.id, when, utcnow())
                told = await tell_audience_of_change(session, translator, zone, moved)
                print(f"Moved event {moved.id} to {when:%d.%m.%Y %H:%M}; {told} people told")
            elif args.action == "cancel":
                cancelled = await events.cancel(session, None, args.id)
                told = await tell_audience_of_change(session, translator, zone, cancelled)
                print(f"Cancelled event {cancelled.id}; {told} people told")
        except DomainError as error:
            print(f"Refused: {error.reason}", file=sys.stderr)
            return 1
        except ValueError as error:
            print(f"Refused: {error}", file=sys.stderr)
            return 1
    return 0


async def _import(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    content = args.file.read_bytes()
    t = Translator(settings.default_locale).for_locale(settings.default_locale)
    try:
        result = await event_import.preview(
            session, args.file.name, content, settings.zone, utcnow()
        )
    except ImportFileError as refused:  # the whole file: which limit or format, in words
        print(_plain(error_text(t, refused)), file=sys.stderr)
        return 1
    for row in result.webinars:
        print(f"row {row.row}: {row.starts_at.astimezone(settings.zone):%d.%m.%Y %H:%M} "
              f"{row.title}")  # fmt: skip
    for error in result.errors:
        reason = t(f"import-row-{error.reason}", value=error.value)
        print(f"row {error.row}: {reason}", file=sys.stderr)
    if result.errors:
        print("Nothing written: fix the errors first.", file=sys.stderr)
        return 1
    if not args.apply:
        print(f"{len(result.webinars)} webinars; run again with --apply to create them.")
        return 0
    await event_import.apply(session, args.file.name, content, settings.zone, utcnow())
    print(f"Created {len(result.webinars)} webinars.")
    return 0
