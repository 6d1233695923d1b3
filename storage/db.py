"""The async engine and session factory built from DATABASE_URL."""

from __future__ import annotations

import asyncio
import socket
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import PoolResetState

from storage import sqlite_in_loop

# Each update being handled may hold two connections at once (its session and the FSM
# storage's); the dispatcher handles at most UPDATES_CONCURRENCY updates at a time, and the
# scheduler and the delivery loop need a few more.
POOL = {"pool_size": 20, "max_overflow": 20}

# Execution options of a statement that may take a while (a report over the whole region):
# with SQLite in the loop it runs in the connection's own thread all the same.
LONG_RUNNING: dict[str, Any] = {sqlite_in_loop.LONG_RUNNING_OPTION: True}

# How long a writer waits for another one, in this process (the write lock) and in others
# (SQLite's busy timeout), before it fails with "database is locked".
WRITE_WAIT_SECONDS = 30


def create_engine(database_url: str, *, in_loop: bool = True) -> AsyncEngine:
    """The engine for DATABASE_URL; on SQLite, statements run in the event loop when
    `in_loop` (the SQLITE_IN_LOOP setting, see storage.sqlite_in_loop) and the installed
    libraries are the ones that module was written for."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **POOL)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    path = url.database or ":memory:"

    # No blanket ROLLBACK when a connection goes back to the pool: `_reset` rolls back only
    # a connection that is still in a transaction.
    if in_loop and sqlite_in_loop.usable():
        engine = sqlite_in_loop.create_engine(
            url, path, busy_seconds=WRITE_WAIT_SECONDS, pool_reset_on_return=None, **POOL
        )
    else:
        engine = create_async_engine(
            url,
            connect_args={"timeout": WRITE_WAIT_SECONDS},  # SQLite's busy timeout
            pool_reset_on_return=None,
            **POOL,
        )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    writer = SingleWriter(WRITE_WAIT_SECONDS)
    writer.install(engine)

    @event.listens_for(engine.sync_engine.pool, "reset")
    def _reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        if state.asyncio_safe and not state.terminate_only:
            if dbapi_connection.driver_connection.in_transaction:
                dbapi_connection.rollback()
            writer.release(record)  # committed or rolled back: the next writer may go

    return engine


class SingleWriter:
    """One write transaction at a time in this process, queued in asyncio, for SQLite.

    SQLite lets one connection write at a time. Without this, concurrent updates' writers
    (each on a pooled connection) meet SQLite's write lock and its busy handler, which
    polls by sleeping 1, 2, 5, 10 … 100 ms: under load most of the time went to those
    sleeps, with the lock free. Here a connection takes an asyncio lock just before its
    first writing statement (where SQLite would take its write lock) and gives it back when
    it returns to the pool, after its commit or rollback; the next writer in line starts at
    once. Nothing waits here that SQLite would not have made wait; readers never do (WAL).
    Other processes (the operator's commands) still meet SQLite's busy timeout.
    """

    _HOLDS = "single_writer_holds_lock"
    _READS = ("SELECT", "PRAGMA", "EXPLAIN")

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def install(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._before_execute)
        for name in ("checkin", "detach", "invalidate"):
            event.listen(engine.sync_engine.pool, name, self._on_pool_event)

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _acquire(self, lock: asyncio.Lock) -> None:
        try:
            async with asyncio.timeout(self._timeout):  # no task per call, as wait_for makes
                await lock.acquire()
        except TimeoutError:
            raise TimeoutError(
                f"database is locked: no write turn within {self._timeout:g} s"
            ) from None

    def _before_execute(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = connection.info
        if info.get(self._HOLDS) or statement.lstrip()[:7].upper().startswith(self._READS):
            return
        lock = self._lock()
        connection.connection.dbapi_connection.run_async(lambda _driver: self._acquire(lock))
        info[self._HOLDS] = lock

    def _on_pool_event(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        self.release(record)

    def release(self, record: Any) -> None:
        """The connection's transaction has ended: the next writer may go."""
        lock = record.info.pop(self._HOLDS, None) if record is not None else None
        if lock is not None:
            lock.release()


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


# The same by dialect name, for statements built once at import. A statement run on every
# update (claiming it, finding its participant, the FSM state) is built once with bound
# parameters: building one afresh, and computing its cache key, cost more than running it.
INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def describe(database_url: str) -> str:
    """The database URL without its password, fit for a terminal or a log."""
    return make_url(database_url).render_as_string(hide_password=True)


async def ping(engine: AsyncEngine) -> None:
    """Raises whatever the driver raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def failure_kind(error: BaseException) -> str:
    """Which common failure it was, as the end of a locale key (`database-<kind>`), so the
    operator reads it in their language; "other" when only the driver's words tell."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    text = str(root)
    if isinstance(root, ConnectionRefusedError) or "Connect call failed" in text:
        return "refused"
    if isinstance(root, socket.gaierror):
        return "unknown-host"
    if isinstance(root, TimeoutError):
        return "timeout"
    # asyncpg's classes by name: importing asyncpg here would load it for SQLite too.
    if type(root).__name__ in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return "auth"
    if type(root).__name__ == "InvalidCatalogNameError":
        return "no-database"
    if "unable to open database file" in text:
        return "unreadable-file"
    return "other"


def failure_reason(error: BaseException, database_url: str) -> str:
    """Why the database did not answer, in one line: the driver's own words (SQLAlchemy's
    wrappers add a long preamble and a link), never the password."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    lines = str(root).strip().splitlines()
    reason = lines[0] if lines else type(root).__name__
    password = make_url(database_url).password
    return reason.replace(password, "***") if password else reason
