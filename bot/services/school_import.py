"""Import and export of the school directory (CSV or XLSX). See docs/schools-import.md.

A file is first previewed (nothing written), then applied in one transaction. The school
code identifies a school across imports, so re-importing the same file changes nothing.

A file comes from outside: every limit below is checked while it is read, so a zip bomb
or an endless CSV is refused after reading no more than the limits allow, and reading
runs in a worker thread so that other users' updates go on meanwhile.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import PurePath
from xml.parsers import expat

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports import safe_cells
from bot.services import audit
from bot.services.access import Action, can
from bot.services.directory import MunicipalityMatcher, matcher, school_search_text
from bot.services.errors import AccessDenied, DomainError
from storage.models import Participant, School
from storage.repositories.directory import MunicipalityRepository, SchoolRepository

MAX_ROWS = 10_000  # rows with a value
MAX_FILE_BYTES = 10 * 1024 * 1024  # as sent; the bot checks it before downloading
MAX_LINES = 2 * MAX_ROWS  # every row read, empty ones too
MAX_COLUMNS = 50  # cells in one row
MAX_LINE_CHARS = 64 * 1024  # one line of a CSV file
# An XLSX is a zip: its members unpacked, as declared and as actually read. A workbook of
# 10,000 schools unpacks to some 7 MB.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 1000
_CHUNK = 64 * 1024
_NEWLINE = re.compile(r"\r\n|\r|\n")  # what csv and io.StringIO(newline="") end a line at
# Not a zip, a bad CRC (sizes that lie), encrypted, compressed in a way zipfile lacks,
# not XML, a row number that is not a number.
_BROKEN_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    expat.ExpatError,
)
COLUMNS = ("code", "municipality", "full_name", "short_name", "programmes")
HEADERS = {
    "code": ("code", "код", "код школы", "код оо"),
    "municipality": ("municipality", "муниципалитет", "район", "муниципальное образование"),
    "full_name": ("full_name", "полное наименование", "наименование", "школа"),
    "short_name": (
        "short_name",
        "краткое наименование",
        "сокращённое наименование",
        "сокращенное наименование",
    ),
    "programmes": ("programmes", "программы", "проекты"),
}
REQUIRED = ("code", "municipality", "full_name")
# Export headers: Russian, as the region's spreadsheets have them; import reads both.
EXPORT_HEADERS = (
    "Код",
    "Муниципалитет",
    "Полное наименование",
    "Краткое наименование",
    "Программы",
)


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


def read_table(
    filename: str,
    content: bytes,
    headers: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> list[tuple[int, dict[str, str]]]:
    """(row number as the user sees it, values by column) for every non-empty row of a
    CSV or XLSX file whose first row names the columns (`headers`: name → accepted titles).
    Blocking: `read_table_async` runs it off the event loop."""
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
    _check_width(header, 1)
    columns = _map_header(header, headers, required)
    rows = []
    for number, values in enumerate(table, start=2):
        if number > MAX_LINES:
            raise ImportFileError("import-too-many-lines", limit=MAX_LINES)
        _check_width(values, number)
        if not any(value.strip() for value in values):
            continue
        rows.append((number, {name: _cell(values, index) for name, index in columns.items()}))
        if len(rows) > MAX_ROWS:
            raise ImportFileError("import-too-many-rows", limit=MAX_ROWS)
    if not rows:
        raise ImportFileError("import-empty")
    return rows


async def read_table_async(
    filename: str,
    content: bytes,
    headers: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> list[tuple[int, dict[str, str]]]:
    """`read_table` in a worker thread: a file at the limits takes a second or two to
    parse, which the event loop must not wait for."""
    return await asyncio.to_thread(read_table, filename, content, headers, required)


def _check_width(values: list[str], number: int) -> None:
    if len(values) > MAX_COLUMNS:
        raise ImportFileError("import-too-many-columns", limit=MAX_COLUMNS, row=number)


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
        delimiter = dialect.delimiter
    except csv.Error:  # rows of unequal length: the header's separator
        dialect = csv.excel
        delimiter = max(";,\t", key=text[:4096].partition("\n")[0].count)
    reader = csv.reader(_lines(text), dialect, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:  # a NUL, a field beyond csv's own limit
        raise ImportFileError("import-csv-broken", row=reader.line_num) from None


def _lines(text: str) -> Iterator[str]:
    """The file's lines for csv.reader, each checked before it is parsed (a line of a
    million separators would otherwise become a row of a million cells first) and cut
    from the text one at a time (io.StringIO would first copy all of it, four bytes a
    character)."""
    start, number = 0, 0
    while start < len(text):
        number += 1
        if number > MAX_LINES:
            raise ImportFileError("import-too-many-lines", limit=MAX_LINES)
        found = _NEWLINE.search(text, start)
        end = found.end() if found else len(text)
        if end - start > MAX_LINE_CHARS:
            raise ImportFileError("import-line-too-long", row=number, limit=MAX_LINE_CHARS)
        yield text[start:end]
        start = end


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    _check_package(content)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("import-format") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("import-empty")
        sheet = workbook.worksheets[0]
        # The bounds keep openpyxl from padding rows to a claimed dimension (XFD1048576).
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_LINES + 1, values_only=True):
            yield ["" if value is None else _xlsx_text(value) for value in row]
    finally:
        workbook.close()


def _check_package(content: bytes) -> None:
    """Refuses a workbook that unpacks beyond the limits (by the sizes its zip declares,
    then by the bytes actually unpacked, chunk by chunk), that declares XML entities (a
    workbook never does), or whose sheets have too many rows or cells in a row. Reads
    at most MAX_UNPACKED_BYTES, in chunks: memory stays small whatever the file claims."""
    too_large = ImportFileError("import-unpacked-too-large", limit=MAX_UNPACKED_BYTES >> 20)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
        if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise too_large
        unpacked = 0
        for member in members:
            scan: _SheetScan | None = None
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED_BYTES:
                        raise too_large
                    window = tail + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise ImportFileError("import-format")
                    # Any XML member may be a sheet: the workbook's relations may put one
                    # anywhere, and openpyxl follows them.
                    if not tail and chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                        scan = _SheetScan()
                    tail = chunk[-16:]
                    if scan is not None:
                        scan.feed(chunk)
            if scan is not None:
                scan.feed(b"", final=True)
    except _BROKEN_ZIP:
        raise ImportFileError("import-format") from None


_SHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


class _SheetScan:
    """Counts a sheet's rows (by number too: openpyxl makes up the rows a gap skips) and
    each row's cells as the XML streams by, with expat: no tree is built. Other XML parts
    have no SpreadsheetML rows or cells and pass."""

    def __init__(self) -> None:
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._rows = 0
        self._row = 0
        self._cells = 0

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self._parser.Parse(chunk, final)

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        if namespace not in _SHEET_NAMESPACES:  # what openpyxl would not read as cells
            return
        if local == "row":
            self._rows += 1
            self._row = int(attributes.get("r") or self._row + 1)
            self._cells = 0
            if max(self._rows, self._row) > MAX_LINES:
                raise ImportFileError("import-too-many-lines", limit=MAX_LINES)
        elif local == "c":
            self._cells += 1
            if self._cells > MAX_COLUMNS:
                raise ImportFileError("import-too-many-columns", limit=MAX_COLUMNS, row=self._row)


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


def check_upload(actor: Participant | None, size: int | None = None) -> None:
    """Refuses a file before it is downloaded: from someone who may not import schools
    (`actor` None is the operator at the command line), or larger than MAX_FILE_BYTES as
    the messenger states it (`size` None: not stated; the content is checked when read)."""
    if actor is not None and not can(actor, Action.IMPORT_SCHOOLS):
        raise AccessDenied()
    if (size or 0) > MAX_FILE_BYTES:
        raise ImportFileError("import-too-large")


async def preview_upload(
    session: AsyncSession,
    actor: Participant,
    filename: str,
    size: int | None,
    download: Callable[[], Awaitable[bytes]],
) -> ImportPreview:
    """A file sent in the chat: checked (`check_upload`), only then downloaded, then
    previewed."""
    check_upload(actor, size)
    return await preview(session, filename, await download())


async def apply_upload(
    session: AsyncSession,
    actor: Participant,
    filename: str,
    download: Callable[[], Awaitable[bytes]],
) -> ImportPreview:
    """The previewed file applied: the actor checked again before it is downloaded again
    (they may have lost the role since the preview)."""
    check_upload(actor)
    return await apply(session, actor, filename, await download())


async def preview(session: AsyncSession, filename: str, content: bytes) -> ImportPreview:
    """What applying the file would change; nothing is written."""
    rows = await read_table_async(filename, content, HEADERS, REQUIRED)
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
            errors.append(RowError(number, "too-long", code))
        if not full_name:
            errors.append(RowError(number, "empty-name"))
        elif len(full_name) > 500:
            errors.append(RowError(number, "too-long", full_name))
        if municipality is None:
            errors.append(RowError(number, "unknown-municipality", values.get("municipality", "")))
        if code and code not in seen_codes:
            seen_codes[code] = number
        if errors or municipality is None:
            result.errors.extend(errors)
            continue
        short_name = (values.get("short_name") or full_name)[:200]
        parsed.append(
            SchoolRow(
                number,
                code,
                municipality.id,
                municipality.short_name,
                full_name,
                short_name,
                _programmes(values.get("programmes", "")),
            )
        )
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
    check_upload(actor)
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
        session,
        actor,
        "schools.imported",
        filename,
        new=len(result.new),
        updated=len(result.updated),
        unchanged=result.unchanged,
    )
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
