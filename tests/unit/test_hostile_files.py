"""Hostile files are refused early, with the limit named, and never hold the event loop:
zip bombs dressed as workbooks, endless CSV files, YAML aliases and endless nesting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import event_import, school_import
from bot.services.school_import import ImportFileError
from bot.services.survey_definitions import SurveyFileError, parse_definition
from bot.settings import PROJECT_ROOT
from tests.support import hostile

T = TypeVar("T")


@pytest.fixture
def database_kind() -> str:
    # These are about reading files; the storage tier covers PostgreSQL.
    return "sqlite"


async def refusal(work: Awaitable[Any]) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        await work
    return caught.value


async def with_ticks(work: Awaitable[T]) -> tuple[T | BaseException, int]:
    """The outcome of `work` and how many times another coroutine ran meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)  # the ticker is waiting before the work starts
    started = ticks
    try:
        outcome: T | BaseException = await work
    except Exception as error:
        outcome = error
    finally:
        done.set()
        await ticker
    return outcome, ticks - started


async def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(session: AsyncSession) -> None:
    bomb = hostile.workbook_with_sheet(hostile.padded_sheet(64))
    assert len(bomb) < 200 * 1024  # 64 MiB of sheet in under 200 KiB
    error = await refusal(school_import.preview(session, "bomb.xlsx", bomb))
    assert error.reason == "import-unpacked-too-large"
    assert error.details == {"limit": school_import.MAX_UNPACKED_BYTES // (1 << 20)}


async def test_a_workbook_that_understates_its_size_is_refused(session: AsyncSession) -> None:
    bomb = hostile.understated(hostile.workbook_with_sheet(hostile.padded_sheet(8)))
    error = await refusal(school_import.preview(session, "bomb.xlsx", bomb))
    assert error.reason in ("import-unpacked-too-large", "import-format")


async def test_rows_beyond_the_limit_are_refused_while_reading(session: AsyncSession) -> None:
    lines = school_import.MAX_LINES
    many = hostile.workbook_with_sheet(hostile.many_rows(lines + 5000))
    error = await refusal(school_import.preview(session, "many.xlsx", many))
    assert (error.reason, error.details) == ("import-too-many-lines", {"limit": lines})
    # Rows that only exist as a number (openpyxl would make up every row before it).
    far = hostile.workbook_with_sheet(hostile.far_row(1_000_000))
    error = await refusal(school_import.preview(session, "far.xlsx", far))
    assert (error.reason, error.details) == ("import-too-many-lines", {"limit": lines})


async def test_a_row_of_too_many_cells_is_refused(session: AsyncSession) -> None:
    wide = hostile.workbook_with_sheet(hostile.wide_row(100_000))
    error = await refusal(school_import.preview(session, "wide.xlsx", wide))
    limit = school_import.MAX_COLUMNS
    assert (error.reason, error.details) == ("import-too-many-columns", {"limit": limit, "row": 2})
    # The sheet elsewhere in the zip: the workbook's relations lead openpyxl to it.
    moved = hostile.workbook_with_sheet(hostile.wide_row(100_000), "xl/elsewhere/data.xml")
    error = await refusal(school_import.preview(session, "moved.xlsx", moved))
    assert (error.reason, error.details) == ("import-too-many-columns", {"limit": limit, "row": 2})
    csv = ("Код;Муниципалитет;Полное наименование\n" + ";" * 1000 + "\n").encode()
    error = await refusal(school_import.preview(session, "wide.csv", csv))
    assert (error.reason, error.details) == ("import-too-many-columns", {"limit": limit, "row": 2})


async def test_a_five_million_line_csv_is_refused_early(session: AsyncSession) -> None:
    endless = hostile.endless_csv(5_000_000)
    assert len(endless) < school_import.MAX_FILE_BYTES
    error = await refusal(school_import.preview(session, "endless.csv", endless))
    assert (error.reason, error.details) == (
        "import-too-many-lines",
        {"limit": school_import.MAX_LINES},
    )
    one_line = b"\xd0\x9a\xd0\xbe\xd0\xb4;" + b"x" * (5 << 20)
    error = await refusal(school_import.preview(session, "line.csv", one_line))
    assert error.reason == "import-line-too-long"


async def test_the_events_import_has_the_same_limits(session: AsyncSession) -> None:
    zone, now = ZoneInfo("Europe/Moscow"), datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    endless = "Дата;Время;Название;Ссылка\n".encode() + b"\n" * 5_000_000
    error = await refusal(event_import.preview(session, "w.csv", endless, zone, now))
    assert error.reason == "import-too-many-lines"
    bomb = hostile.workbook_with_sheet(hostile.padded_sheet(64))
    error = await refusal(event_import.preview(session, "w.xlsx", bomb, zone, now))
    assert error.reason == "import-unpacked-too-large"


async def test_reading_a_large_file_leaves_the_event_loop_free(session: AsyncSession) -> None:
    """A file at the limits takes a while to read: other users' updates go on meanwhile."""
    rows = school_import.MAX_ROWS + 1000
    big = hostile.workbook_with_sheet(hostile.many_rows(rows))
    started = time.perf_counter()
    outcome, ticks = await with_ticks(school_import.preview(session, "big.xlsx", big))
    took = time.perf_counter() - started
    assert isinstance(outcome, ImportFileError)
    assert outcome.reason == "import-too-many-rows"
    # The ticker asks to wake every 5 ms; sharing the GIL with the reading thread it gets
    # fewer turns, but far more than one every 100 ms. Reading in the loop: none at all.
    assert ticks >= max(20, took / 0.1), (ticks, took)


async def test_a_legitimate_file_still_imports(session: AsyncSession) -> None:
    sample = PROJECT_ROOT / "docs/samples/schools.csv"
    preview = await school_import.preview(session, sample.name, sample.read_bytes())
    assert preview.new
    assert not preview.errors


# -- YAML ----------------------------------------------------------------------------------------


def test_yaml_aliases_are_refused() -> None:
    started = time.perf_counter()
    with pytest.raises(SurveyFileError) as caught:
        parse_definition(hostile.alias_bomb(), Path("bomb.yaml"))
    assert caught.value.reason == "yaml-aliases"
    assert "line 6" in caught.value.problems[0]  # where the anchor is
    assert time.perf_counter() - started < 30  # not a timing goal: a guard against a hang


def test_endless_nesting_is_refused_without_a_recursion_error() -> None:
    with pytest.raises(SurveyFileError) as caught:
        parse_definition(hostile.deep_yaml(50_000), Path("deep.yaml"))
    assert caught.value.reason == "yaml-too-deep"


def _survey() -> dict[str, Any]:
    def text(ru: str) -> dict[str, str]:
        return {"ru": ru, "en": ru}

    return {
        "code": "bounded",
        "title": text("Т"),
        "description": text("О"),
        "audience": {"roles": ["director"]},
        "unit": "school",
        "questions": [
            {
                "id": "q0",
                "type": "single",
                "text": text("В"),
                "options": [{"id": "a", "label": text("А")}, {"id": "b", "label": text("Б")}],
            },
            {
                "id": "q1",
                "type": "scale",
                "text": text("Ш"),
                "scale": {"min": 1, "max": 5, "min_label": text("м"), "max_label": text("б")},
            },
            {
                "id": "q2",
                "type": "yes_no",
                "text": text("Д"),
                "show_if": {"question": "q0", "any_of": ["a"]},
            },
        ],
    }


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True)


def test_a_survey_within_the_bounds_is_accepted() -> None:
    assert len(parse_definition(_yaml(_survey()), Path("ok.yaml")).questions) == 3


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (
            ("questions",),
            [{"id": f"q{i}", "type": "yes_no", "text": {"ru": "В", "en": "Q"}} for i in range(201)],
        ),
        (("audience", "programmes"), ["500+"] * 101),
        (("audience", "programmes"), ["x" * 201]),
        (("audience", "municipalities"), ["x" * 201]),
        (
            ("questions", 0, "options"),
            [
                {"id": i, "label": {"ru": "В", "en": "O"}}
                for i in ["a", "b", *(f"o{n}" for n in range(49))]
            ],
        ),
        (("questions", 2, "show_if", "any_of"), ["a"] * 51),
        (("questions", 1, "scale", "max"), 1_000_000),
    ],
)
def test_every_list_and_text_of_a_survey_is_bounded(path: tuple[Any, ...], value: Any) -> None:
    data = _survey()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SurveyFileError):
        parse_definition(_yaml(data), Path("big.yaml"))


def test_a_file_beyond_the_size_limit_is_refused() -> None:
    from bot.services.survey_definitions import MAX_FILE_CHARS

    with pytest.raises(SurveyFileError) as caught:
        parse_definition("code: x\n" + "#" * MAX_FILE_CHARS, Path("big.yaml"))
    assert caught.value.reason == "too-large"


def test_the_operator_is_told_which_limit_in_words(tmp_path: Path) -> None:
    import subprocess
    import sys

    from bot.i18n import Translator

    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/b.db"}
    files = {"events": "Дата;Время;Название;Ссылка", "schools": "Код;Муниципалитет;Наименование"}
    for command, header in files.items():
        endless = tmp_path / f"{command}.csv"
        endless.write_bytes(header.encode() + b"\n" * 5_000_000)
        done = subprocess.run(
            [sys.executable, "-m", "bot", command, "import", str(endless)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1
        limit = str(school_import.MAX_LINES)
        wanted = Translator("ru").get("ru", "error-import-too-many-lines", limit=limit)
        assert wanted in done.stderr, done.stderr
