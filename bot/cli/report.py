"""`python -m bot report SURVEY_CODE --out DIR`: the regional analysis of a survey round as
an Excel workbook, CSV files and charts, for the operator (the whole region)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.cli.console import Console
from bot.cli.parsing import Commands
from bot.services.dates import parse_day
from bot.services.errors import DomainError
from bot.settings import Settings


def register(commands: Commands) -> None:
    t = commands.t
    report = commands.add("report", run)
    report.add_argument("code", metavar=t("cli-metavar-survey"), help=t("cli-help-survey-code"))
    report.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=t("cli-metavar-folder"),
        help=t("cli-help-report-out"),
    )
    number = t("cli-metavar-number")
    report.add_argument("--round", type=int, metavar=number, help=t("cli-help-report-round"))
    day = t("cli-metavar-day")
    report.add_argument("--from", dest="start", metavar=day, help=t("cli-help-report-from"))
    report.add_argument("--to", dest="end", metavar=day, help=t("cli-help-report-to"))
    report.add_argument("--anonymised", action="store_true", help=t("cli-help-report-anonymised"))


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_report(settings, args, console))


async def _report(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import operator_session
    from bot.reports import folder
    from bot.runtime import settle_after_start
    from bot.services import analytics
    from storage.types import utcnow

    settle_after_start()
    zone = settings.zone
    now = utcnow()

    def day(text: str) -> datetime:
        return datetime.combine(parse_day(text), time(), tzinfo=zone)

    try:
        end = day(args.end) + timedelta(days=1) if args.end else now
        start = day(args.start) if args.start else end - timedelta(settings.engagement_period_days)
    except DomainError as error:
        return console.refuse_error(error)
    t = console.t
    async with operator_session(settings) as session:
        try:
            report = await analytics.report(
                session,
                None,
                args.code,
                round_number=args.round,
                start=start,
                end=end,
                now=now,
                rules=settings.engagement_rules,
                divergence=settings.divergence_threshold,
                anonymised=args.anonymised,
            )
        except DomainError as error:
            return console.refuse_error(error)
    out: Path = args.out

    def write() -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        files = folder.files(report, t, t.locale, zone)
        for name, data in files:
            (out / name).write_bytes(data)
        return [out / name for name, _ in files]

    try:
        # In a worker thread: drawing the charts takes seconds.
        written = await asyncio.to_thread(write)
    except OSError:
        return console.refuse("cli-file-unwritable", file=str(args.out))
    total = report.rates.total
    share = f"{total.share:.0%}" if total.share is not None else "—"  # as the bot's cards
    console.say(
        "cli-report-summary",
        code=args.code,
        round=report.rates.round.number,
        submitted=total.submitted,
        expected=total.expected,
        share=share,
        low=len(report.engagement.low()),
    )
    console.say("cli-report-files")
    for path in written:
        console.line(str(path))
    return 0
