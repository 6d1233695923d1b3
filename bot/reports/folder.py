"""The whole analysis of a survey round as named files: the workbook, a CSV file per sheet
and the charts, named after the survey's round (`python -m bot report` writes them)."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

from bot.reports import analysis, charts
from bot.services.analytics import Report


def files(
    report: Report, t: analysis.Translate, locale: str, zone: ZoneInfo
) -> list[tuple[str, bytes]]:
    """(file name, content) of every file, the workbook first."""
    tables = analysis.tables(report, t, locale, zone)
    chosen = report.rates.round
    name = f"{chosen.code}-round{chosen.number}"
    found = [(f"{name}.xlsx", analysis.workbook(tables))]
    found += [(f"{name}-{table.slug}.csv", analysis.csv_file(table)) for table in tables]
    found += [(f"{name}-{picture}", data) for picture, data in _charts(report, t, locale)]
    return found


def _charts(report: Report, t: analysis.Translate, locale: str) -> list[tuple[str, bytes]]:
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
