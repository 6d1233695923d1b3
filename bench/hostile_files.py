"""Benchmark: hostile files against the import and survey readers.

    .venv/bin/python -m bench.hostile_files

For each file, the time until the reader answers, the peak of Python's allocations while it
reads (tracemalloc) and the longest the event loop went without running a 5 ms ticker
meanwhile. The baseline, measured in the same run: a legitimate workbook and CSV of 10,000
schools (the row limit), which are read in full. The hostile ones: the reported 130 KB
workbook with 29 MiB of sheet XML, a 64 MiB zip bomb, 10,000 rows' worth more than allowed,
one row of 100,000 cells, a 5-million-line CSV, a 100 KiB YAML anchor referenced 2,000
times and 50,000 levels of YAML nesting. Every hostile file must be refused, faster and
with less memory than the baseline.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bot.services import school_import
from bot.services.survey_definitions import SurveyFileError, parse_definition
from tests.support import hostile


def _schools_csv(rows: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["Код", "Муниципалитет", "Полное наименование"])
    writer.writerows([47000 + n, "Киришский", f"МОУ «СОШ №{n}»"] for n in range(rows))
    return text.getvalue().encode()


def _rows_bomb() -> bytes:
    """29 MiB of sheet XML in rows, the shape of the reported file (whose rows, all alike,
    packed into 130 KB; these differ, so they pack less)."""
    return hostile.workbook_with_sheet(hostile.many_rows(190_000))


async def _measure(name: str, size: int, read: Callable[[], object]) -> None:
    """Twice: timed with the ticker running, then again under tracemalloc for the peak
    (tracemalloc slows Python down several times)."""
    longest = 0.0
    done = False

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    outcome = await asyncio.to_thread(_outcome, read)
    took = time.perf_counter() - started
    done = True
    await ticker
    tracemalloc.start()
    _outcome(read)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"{name:<34} {size / 1024:>9,.0f} KiB {took:>7.2f} s {peak / 2**20:>8.1f} MiB "
        f"{longest * 1000:>7.0f} ms  {outcome}"
    )


def _outcome(read: Callable[[], object]) -> str:
    try:
        read()
    except (school_import.ImportFileError, SurveyFileError) as error:
        return f"refused: {error.reason}"
    return "read"


def _table(filename: str, content: bytes) -> Callable[[], object]:
    headers, required = school_import.HEADERS, school_import.REQUIRED
    return lambda: school_import.read_table(filename, content, headers, required)


def _survey(text: str) -> Callable[[], object]:
    return lambda: parse_definition(text, Path("survey.yaml"))


async def main() -> None:
    legit_rows = school_import.MAX_ROWS
    files: list[tuple[str, int, Callable[[], object]]] = []

    def add(name: str, filename: str, content: bytes) -> None:
        files.append((name, len(content), _table(filename, content)))

    add(
        "baseline: 10,000 schools, XLSX",
        "s.xlsx",
        hostile.workbook_with_sheet(hostile.many_rows(legit_rows)),
    )
    add("baseline: 10,000 schools, CSV", "s.csv", _schools_csv(legit_rows))
    add("29 MiB of sheet XML in rows", "s.xlsx", _rows_bomb())
    add(
        "zip bomb, 64 MiB unpacked", "s.xlsx", hostile.workbook_with_sheet(hostile.padded_sheet(64))
    )
    add(
        "sizes understated in the zip",
        "s.xlsx",
        hostile.understated(hostile.workbook_with_sheet(hostile.padded_sheet(8))),
    )
    add("30,000 rows", "s.xlsx", hostile.workbook_with_sheet(hostile.many_rows(30_000)))
    add("row number 1,000,000", "s.xlsx", hostile.workbook_with_sheet(hostile.far_row(1_000_000)))
    add(
        "one row of 100,000 cells", "s.xlsx", hostile.workbook_with_sheet(hostile.wide_row(100_000))
    )
    add("5,000,000-line CSV", "s.csv", hostile.endless_csv(5_000_000))
    bomb, deep = hostile.alias_bomb(), hostile.deep_yaml(50_000)
    files.append(("YAML: anchor x 2,000", len(bomb.encode()), _survey(bomb)))
    files.append(("YAML: 50,000 levels", len(deep), _survey(deep)))
    print(f"{'file':<34} {'size':>13} {'time':>9} {'peak':>12} {'loop gap':>10}  outcome")
    for name, size, read in files:
        await _measure(name, size, read)


if __name__ == "__main__":
    asyncio.run(main())
