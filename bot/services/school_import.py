"""Import and export of the school directory (CSV or XLSX). See docs/schools-import.md.

A file is first previewed (nothing written), then applied in one transaction. The school
code identifies a school across imports, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import PurePath

from sqlalchemy.ext.asyncio import AsyncSession

from bot import safe_cells
from bot.services import audit
from bot.services.directory import MunicipalityMatcher, matcher, school_search_text
from bot.services.errors import DomainError
from storage.models import Participant, School
from storage.repositories.directory import MunicipalityRepository, SchoolRepository

MAX_ROWS = 10_000
MAX_FILE_BYTES = 10 * 1024 * 1024
COLUMNS = ("code", "municipality", "full_name", "short_name", "programmes")
HEADERS = {
    "code": ("code", "код", "код школы", "код оо"),
    "municipality": ("municipality", "муниципалитет", "район", "муниципальное образование"),
    "full_name": ("full_name", "полное наименование", "наименование", "школа"),
    "short_name": ("short_name", "краткое наименование", "сокращённое наименование",
                   "сокращенное наименование"),
    "programmes": ("programmes", "программы", "проекты"),
}  # fmt: skip
REQUIRED = ("code", "municipality", "full_name")
# Export headers: Russian, as the region's spreadsheets have them; import reads both.
EXPORT_HEADERS = ("Код", "Муниципалитет", "Полное наименование", "Краткое наименование",
                  "Программы")  # fmt: skip


class ImportFileError(DomainError):
    """The whole file cannot be read (format, encoding, columns)."""


@dataclass(frozen=True)
class SchoolRow:
    row: int
    code: str
    municipality_id: int
    municipality: str
    full_name: str
    short_name: str
    programmes: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str  # unknown-municipality, empty-name, empty-code, duplicate-code, too-long
    value: str = ""


@dataclass
class ImportPreview:
    new: list[SchoolRow] = field(default_factory=list)
    updated: list[SchoolRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def can_apply(self) -> bool:
        return not self.errors and bool(self.new or self.updated)


def read_rows(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    return read_table(filename, content, HEADERS, REQUIRED)


def read_table(
    filename: str,
    content: bytes,
    headers: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> list[tuple[int, dict[str, str]]]:
    """(row number as the user sees it, values by column) for every non-empty row of a
    CSV or XLSX file whose first row names the columns (`headers`: name → accepted titles)."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError("import-too-large")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_rows(content)
    elif suffix in (".csv", ".txt"):
        table = _csv_rows(content)
    else:
        raise ImportFileError("import-format")
    try:
        header = next(table)
    except StopIteration:
        raise ImportFileError("import-empty") from None
    columns = _map_header(header, headers, required)
    rows = []
    for number, values in enumerate(table, start=2):
        if not any(value.strip() for value in values):
            continue
        rows.append((number, {name: _cell(values, index) for name, index in columns.items()}))
        if len(rows) > MAX_ROWS:
            raise ImportFileError("import-too-many-rows", limit=MAX_ROWS)
    if not rows:
        raise ImportFileError("import-empty")
    return rows


def _cell(values: list[str], index: int) -> str:
    # The apostrophe our own export puts before a would-be formula is not the school's.
    return safe_cells.unescape(" ".join(values[index].split())) if index < len(values) else ""


def _map_header(
    header: list[str], headers: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, int]:
    wanted = {alias: name for name, aliases in headers.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = wanted.get(" ".join(title.casefold().replace("ё", "е").split()))
        name = name or wanted.get(" ".join(title.casefold().split()))
        if name and name not in columns:
            columns[name] = index
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFileError("import-columns", missing=", ".join(missing))
    return columns


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportFileError("import-encoding", row=line) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=";,\t"
        )
    except csv.Error:
        dialect = csv.excel
    return iter(list(csv.reader(io.StringIO(text), dialect)))


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("import-format") from None
    sheet = workbook.worksheets[0]
    rows = [
        ["" if value is None else _xlsx_text(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return iter(rows)


def _xlsx_text(value: object) -> str:
    # A numeric code typed into Excel comes back as 47001.0, a date as a datetime.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y") if value.time() == time() else value.isoformat(" ")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _programmes(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in re.split(r"[,;|]", text):
        if part.strip():
            seen[" ".join(part.split())] = None
    return tuple(seen)


async def preview(session: AsyncSession, filename: str, content: bytes) -> ImportPreview:
    """What applying the file would change; nothing is written."""
    rows = read_rows(filename, content)
    return await _compare(session, rows, await matcher(session))


async def _compare(
    session: AsyncSession, rows: list[tuple[int, dict[str, str]]], names: MunicipalityMatcher
) -> ImportPreview:
    result = ImportPreview()
    parsed: list[SchoolRow] = []
    seen_codes: dict[str, int] = {}
    for number, values in rows:
        code = values.get("code", "")
        full_name = values.get("full_name", "")
        municipality = names.match(values.get("municipality", ""))
        errors = []
        if not code:
            errors.append(RowError(number, "empty-code"))
        elif code in seen_codes:
            errors.append(RowError(number, "duplicate-code", f"{code} ({seen_codes[code]})"))
        elif len(code) > 32:
            errors.append(RowError(number, "too-long", code[:40]))
        if not full_name:
            errors.append(RowError(number, "empty-name"))
        elif len(full_name) > 500:
            errors.append(RowError(number, "too-long", full_name[:40]))
        if municipality is None:
            errors.append(RowError(number, "unknown-municipality", values.get("municipality", "")))
        if code and code not in seen_codes:
            seen_codes[code] = number
        if errors or municipality is None:
            result.errors.extend(errors)
            continue
        short_name = (values.get("short_name") or full_name)[:200]
        parsed.append(
            SchoolRow(number, code, municipality.id, municipality.short_name, full_name,
                      short_name, _programmes(values.get("programmes", "")))
        )  # fmt: skip
    existing = await SchoolRepository(session).by_codes([row.code for row in parsed])
    for row in parsed:
        school = existing.get(row.code)
        if school is None:
            result.new.append(row)
        elif (
            school.municipality_id,
            school.full_name,
            school.short_name,
            tuple(school.programmes),
            school.archived_at,
        ) != (row.municipality_id, row.full_name, row.short_name, row.programmes, None):
            result.updated.append(row)
        else:
            result.unchanged += 1
    return result


async def apply(
    session: AsyncSession, actor: Participant | None, filename: str, content: bytes
) -> ImportPreview:
    """Re-reads the file and writes it in one transaction; refuses a file with errors."""
    result = await preview(session, filename, content)
    if result.errors:
        raise DomainError("import-has-errors", count=len(result.errors))
    existing = await SchoolRepository(session).by_codes([row.code for row in result.updated])
    for row in result.new:
        session.add(School(code=row.code, **_fields(row)))
    for row in result.updated:
        school = existing[row.code]
        for name, value in _fields(row).items():
            setattr(school, name, value)
        school.archived_at = None
    audit.record(
        session, actor, "schools.imported", filename,
        new=len(result.new), updated=len(result.updated), unchanged=result.unchanged,
    )  # fmt: skip
    await session.commit()
    return result


def _fields(row: SchoolRow) -> dict[str, object]:
    return {
        "municipality_id": row.municipality_id,
        "full_name": row.full_name,
        "short_name": row.short_name,
        "programmes": list(row.programmes),
        "search_text": school_search_text(row.full_name, row.short_name, row.code),
    }


async def export(session: AsyncSession, filename: str) -> bytes:
    """The directory in the import format (CSV with `;`, or XLSX by the file's suffix)."""
    names = {m.id: m.short_name for m in await MunicipalityRepository(session).all()}
    rows = [
        (s.code, names[s.municipality_id], s.full_name, s.short_name, ", ".join(s.programmes))
        for s in await SchoolRepository(session).all()
        if s.archived_at is None
    ]
    if PurePath(filename).suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Школы")
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDE", (12, 20, 60, 30, 20), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.append(safe_cells.xlsx_row(sheet, EXPORT_HEADERS))
        for row in rows:
            sheet.append(safe_cells.xlsx_row(sheet, row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\n")
    writer.writerow(EXPORT_HEADERS)
    writer.writerows([safe_cells.csv_text(value) for value in row] for row in rows)
    # The BOM lets Excel open the UTF-8 file with the right letters.
    return ("\ufeff" + text.getvalue()).encode("utf-8")
