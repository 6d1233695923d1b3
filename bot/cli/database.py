"""The database as the operator's commands use it. SQLAlchemy is imported at the top: a
command imports this module when it runs, never while the parser is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage import migrate
from storage.db import create_engine, create_session_factory, describe


def describe_database(database_url: str) -> str:
    """The database URL without its password, fit for a terminal or a log."""
    return describe(database_url)


def postgres_target(database_url: str) -> str:
    """pg_dump's and pg_restore's connection options for DATABASE_URL, without the password
    (libpq reads it from ~/.pgpass or PGPASSWORD)."""
    url = make_url(database_url)
    parts = [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(f"--dbname={url.database or ''}")
    return " ".join(parts)


async def upgrade(database_url: str) -> tuple[str | None, str | None]:
    """The migrations the database lacks applied: its revision before and after."""
    engine = create_engine(database_url)
    try:
        before = await migrate.current_revision(engine)
        await migrate.upgrade(engine)
        return before, await migrate.current_revision(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def operator_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on a migrated database, for operator commands."""
    engine = create_engine(settings.database_url, in_loop=settings.sqlite_in_loop)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()
