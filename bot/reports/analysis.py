"""The analysis as tables, and the tables as an Excel workbook (one sheet per view) and CSV
files. One description of each table serves both formats, so they never disagree.

Words come from the locales through `t` (a `Localizer`); numbers stay numbers (shares as
fractions formatted as percentages), so that the workbook can be sorted and summed. Text
(answers, names of schools and people) goes through `bot.reports.safe_cells`: never a
formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.reports import safe_cells
from bot.services.analytics import (
    COMPONENTS,
    Component,
    Distribution,
    Report,
    SchoolEngagement,
)
from bot.services.survey_definitions import Question
from bot.views import shorten

Translate = Callable[..., str]
Kind = Literal["text", "int", "percent", "number", "datetime"]
Cell = str | int | float | datetime | None

_FORMATS: dict[Kind, str] = {
    "text": "@",
    "int": "0",
    "percent": "0.0%",
    "number": "0.00",
    "datetime": "DD.MM.YYYY HH:MM",
}


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV file's name
    title: str  # the sheet's name (Excel allows 31 characters)
    columns: list[Column]
    rows: list[tuple[Cell, ...]]


def tables(report: Report, t: Translate, locale: str, zone: ZoneInfo) -> list[Table]:
    """Every view of the report, in the order of the workbook's sheets."""
    result = [
        _parameters(report, t, locale, zone),
        _rates_by_municipality(report, t),
        _rates_by_school(report, t, zone),
        _distributions(report, t, locale),
        _texts(report, t, locale),
        _engagement(report, t),
        _low_engagement(report, t),
    ]
    if report.comparison is not None:
        result.append(_comparison(report, t, locale))
    result.append(_rounds(report, t, locale))
    return result


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    # Excel has no time zones: the local time, without one.
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _parameters(report: Report, t: Translate, locale: str, zone: ZoneInfo) -> Table:
    chosen = report.rates.round
    engagement = report.engagement
    scope = (
        report.places.municipality(report.places.municipality_id)
        if report.places.municipality_id
        else t("analysis-region")
    )
    weights = ", ".join(
        t(f"analysis-component-{name}") + f" {engagement.rules.weights.get(name, 0):g}"
        for name in COMPONENTS
    )
    rows: list[tuple[Cell, ...]] = [
        (t("analysis-param-survey"), chosen.definition.title.get(locale)),
        (t("analysis-param-code"), chosen.code),
        (t("analysis-param-round"), chosen.number),
        (t("analysis-param-window"), _window(chosen.opens_at, chosen.closes_at, zone)),
        (t("analysis-param-scope"), scope),
        (t("analysis-param-period"), _window(engagement.start, engagement.end, zone)),
        (t("analysis-param-weights"), weights),
        (t("analysis-param-threshold"), engagement.rules.threshold),
        (t("analysis-param-anonymised"), t("analysis-yes" if report.anonymised else "analysis-no")),
    ]
    columns = [
        Column(t("analysis-col-parameter"), width=34),
        Column(t("analysis-col-value"), width=60),
    ]
    return Table("parameters", t("analysis-sheet-parameters"), columns, rows)


def _window(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> str:
    def day(moment: datetime | None) -> str:
        return f"{moment.astimezone(zone):%d.%m.%Y %H:%M}" if moment else "—"

    return f"{day(start)} — {day(end)}"


def _rate_columns(t: Translate) -> list[Column]:
    return [
        Column(t("analysis-col-expected"), "int", 11),
        Column(t("analysis-col-submitted"), "int", 11),
        Column(t("analysis-col-in-progress"), "int", 11),
        Column(t("analysis-col-not-started"), "int", 11),
        Column(t("analysis-col-rate"), "percent", 11),
    ]


def _rates_by_municipality(report: Report, t: Translate) -> Table:
    rates = report.rates
    rows: list[tuple[Cell, ...]] = []
    for municipality in report.places.ordered_municipalities():
        rate = rates.municipalities.get(municipality.id)
        if rate is not None:
            rows.append(
                (
                    municipality.name,
                    rate.expected,
                    rate.submitted,
                    rate.in_progress,
                    rate.not_started,
                    rate.share,
                    rate.unattended,
                )
            )
    total = rates.total
    rows.append(
        (
            t("analysis-total"),
            total.expected,
            total.submitted,
            total.in_progress,
            total.not_started,
            total.share,
            total.unattended,
        )
    )
    columns = [
        Column(t("analysis-col-municipality"), width=30),
        *_rate_columns(t),
        Column(t("analysis-col-unattended"), "int", 14),
    ]
    return Table("rates_municipalities", t("analysis-sheet-rates-municipalities"), columns, rows)


def _rates_by_school(report: Report, t: Translate, zone: ZoneInfo) -> Table:
    deadline = _local(report.rates.round.closes_at, zone)
    columns = [
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-school-code"), width=10),
        Column(t("analysis-col-school"), width=40),
        *_rate_columns(t),
        Column(t("analysis-col-submitted-at"), "datetime", 17),
        Column(t("analysis-col-deadline"), "datetime", 17),
    ]
    if not report.anonymised:
        columns.append(Column(t("analysis-col-respondents"), width=36))
    rows: list[tuple[Cell, ...]] = []
    for row in report.rates.schools:
        rate = row.rate
        cells: tuple[Cell, ...] = (
            report.places.municipality(row.school.municipality_id),
            row.school.code,
            row.school.short_name,
            rate.expected,
            rate.submitted,
            rate.in_progress,
            rate.not_started,
            rate.share,
            _local(row.submitted_at, zone),
            deadline,
        )
        if not report.anonymised:
            cells += ("; ".join(row.respondents),)
        rows.append(cells)
    return Table("rates_schools", t("analysis-sheet-rates-schools"), columns, rows)


def option_label(question: Question, option_id: str, t: Translate, locale: str) -> str:
    if question.type == "yes_no":
        return t("analysis-yes" if option_id == "yes" else "analysis-no")
    for option in question.options:
        if option.id == option_id:
            return option.label.get(locale)
    return option_id


def _distributions(report: Report, t: Translate, locale: str) -> Table:
    columns = [
        Column(t("analysis-col-question"), width=50),
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-answered"), "int", 11),
        Column(t("analysis-col-option"), width=30),
        Column(t("analysis-col-count"), "int", 11),
        Column(t("analysis-col-share"), "percent", 10),
        Column(t("analysis-col-mean"), "number", 10),
        Column(t("analysis-col-median"), "number", 10),
        Column(t("analysis-col-stdev"), "number", 10),
        Column(t("analysis-col-min"), "number", 9),
        Column(t("analysis-col-max"), "number", 9),
    ]
    rows: list[tuple[Cell, ...]] = []
    for item in report.distributions.questions:
        place = (
            report.places.municipality(item.municipality_id)
            if item.municipality_id
            else t("analysis-total")
        )
        head: tuple[Cell, ...] = (item.question.text.get(locale), place, item.answered)
        rows += _distribution_rows(item, head, t, locale)
    return Table("distributions", t("analysis-sheet-distributions"), columns, rows)


def _distribution_rows(
    item: Distribution, head: tuple[Cell, ...], t: Translate, locale: str
) -> list[tuple[Cell, ...]]:
    question = item.question
    if question.type in ("scale", "number"):
        stats = item.stats
        if stats is None:
            return [(*head, None, None, None, None, None, None, None, None)]
        return [
            (
                *head,
                None,
                stats.count,
                None,
                stats.mean,
                stats.median,
                stats.stdev,
                stats.minimum,
                stats.maximum,
            )
        ]
    options = ["yes", "no"] if question.type == "yes_no" else question.option_ids()
    return [
        (
            *head,
            option_label(question, option, t, locale),
            item.options.get(option, 0),
            item.share(option),
            None,
            None,
            None,
            None,
            None,
        )
        for option in options
    ]


def _texts(report: Report, t: Translate, locale: str) -> Table:
    columns = [
        Column(t("analysis-col-question"), width=40),
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-school"), width=36),
    ]
    if not report.anonymised:
        columns.append(Column(t("analysis-col-author"), width=30))
    columns.append(Column(t("analysis-col-text"), width=80))
    rows: list[tuple[Cell, ...]] = []
    for question, municipality_id, school, author, text in report.distributions.texts:
        place = report.places.municipality(municipality_id)
        cells: tuple[Cell, ...] = (question.text.get(locale), place, school or "—")
        if not report.anonymised:
            cells += (author or "—",)
        rows.append((*cells, text))
    return Table("texts", t("analysis-sheet-texts"), columns, rows)


def component_summary(item: SchoolEngagement, names: Sequence[str], t: Translate) -> str:
    """«опросы 0 из 2, совещания и вебинары 1 из 4»."""
    return ", ".join(
        t(
            "analysis-component-of",
            component=t(f"analysis-component-{name}"),
            done=item.components[name].done,
            expected=item.components[name].expected,
        )
        for name in names
    )


def _share(component: Component | None) -> float | None:
    return component.value if component else None


def _engagement(report: Report, t: Translate) -> Table:
    threshold = report.engagement.rules.threshold
    columns = [
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-school-code"), width=10),
        Column(t("analysis-col-school"), width=40),
        Column(t("analysis-col-index"), "number", 10),
        *[Column(t(f"analysis-component-{name}"), "percent", 14) for name in COMPONENTS],
        Column(t("analysis-col-low"), width=10),
        Column(t("analysis-col-pulls-down"), width=50),
    ]
    rows: list[tuple[Cell, ...]] = []
    for item in report.engagement.schools:
        low = item.index is not None and item.index < threshold
        rows.append(
            (
                report.places.municipality(item.school.municipality_id),
                item.school.code,
                item.school.short_name,
                item.index,
                *[_share(item.components.get(name)) for name in COMPONENTS],
                t("analysis-yes") if low else "",
                component_summary(item, item.weak(threshold), t),
            )
        )
    return Table("engagement", t("analysis-sheet-engagement"), columns, rows)


def _low_engagement(report: Report, t: Translate) -> Table:
    threshold = report.engagement.rules.threshold
    columns = [
        Column(t("analysis-col-place"), "int", 7),
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-school"), width=40),
        Column(t("analysis-col-index"), "number", 10),
        Column(t("analysis-col-pulls-down"), width=60),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            place,
            report.places.municipality(item.school.municipality_id),
            item.school.short_name,
            item.index,
            component_summary(item, item.weak(threshold), t),
        )
        for place, item in enumerate(report.engagement.low(), start=1)
    ]
    return Table("low_engagement", t("analysis-sheet-low"), columns, rows)


def _comparison(report: Report, t: Translate, locale: str) -> Table:
    comparison = report.comparison
    assert comparison is not None
    columns = [
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-school"), width=36),
        Column(t("analysis-col-question"), width=44),
        Column(t("analysis-col-directors"), width=18),
        Column(t("analysis-col-curators"), width=18),
        Column(t("analysis-col-gap"), "percent", 10),
        Column(t("analysis-col-flagged"), width=12),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            report.places.municipality(d.school.municipality_id),
            d.school.short_name,
            d.question.text.get(locale),
            _answer(d.question, d.left, t, locale),
            _answer(d.question, d.right, t, locale),
            d.gap,
            t("analysis-yes") if d.flagged else "",
        )
        for d in comparison.schools
    ]
    return Table("directors_curators", t("analysis-sheet-comparison"), columns, rows)


def _answer(question: Question, value: float, t: Translate, locale: str) -> Cell:
    """A mean answer as a reader takes it: the nearest option's label, or the number."""
    if question.type == "single":
        options = question.option_ids()
        return option_label(question, options[min(round(value), len(options) - 1)], t, locale)
    if question.type == "yes_no":
        return f"{value:.0%} {t('analysis-yes')}"
    return round(value, 2)


def _rounds(report: Report, t: Translate, locale: str) -> Table:
    view = report.rounds
    numbers = [r.number for r in view.rounds]
    columns = [
        Column(t("analysis-col-municipality"), width=24),
        Column(t("analysis-col-indicator"), width=44),
        *[Column(t("analysis-col-round", number=n), "number", 11) for n in numbers],
        Column(t("analysis-col-change"), "number", 11),
    ]
    places: list[tuple[int | None, str]] = [(None, t("analysis-total"))]
    places += [(m.id, m.name) for m in report.places.ordered_municipalities()]
    rows: list[tuple[Cell, ...]] = []
    for municipality_id, name in places:
        shares = []
        for n in numbers:
            rates = view.rates[n]
            rate = (
                rates.total
                if municipality_id is None
                else rates.municipalities.get(municipality_id)
            )
            shares.append(rate.share if rate else None)
        rows.append((name, t("analysis-col-rate"), *shares, _change(shares)))
        for question in view.questions:
            means = [view.means.get((n, municipality_id, question.id)) for n in numbers]
            if any(m is not None for m in means):
                rows.append((name, question.text.get(locale), *means, _change(means)))
    return Table("rounds", t("analysis-sheet-rounds"), columns, rows)


def _change(values: Sequence[float | None]) -> float | None:
    """The last round against the one before it."""
    if len(values) < 2 or values[-1] is None or values[-2] is None:
        return None
    return values[-1] - values[-2]


# -- files ---------------------------------------------------------------------------------------


def workbook(sheets: Sequence[Table]) -> bytes:
    """One sheet per table: a bold frozen header with filters, numbers formatted as numbers
    and percentages, widths that fit. Written streaming, so a large region stays small."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for table in sheets:
        sheet = book.create_sheet(shorten(table.title, 31))
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        header = []
        for column in table.columns:
            cell = safe_cells.xlsx_text(sheet, column.title)
            cell.font, cell.alignment = bold, wrap
            header.append(cell)
        sheet.append(header)
        formats = [_FORMATS[column.kind] for column in table.columns]
        numeric = [column.kind != "text" for column in table.columns]
        for row in table.rows:
            cells: list[Any] = []
            for value, number_format, is_number in zip(row, formats, numeric, strict=True):
                if isinstance(value, str):
                    cells.append(safe_cells.xlsx_text(sheet, value))
                elif is_number and value is not None:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with a BOM: what Excel in a Russian locale opens as is.
    Shares are written as fractions (0.5), times as local "DD.MM.YYYY HH:MM"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cells.csv_text(column.title) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, str):
        return safe_cells.csv_text(value)
    return str(value)


def csv_archive(sheets: Sequence[Table]) -> bytes:
    """Every table as a CSV file in one zip: one document in chat instead of nine."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in sheets:
            archive.writestr(f"{table.slug}.csv", csv_file(table))
    return buffer.getvalue()
