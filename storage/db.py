"""The async engine and session factory built from DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

# Each update being handled may hold two connections at once (its session and the FSM
# storage's); the dispatcher handles at most UPDATES_CONCURRENCY updates at a time, and the
# scheduler and the delivery loop need a few more.
POOL = {"pool_size": 20, "max_overflow": 20}


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **POOL)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # A long busy timeout: the scheduler and the handlers write from one process, and a
    # writer should wait for the other rather than fail with "database is locked".
    engine = create_async_engine(url, connect_args={"timeout": 30}, **POOL)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: handlers keep reading loaded objects after a service commits.
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_for(
    session: AsyncSession, model: type[DeclarativeBase]
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT on both supported engines (SQLite, PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
