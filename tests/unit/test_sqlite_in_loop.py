"""The one patch on libraries' internals (storage/sqlite_in_loop.py): where statements run,
when it turns itself off, and the versions it was checked with."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db, sqlite_in_loop


def test_the_installed_libraries_are_those_it_was_checked_with() -> None:
    """Fails on an upgrade of aiosqlite or SQLAlchemy: run the survey benchmark and the
    storage tests with the new version, then update BUILT_FOR (or drop the module)."""
    assert {name: version(name) for name in sqlite_in_loop.BUILT_FOR} == (sqlite_in_loop.BUILT_FOR)


@pytest.fixture
def usable_cleared() -> Iterator[None]:
    sqlite_in_loop.usable.cache_clear()
    yield
    sqlite_in_loop.usable.cache_clear()


async def _thread_of_statements(engine: AsyncEngine, **options: bool) -> int | None:
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.create_function("thread_id", 0, threading.get_ident)
        result = await connection.scalar(text("SELECT thread_id()").execution_options(**options))
        return int(result) if result is not None else None


@pytest.fixture
async def in_loop(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'in-loop.sqlite3'}")
    yield engine
    await engine.dispose()


async def test_statements_run_in_the_loop_and_long_ones_in_their_thread(
    in_loop: AsyncEngine,
) -> None:
    assert await _thread_of_statements(in_loop) == threading.get_ident()
    long_running = await _thread_of_statements(in_loop, **db.LONG_RUNNING)
    assert long_running not in (None, threading.get_ident())


async def test_turned_off_statements_run_in_aiosqlite_s_thread(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'off.sqlite3'}", in_loop=False)
    try:
        assert await _thread_of_statements(engine) not in (None, threading.get_ident())
        await _a_slow_statement_leaves_the_loop_free(engine)
    finally:
        await engine.dispose()


async def test_another_version_turns_it_off_with_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    usable_cleared: None,
) -> None:
    monkeypatch.setitem(sqlite_in_loop.BUILT_FOR, "aiosqlite", "0.0.1")
    with caplog.at_level(logging.WARNING, logger=sqlite_in_loop.__name__):
        engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        assert await _thread_of_statements(engine) not in (None, threading.get_ident())
    finally:
        await engine.dispose()
    assert "0.0.1" in caplog.text


async def _a_slow_statement_leaves_the_loop_free(engine: AsyncEngine, **options: bool) -> None:
    """Other users' updates (here a coroutine ticking every 10 ms) go on meanwhile."""
    ticks = 0

    def slow() -> int:
        time.sleep(0.5)
        return 1

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.create_function("slow", 0, slow)
        ticker = asyncio.create_task(ticking())
        await asyncio.sleep(0)
        try:
            statement = text("SELECT slow()").execution_options(**options)
            assert await connection.scalar(statement) == 1
        finally:
            ticker.cancel()
    assert ticks >= 20  # 50 if the loop were free all along; none if it were stalled


async def test_a_long_running_statement_leaves_the_loop_free(in_loop: AsyncEngine) -> None:
    await _a_slow_statement_leaves_the_loop_free(in_loop, **db.LONG_RUNNING)
