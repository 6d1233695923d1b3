"""The async engine and session factory built from DATABASE_URL."""

from __future__ import annotations

import asyncio
import collections
import socket
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# Each update being handled may hold two connections at once (its session and the FSM
# storage's); the dispatcher handles at most UPDATES_CONCURRENCY updates at a time, and the
# scheduler and the delivery loop need a few more.
POOL = {"pool_size": 20, "max_overflow": 20}

# Execution options of a statement that may take a while (a report over the whole region):
# on SQLite it runs in the connection's own thread rather than in the event loop.
LONG_RUNNING: dict[str, Any] = {"long_running": True}

# How long a writer waits for another one, in this process (the write lock) and in others
# (SQLite's busy timeout), before it fails with "database is locked".
WRITE_WAIT_SECONDS = 30


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **POOL)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    path = url.database or ":memory:"

    async def connect() -> aiosqlite.Connection:
        # No busy timeout in the event loop: a statement that meets another process's write
        # lock waits for it in the connection's thread (see _Connection); in this process
        # writers take turns (SingleWriter).
        connection = _Connection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False),
            iter_chunk_size=64,
        )
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connect()
        return await connection

    # No blanket ROLLBACK when a connection goes back to the pool: `_reset` rolls back only
    # a connection that is still in a transaction.
    engine = create_async_engine(
        url,
        module=_InlineDBAPI(aiosqlite, sqlite3),
        async_creator=connect,
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

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _where_to_run(
        connection: Any,
        _cursor: Any,
        _statement: Any,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        long_running = context is not None and context.execution_options.get("long_running")
        connection.connection.driver_connection.in_thread = bool(long_running)

    writer = SingleWriter(WRITE_WAIT_SECONDS)
    writer.install(engine)

    @event.listens_for(engine.sync_engine.pool, "reset")
    def _reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        if state.asyncio_safe and not state.terminate_only:
            if dbapi_connection.driver_connection.in_transaction:
                dbapi_connection.rollback()
            writer.release(record)  # committed or rolled back: the next writer may go

    return engine


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection, whose statements run in the event loop.

    aiosqlite runs every call in the connection's own thread: a statement of a bot update
    costs microseconds in SQLite and far more in hand-offs between the threads (futures,
    wake-ups, the GIL). Here statements, fetches and commits run where SQLAlchemy asks for
    them (`run`), as a synchronous driver would; two cases still go to the connection's
    thread, so that the loop never sits waiting:
    - a statement run with `LONG_RUNNING` (reports over the whole region);
    - a statement that meets another process's write lock (an operator's command): SQLite's
      busy handler, which sleeps until the lock is free, is off in the loop (timeout 0)
      and on, for WRITE_WAIT_SECONDS, in the thread, where the statement is run again.
    One call at a time per connection (SQLAlchemy's rule) means the two never overlap.
    aiosqlite's own methods (close, create_function) keep to the thread.
    """

    in_thread = False  # set for each statement, see `_where_to_run`

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)`, a call on the sqlite3 connection or its cursor, for SQLAlchemy's
        greenlet: here, or in the connection's thread while the loop goes on."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")  # SQLAlchemy's aiosqlite adapter's words
        if self.in_thread:
            return await_(self._execute(fn, *args))  # type: ignore[no-untyped-call]
        try:
            return fn(*args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        return await_(self._execute(_waiting_for_lock, self._conn, fn, *args))  # type: ignore[no-untyped-call]


async def _switched() -> None:
    pass


class _InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's cursor for aiosqlite, calling the sqlite3 cursor through
    `_Connection.run`.

    SQLAlchemy's own awaits aiosqlite's cursor for every execute, fetch and close: a
    coroutine and a greenlet switch there and back for each, which cost more than the
    statement on a bot update."""

    __slots__ = ()
    _awaitable_cursor_close = False  # sqlite3's close() is a plain call

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        try:
            self._cursor = self._connection.run(self._connection._conn.cursor)
        except Exception as error:
            adapt_connection._handle_exception(error)
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._run(self._cursor.execute, operation, () if parameters is None else parameters)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return self._run(self._cursor.executemany, operation, seq_of_parameters)

    def _run(self, method: Callable[[Any, Any], Any], operation: Any, parameters: Any) -> Any:
        try:
            result = self._connection.run(self._fetching, method, operation, parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        # AsyncConnection.execute checks that the statement awaited something (its proof
        # of an async driver): one switch to the loop and back.
        await_(_switched())
        return result

    def _fetching(self, method: Callable[[Any, Any], Any], operation: Any, parameters: Any) -> Any:
        result = method(operation, parameters)
        cursor: sqlite3.Cursor = self._cursor  # type: ignore[assignment]
        if cursor.description:
            self._rows = collections.deque(cursor.fetchall())
        return result


class _InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _InlineCursor

    def commit(self) -> None:
        self._end_transaction("commit")

    def rollback(self) -> None:
        self._end_transaction("rollback")

    def _end_transaction(self, how: str) -> None:
        if self._connection._connection:
            try:
                self._connection.run(getattr(self._connection._conn, how))
            except Exception as error:
                self._handle_exception(error)


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with `_InlineConnection`s (given to the engine
    as its DBAPI module)."""

    def connect(self, *args: Any, **kwargs: Any) -> _InlineConnection:
        creator = kwargs.pop("async_creator_fn")
        return _InlineConnection(self, await_(creator(*args, **kwargs)))


def _waiting_for_lock(connection: sqlite3.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Runs `fn` with SQLite's busy handler on (in the connection's thread)."""
    connection.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_SECONDS * 1000}")
    try:
        return fn(*args, **kwargs)
    finally:
        connection.execute("PRAGMA busy_timeout = 0")


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
