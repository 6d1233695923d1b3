"""Fixtures shared by the three tiers.

`engine`/`session` run every storage and service test on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set (.ci/run sets it where PostgreSQL answers).

The suite runs in pytest-xdist workers (`-n auto` in pyproject.toml). Each worker has a
PostgreSQL database of its own, `<name>_gw0`, `<name>_gw1`, … after TEST_DATABASE_URL's
(created, with `<name>_gwN_template`, as the tests need them; outside xdist the name itself),
and its own temporary folders (pytest's basetemp per worker).

The migrations run once per worker and session, into a template: each test gets a fresh copy
of it (SQLite: the migrated file copied; PostgreSQL: `CREATE DATABASE … TEMPLATE`), as fresh
as migrating anew and about ten times cheaper. `bare_engine` still starts from an empty
database, so tests/unit/test_migrations.py migrates from scratch.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Translator
from storage import migrate
from storage.db import create_engine, create_session_factory

# "gw0", "gw1", … in an xdist worker; "" when pytest runs in one process (-n 0, -p no:xdist).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _per_worker(url: str) -> str:
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _per_worker(os.environ.get("TEST_DATABASE_URL", ""))
# Shared by the workers: the one Redis test works on a random key of its own and removes it.
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


async def _recreate_postgresql(url: str, template: str | None = None) -> None:
    """Drops the database of `url` (its connections too) and creates it anew: empty, or a
    copy of `template`."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres").render_as_string(False))
    try:
        async with admin.connect() as connection:
            # CREATE and DROP DATABASE cannot run inside a transaction.
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            copy = f' TEMPLATE "{template}"' if template else ""
            await autocommit.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        await admin.dispose()


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head, with the shipped reference data."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    # The engine is disposed: the WAL is checkpointed into the file and removed, so the file
    # alone is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgresql_template() -> str | None:
    """The name of a PostgreSQL database migrated to the head, the tests' template (None
    without TEST_DATABASE_URL)."""
    if not TEST_DATABASE_URL:
        return None
    url = make_url(TEST_DATABASE_URL)
    template = f"{url.database}_template"
    template_url = url.set(database=template).render_as_string(hide_password=False)

    async def build() -> None:
        await _recreate_postgresql(template_url)
        await _migrated(template_url)

    asyncio.run(build())
    return template


@pytest.fixture
async def bare_engine(database_kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database (PostgreSQL: the worker's database created anew)."""
    url = database_url(database_kind, tmp_path)
    if database_kind == "postgresql":
        await _recreate_postgresql(url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(
    database_kind: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgresql_template: str | None,
) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the head, with the shipped reference data: a fresh copy of
    the session's template."""
    # The templates are plain (sync) fixtures, built before this one's event loop runs.
    url = database_url(database_kind, tmp_path)
    if database_kind == "postgresql":
        await _recreate_postgresql(url, template=postgresql_template)
    else:
        shutil.copyfile(sqlite_template, tmp_path / "test.sqlite3")
    engine = create_engine(url)
    yield engine
    await engine.dispose()


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
