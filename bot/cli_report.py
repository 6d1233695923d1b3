"""`python -m bot report SURVEY_CODE --out DIR`: the regional analysis of a survey round as
an Excel workbook, CSV files and charts, for the operator (the whole region)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import Console, operator_session
from bot.reports import analysis as report_files
from bot.reports import charts
from bot.services import analytics
from bot.services.dates import parse_day
from bot.services.errors import DomainError
from bot.settings import Settings
from storage.types import utcnow


async def run_report(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.runtime import settle_after_start

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
    locale = t.locale
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
    try:
        written = await asyncio.to_thread(write_files, report, args.out, t, locale, zone)
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


def write_files(
    report: analytics.Report, out: Path, t: report_files.Translate, locale: str, zone: ZoneInfo
) -> list[Path]:
    """The workbook, a CSV file per sheet and the charts, named after the survey's round."""
    out.mkdir(parents=True, exist_ok=True)
    tables = report_files.tables(report, t, locale, zone)
    chosen = report.rates.round
    name = f"{chosen.code}-round{chosen.number}"
    files = [(f"{name}.xlsx", report_files.workbook(tables))]
    files += [(f"{name}-{table.slug}.csv", report_files.csv_file(table)) for table in tables]
    files += [(f"{name}-{picture}", data) for picture, data in _charts(report, t, locale)]
    for file_name, data in files:
        (out / file_name).write_bytes(data)
    return [out / file_name for file_name, _ in files]


def _charts(
    report: analytics.Report, t: report_files.Translate, locale: str
) -> list[tuple[str, bytes]]:
    pictures = []
    with contextlib.suppress(LookupError):  # nobody in the scope can answer the survey
        rates = charts.response_rates(report.rates, report.places, t, locale)
        pictures.append(("rates.png", rates.png()))
    with contextlib.suppress(LookupError):  # no school was asked anything in the period
        ranking = charts.engagement_ranking(report.engagement, report.places, t)
        pictures.append(("engagement.png", ranking.png()))
    for question in report.rates.round.definition.questions:
        try:
            picture = charts.question(report.distributions, question.id, report.places, t, locale)
        except LookupError:
            continue  # free text, or nobody answered it
        pictures.append((f"question-{question.id}.png", picture.png()))
    return pictures
