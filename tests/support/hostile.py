"""Hostile files built in the tests (and the benchmark): zip bombs dressed as workbooks,
endless CSV files, YAML that multiplies itself or nests without end."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = "</sheetData></worksheet>"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Код</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Муниципалитет</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Полное наименование</t></is></c></row>'
)


def school_row(number: int) -> str:
    return (
        f'<row r="{number}"><c t="inlineStr"><is><t>{47000 + number}</t></is></c>'
        '<c t="inlineStr"><is><t>Киришский</t></is></c>'
        f'<c t="inlineStr"><is><t>МОУ «СОШ №{number}»</t></is></c></row>'
    )


def workbook_with_sheet(chunks: Iterator[str], path: str = SHEET) -> bytes:
    """A real workbook (openpyxl's) whose first sheet's XML is `chunks`, streamed into the
    zip so that even a huge sheet costs the test little memory; at `path` if given (the
    workbook's relations and content types then point there)."""
    template = io.BytesIO()
    Workbook().save(template)
    source = zipfile.ZipFile(template)
    moved = {SHEET: path, SHEET.removeprefix("xl/"): path.removeprefix("xl/")}
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            if item.filename == SHEET:
                continue
            content = source.read(item)
            for old, new in moved.items():
                content = content.replace(old.encode(), new.encode())
            archive.writestr(item, content)
        with archive.open(path, "w") as sheet:
            for chunk in chunks:
                sheet.write(chunk.encode())
    return result.getvalue()


def padded_sheet(unpacked_mib: int) -> Iterator[str]:
    """A header row, then `unpacked_mib` MiB of spaces: deflate shrinks it a thousandfold."""
    yield HEAD + HEADER_ROW
    for _ in range(unpacked_mib):
        yield " " * (1 << 20)
    yield TAIL


def many_rows(count: int) -> Iterator[str]:
    yield HEAD + HEADER_ROW
    for start in range(2, count + 2, 1000):
        yield "".join(school_row(n) for n in range(start, min(start + 1000, count + 2)))
    yield TAIL


def wide_row(cells: int) -> Iterator[str]:
    yield HEAD + HEADER_ROW + '<row r="2">'
    for _ in range(0, cells, 1000):
        yield '<c t="inlineStr"><is><t>x</t></is></c>' * 1000
    yield "</row>" + TAIL


def far_row(number: int) -> Iterator[str]:
    """One row numbered `number`: openpyxl fills every row before it."""
    yield HEAD + HEADER_ROW + school_row(number) + TAIL


def understated(content: bytes) -> bytes:
    """The workbook with its sheet's uncompressed size declared as 1 KiB."""
    archive = bytearray(content)
    name = SHEET.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := archive.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            ours = archive[name_at : name_at + len(name)] == name
            if ours and struct.unpack_from("<I", archive, start + size_at)[0] != 0xFFFFFFFF:
                struct.pack_into("<I", archive, start + size_at, 1024)
            start += 4
    return bytes(archive)


def endless_csv(lines: int) -> bytes:
    """A header, then `lines` empty lines."""
    return "Код;Муниципалитет;Полное наименование\n".encode() + b"\n" * lines


def alias_bomb(anchor_kib: int = 100, references: int = 2000) -> str:
    """A valid survey but for its audience's programmes: one 100 KiB anchor referenced
    2,000 times (110 KiB of file, 200 MiB once expanded)."""
    chunk = "x" * (anchor_kib * 1024)
    aliases = ", ".join("*big" for _ in range(references))
    return (
        "code: bomb\ntitle: {ru: Бомба, en: Bomb}\ndescription: {ru: Бомба, en: Bomb}\n"
        f"audience:\n  roles: [director]\n  municipalities: [&big {chunk}]\n"
        f"  programmes: [{aliases}]\nunit: school\n"
        "questions:\n  - {id: q1, type: text, text: {ru: Вопрос, en: Question}}\n"
    )


def deep_yaml(depth: int = 50_000) -> str:
    return "code: deep\nquestions: " + "[" * depth + "]" * depth + "\n"
