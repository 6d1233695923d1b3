"""Fixtures shared by the three tiers.

`engine`/`session` run every storage and service test on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set (.ci/run sets it where PostgreSQL answers).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Translator
from storage import migrate
from storage.db import create_engine, create_session_factory

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(autouse=True, scope="session")
def user_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's data directory (the default SQLite file's home, bot.settings.data_dir)
    points into the test's temporary folder: no test writes to the real one, and the bot
    processes the tests start inherit it."""
    home = tmp_path_factory.mktemp("xdg-data")
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(home)
    yield home
    if before is None:
        del os.environ["XDG_DATA_HOME"]
    else:
        os.environ["XDG_DATA_HOME"] = before


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "postgresql":
        return TEST_DATABASE_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bare_engine(database_kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database (PostgreSQL: its public schema emptied first)."""
    engine = create_engine(database_url(database_kind, tmp_path))
    if database_kind == "postgresql":
        from sqlalchemy import text

        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    """A database migrated to the head, with the shipped reference data."""
    await migrate.upgrade(bare_engine)
    return bare_engine


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def translator() -> Translator:
    return Translator("ru")
