"""SQLite statements run in the event loop: the one patch on libraries' internals we keep.

aiosqlite runs every call in the connection's own thread. A statement of a bot update costs
microseconds in SQLite and far more in hand-offs between the threads (futures, wake-ups,
the GIL), and SQLAlchemy's adapter adds a coroutine and a greenlet switch for each execute,
fetch and close. Here statements, fetches and commits run where SQLAlchemy asks for them, as
a synchronous driver would, by subclassing aiosqlite's connection and SQLAlchemy's adapter
for it (their private `_conn`, `_execute`, `_thread`, `_handle_exception`, `_cursor`).

Measured with `python -m bench.surveys --fixed-rate` (500 respondents, one bot process, this
repository's 2-core CI machine, 2026-12-02, each figure beside the echo bot of the same run):
- in the loop: p50 13-16 ms, p99 85-223 ms at an offered 100 answers/s, saturation 0.37-0.42
  of the echo bot;
- aiosqlite as shipped: saturation at 83 answers/s, p99 3.6 s at an offered 100/s.
Again on 2026-12-03, back to back on a slower day (echo bot 437-505/s): in the loop 174
answers/s (0.40 of the echo bot), p99 256 ms at 100/s; `SQLITE_IN_LOOP=false` 119/s (0.23)
and at 100/s it fell behind: p50 3.1 s, p99 5.6 s, 97 arrivals turned away.
Nothing public serves instead: SQLAlchemy's events and pool options cannot move aiosqlite's
calls out of its thread, and fewer statements per answer were already made.

Two cases still go to the connection's thread, so that the loop never sits waiting:
- a statement run with the `LONG_RUNNING_OPTION` execution option (reports over the whole
  region, the outbox's clean-up);
- a statement that meets another process's write lock (an operator's command): SQLite's busy
  handler, which sleeps until the lock is free, is off in the loop (timeout 0) and on in the
  thread, where the statement is run again.
One call at a time per connection (SQLAlchemy's rule) means the two never overlap.

Turned off by the setting SQLITE_IN_LOOP=false, and off by itself (with a warning) when the
installed aiosqlite or SQLAlchemy is not the version it was written and tested against
(`BUILT_FOR`): tests/unit/test_sqlite_in_loop.py fails then, so that an upgrade re-checks it.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import version
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

logger = logging.getLogger(__name__)

# The distributions whose internals this module uses, at the versions it was checked with.
BUILT_FOR = {"aiosqlite": "0.22.1", "SQLAlchemy": "2.1.9"}

# The execution option of a statement that may take a while: it runs in the thread.
LONG_RUNNING_OPTION = "long_running"


@cache
def usable() -> bool:
    """The installed libraries are those `BUILT_FOR` names (warned once when not)."""
    installed = {name: version(name) for name in BUILT_FOR}
    if installed == BUILT_FOR:
        return True
    logger.warning(
        "SQLite statements run in aiosqlite's thread: this module was checked with %s, "
        "installed are %s",
        BUILT_FOR,
        installed,
    )
    return False


def create_engine(url: URL, path: str, *, busy_seconds: float, **options: Any) -> AsyncEngine:
    """An engine for the SQLite file `path` whose statements run in the loop."""

    async def connect() -> aiosqlite.Connection:
        connection = _Connection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False),
            iter_chunk_size=64,
            busy_seconds=busy_seconds,
        )
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connect()
        return await connection

    engine = create_async_engine(
        url, module=_InlineDBAPI(aiosqlite, sqlite3), async_creator=connect, **options
    )

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _where_to_run(
        connection: Any,
        _cursor: Any,
        _statement: Any,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        long_running = context is not None and context.execution_options.get(LONG_RUNNING_OPTION)
        connection.connection.driver_connection.in_thread = bool(long_running)

    return engine


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection, whose statements run in the event loop.

    aiosqlite runs every call in the connection's own thread: a statement of a bot update
    costs microseconds in SQLite and far more in hand-offs between the threads (futures,
    wake-ups, the GIL). Here statements, fetches and commits run where SQLAlchemy asks for
    them (`run`), as a synchronous driver would; two cases still go to the connection's
    thread, so that the loop never sits waiting:
    a long-running statement and one that meets another process's write lock (see the
    module's docstring).
    aiosqlite's own methods (close, create_function) keep to the thread.
    """

    in_thread = False  # set for each statement, see `_where_to_run`

    def __init__(self, *args: Any, busy_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.busy_seconds = busy_seconds

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
        return await_(self._execute(_waiting_for_lock, self._conn, self.busy_seconds, fn, *args))  # type: ignore[no-untyped-call]


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


def _waiting_for_lock(
    connection: sqlite3.Connection, busy_seconds: float, fn: Any, *args: Any, **kwargs: Any
) -> Any:
    """Runs `fn` with SQLite's busy handler on (in the connection's thread)."""
    connection.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
    try:
        return fn(*args, **kwargs)
    finally:
        connection.execute("PRAGMA busy_timeout = 0")
