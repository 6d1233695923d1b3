"""Checks that a produced spreadsheet carries no formula: every cell written from text is
a string, and a text a spreadsheet would run is neutralised."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_texts(content: bytes) -> list[str]:
    """Every text cell of every sheet; fails on a formula, an error value or a risky text
    without Excel's quote prefix."""
    book = load_workbook(io.BytesIO(content))  # not read-only: styles are read too
    texts: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate}"
                assert cell.data_type not in ("f", "e"), f"{where}: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", where
                    if cell.value.startswith(TRIGGERS):
                        assert cell.quotePrefix, f"{where}: {cell.value!r} is not quoted"
                    texts.append(cell.value)
    return texts


def csv_fields(content: bytes, delimiter: str = ";") -> list[str]:
    """Every field of a CSV file; fails on a field a spreadsheet would take for a formula
    (a number such as -0.5 is a number, not a formula)."""
    fields: list[str] = []
    text = content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for field in row:
            if field.startswith(TRIGGERS):
                assert _number(field), f"a formula in the CSV: {field!r}"
            fields.append(field)
    return fields


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def has_text(texts: list[str], wanted: str) -> bool:
    """Whether a hostile value survived (unchanged in XLSX, apostrophe-prefixed in CSV)."""
    return wanted in texts or "'" + wanted in texts
