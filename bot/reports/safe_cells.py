"""Cells of every file the bot writes (the analysis workbook and CSV files, the recipients
of an announcement, the school directory): text from people or from imported files stays
text, never a formula a spreadsheet would run (OWASP "CSV injection").

- XLSX: a text value is written as a string cell (`data_type` "s"), whatever it starts
  with; openpyxl would otherwise make "=…" a formula and "#N/A" an error. A text starting
  with one of the trigger characters also gets Excel's quote prefix, so that editing the
  cell keeps it text. The value itself is unchanged. Characters XML cannot carry (control
  characters other than tab, newline, CR) are dropped instead of failing the whole file.
- CSV: a text starting with a trigger character gets a leading apostrophe, as OWASP
  advises; the import strips it again (`unescape`), so an exported file re-imports as is.

Numbers, dates and empty cells pass through unchanged: they stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's list).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# openpyxl's ILLEGAL_CHARACTERS_RE: XML 1.0 has no place for these.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def risky(text: str) -> bool:
    """Whether a spreadsheet would take the text for a formula."""
    return text.startswith(TRIGGERS)


def csv_text(text: str) -> str:
    """A text for a CSV field: an apostrophe before a leading trigger character."""
    return "'" + text if risky(text) else text


def unescape(text: str) -> str:
    """The text `csv_text` was given: an imported export reads back unchanged."""
    return text[1:] if text.startswith("'") and risky(text[1:]) else text


# A write-only sheet (`Workbook(write_only=True).create_sheet()`) is typed Any: openpyxl's
# `create_sheet` returns Any, and its class lives in a private module.
def xlsx_text(sheet: Any, text: str) -> Cell:
    """A string cell for a write-only sheet, never a formula nor an error value."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_ILLEGAL.sub("", text))
    cell.data_type = "s"
    if risky(text):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[Any]:
    """A row for `sheet.append`: every text a string cell, everything else as it is."""
    return [xlsx_text(sheet, value) if isinstance(value, str) else value for value in values]
