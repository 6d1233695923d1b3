"""`python -m bot report SURVEY_CODE --out DIR`: the regional analysis of a survey round as
an Excel workbook, CSV files and charts, for the operator (the whole region)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import charts
from bot import report as report_files
from bot.cli import operator_session
from bot.i18n import Translator
from bot.runtime import settle_after_start
from bot.services import analytics
from bot.services.errors import DomainError
from bot.settings import SUPPORTED_LOCALES, Settings
from storage.types import utcnow


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="the analysis of a survey: Excel workbook, CSV files, charts"
    )
    report.add_argument("code", metavar="SURVEY_CODE")
    report.add_argument("--out", type=Path, required=True, help="the folder to write into")
    report.add_argument("--round", type=int, help="the round (default: the latest)")
    report.add_argument("--from", dest="start", help='engagement period start "DD.MM.YYYY"')
    report.add_argument("--to", dest="end", help='engagement period end "DD.MM.YYYY" (incl.)')
    report.add_argument("--anonymised", action="store_true", help="no names of people")
    report.add_argument("--locale", choices=SUPPORTED_LOCALES, help="default: DEFAULT_LOCALE")


async def run_report(settings: Settings, args: argparse.Namespace) -> int:
    settle_after_start()
    zone = settings.zone
    now = utcnow()

    def day(text: str) -> datetime:
        return datetime.strptime(text, "%d.%m.%Y").replace(tzinfo=zone)

    try:
        end = day(args.end) + timedelta(days=1) if args.end else now
        start = day(args.start) if args.start else end - timedelta(settings.engagement_period_days)
    except ValueError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 1
    locale = args.locale or settings.default_locale
    t = Translator(settings.default_locale).for_locale(locale)
    async with operator_session(settings) as session:
        try:
            report = await analytics.report(
                session, None, args.code, round_number=args.round, start=start, end=end,
                now=now, rules=settings.engagement_rules,
                divergence=settings.divergence_threshold, anonymised=args.anonymised,
            )  # fmt: skip
        except DomainError as error:
            print(f"Refused: {error.reason}", file=sys.stderr)
            return 1
    written = await asyncio.to_thread(write_files, report, args.out, t, locale, zone)
    total = report.rates.total
    share = f"{total.share:.0%}" if total.share is not None else "—"
    print(f"{args.code}, round {report.rates.round.number}: {total.submitted} of "
          f"{total.expected} submitted ({share}); low-engagement schools: "
          f"{len(report.engagement.low())}")  # fmt: skip
    for path in written:
        print(path)
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


def _charts(report: analytics.Report, t: report_files.Translate, locale: str
            ) -> list[tuple[str, bytes]]:  # fmt: skip
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
