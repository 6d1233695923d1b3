"""Leader election: every replica may run the scheduler and the delivery loop; the one
elected does, and another takes over when it dies.

- PostgreSQL (`AdvisoryLock`): the leader holds a session-level advisory lock
  (`LEADER_LOCK`) on a connection of its own; the others try to take it every
  LEADER_RETRY_SECONDS. PostgreSQL lets go of the lock when that session ends: at once when
  the leader's process dies (its socket is closed), within about half a minute when its
  machine vanishes (the session's TCP keepalives, set below). The leader stops working the
  moment asyncpg reports the connection lost, and when a check (every
  LEADER_RENEW_SECONDS) gets no answer: before the server lets another replica have it.
- SQLite (`LeaseRow`, one machine): a row of `leases` names the holder and when its lease
  runs out (LEADER_LEASE_SECONDS); the leader renews it every LEADER_RENEW_SECONDS and
  stops working when it could not renew it in time, before the lease runs out. A
  holder whose process is gone (same machine and pid namespace, no such pid) is not waited
  for: a restarted bot leads again at once.

`lead` runs the election and the leader's work (a function given an event that is set when
the work must stop: the process stops, or leadership is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.repositories.leases import LeaseRepository
from storage.types import utcnow

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's key: any number no other lock of ours uses ("led" in ASCII; the
# migrations take storage.migrate.MIGRATION_LOCK).
LEADER_LOCK = 0x6C6564
LEASE_NAME = "scheduler"
# The server drops the lock's session this soon after the leader's machine stops answering
# (idle, interval and count of its TCP keepalives: about 10 + 3 × 5 s).
KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}

# The leader's work: runs until the event is set (or fails), and returns once stopped.
Work = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class Elector(Protocol):
    async def acquire(self) -> bool:
        """Tries to become the leader (or stay it); whether this process leads now."""

    async def keep(self) -> None:
        """While leading: returns when leadership is lost or can no longer be vouched for."""

    async def release(self) -> None:
        """Lets another replica lead (at once, not after a lease runs out)."""

    async def close(self) -> None:
        """Releases what the elector holds; it is not used again."""


class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a connection held for it."""

    def __init__(self, engine: AsyncEngine, *, key: int = LEADER_LOCK, check_every: float) -> None:
        self._engine = engine
        self._key = key
        self._check_every = check_every
        self._connection: AsyncConnection | None = None
        self._lost = asyncio.Event()

    async def _connect(self) -> AsyncConnection:
        if self._connection is not None:
            return self._connection
        connection = await self._engine.connect()
        try:
            for name, value in KEEPALIVES.items():
                await connection.execute(text(f"SET {name} = {int(value)}"))
            await connection.commit()
            raw = await connection.get_raw_connection()
            lost = self._lost = asyncio.Event()
            # asyncpg calls this as soon as it sees the connection closed (the server
            # restarted, the session was terminated, the network dropped it).
            raw.driver_connection.add_termination_listener(  # type: ignore[union-attr]
                lambda _connection: lost.set()
            )
        except BaseException:
            await _discard(connection)
            raise
        self._connection = connection
        return connection

    async def acquire(self) -> bool:
        connection = await self._connect()
        try:
            got = await connection.scalar(select(func.pg_try_advisory_lock(self._key)))
            await connection.commit()  # a session-level lock outlives the transaction
        except BaseException:
            await self._drop()
            raise
        return bool(got)

    async def keep(self) -> None:
        assert self._connection is not None
        connection = self._connection
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self._check_every)
            if self._lost.is_set():
                logger.warning("The leader's database connection was lost")
                return
            try:
                await asyncio.wait_for(connection.execute(select(1)), self._check_every)
                await connection.commit()
            except Exception as error:  # whatever failed, the lock can no longer be vouched for
                logger.warning("The leader's database connection does not answer (%r)", error)
                return

    async def release(self) -> None:
        # Closing the connection ends the session, which lets go of the lock whatever
        # state the connection is in; returned to the pool, it would keep holding it.
        await self._drop()

    async def close(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await _discard(connection)


async def _discard(connection: AsyncConnection) -> None:
    """Closes the connection for good (never back into the pool)."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


def process_identity() -> str:
    """This process, as a lease's holder: the machine, its pid namespace, the pid and a
    random part (a pid is used again one day)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:  # no /proc: the holder cannot be told gone, only run out
        namespace = "-"
    return f"{socket.gethostname()}|{namespace}|{os.getpid()}|{secrets.token_hex(4)}"


def is_gone(holder: str) -> bool:
    """Whether the holder's process has certainly ended: it ran on this machine, in this
    pid namespace, and no process has its pid. Anything else might still be alive."""
    parts = holder.split("|")
    if len(parts) != 4 or parts[1] == "-" or not parts[2].isdigit():
        return False
    mine = process_identity().split("|")
    if parts[:2] != mine[:2] or int(parts[2]) == os.getpid():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. PermissionError: it exists, another user's
        return False
    return False


class LeaseRow:
    """SQLite: a row of `leases`, renewed while leading."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        lease: float,
        renew: float,
        name: str = LEASE_NAME,
        holder: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert renew < lease
        self._session_factory = session_factory
        self._lease = lease
        self._renew = renew
        self._name = name
        self.holder = holder or process_identity()
        self._clock = clock
        self._monotonic = monotonic
        # Working stops this long before the lease would run out: a replica that takes it
        # then finds this one stopped.
        self._margin = lease / 10
        self._valid_until = 0.0

    async def acquire(self) -> bool:
        started, now = self._monotonic(), self._clock()
        async with self._session_factory() as session:
            leases = LeaseRepository(session)
            current = await leases.holder(self._name)
            stale = current if current and current != self.holder and is_gone(current) else None
            got = await leases.take(
                self._name,
                self.holder,
                now,
                now + timedelta(seconds=self._lease),
                stale=stale,
            )
        if got:
            if stale is not None:
                logger.info("The last leader's process (%s) is gone: not waiting", stale)
            self._valid_until = started + self._lease - self._margin
        return got

    async def keep(self) -> None:
        pause = self._renew
        while True:
            left = self._valid_until - self._monotonic()
            if left <= 0:
                logger.warning("The leader's lease could not be renewed in time")
                return
            await asyncio.sleep(min(pause, left))
            if self._monotonic() >= self._valid_until:
                continue  # said above, on the next turn
            started, now = self._monotonic(), self._clock()
            try:
                async with self._session_factory() as session:
                    held = await LeaseRepository(session).renew(
                        self._name, self.holder, now + timedelta(seconds=self._lease)
                    )
            except Exception as error:  # a database hiccup: tried again soon, while time is left
                logger.warning("Renewing the leader's lease failed (%r)", error)
                pause = min(1.0, self._renew)
                continue
            if not held:
                logger.warning("The leader's lease was taken by another process")
                return
            self._valid_until = started + self._lease - self._margin
            pause = self._renew

    async def release(self) -> None:
        self._valid_until = 0.0
        async with self._session_factory() as session:
            await LeaseRepository(session).release(self._name, self.holder)

    async def close(self) -> None:
        pass  # a lease held is released by `release`; nothing else is held


def elector_for(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    lease: float,
    renew: float,
) -> Elector:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, check_every=renew)
    return LeaseRow(session_factory, lease=lease, renew=renew)


async def lead(
    elector: Elector,
    work: Work,
    stop: asyncio.Event,
    *,
    retry_every: float,
    on_change: Callable[[bool], None] = lambda _leads: None,
) -> None:
    """Until `stop` is set: tries to become the leader every `retry_every` seconds; while
    leading runs `work`, which is told to stop (its event set) the moment leadership is lost
    or `stop` is set. If the work ends by itself it has failed: leadership is given up, so
    that another replica (or this one, at its next try) starts it afresh. `on_change` is told
    True on becoming the leader and False after each try that did not win, and on losing."""
    try:
        while not stop.is_set():
            leads = await _try(elector, stop)
            if leads and stop.is_set():
                with contextlib.suppress(Exception):
                    await elector.release()
                break
            if leads:
                on_change(True)
                await _lead_once(elector, work, stop)
            on_change(False)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_every)
    finally:
        with contextlib.suppress(Exception):
            await elector.close()


# A try at becoming the leader that takes longer than this (a database that does not
# answer a connection) counts as lost; so does one that the process stopping interrupts.
ACQUIRE_TIMEOUT = 15.0


async def _try(elector: Elector, stop: asyncio.Event) -> bool:
    trying = asyncio.ensure_future(elector.acquire())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait(
        {trying, stopping}, timeout=ACQUIRE_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    stopping.cancel()
    if not trying.done():
        trying.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await trying
        if not stop.is_set():
            logger.warning("Leader election: the database did not answer in time")
        return False
    try:
        return trying.result()
    except Exception as error:  # the database is away: this replica does not lead
        logger.warning("Leader election: the database does not answer (%r)", error)
        return False


async def _lead_once(elector: Elector, work: Work, stop: asyncio.Event) -> None:
    logger.info("This replica leads: the scheduler and the delivery loop start")
    ending = asyncio.Event()
    working = asyncio.create_task(work(ending), name="leader-work")
    keeping = asyncio.create_task(elector.keep(), name="leader-keep")
    stopping = asyncio.create_task(stop.wait())
    lost = False
    try:
        await asyncio.wait({working, keeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        lost = keeping.done()
    finally:
        ending.set()
        keeping.cancel()
        stopping.cancel()
        try:
            await working
        except Exception:
            logger.exception("The leader's work failed")
        else:
            if not lost and not stop.is_set():
                logger.error("The leader's work ended by itself")
        try:
            await elector.release()
        except Exception as error:  # it runs out, or the server drops it, all the same
            logger.warning("Releasing leadership failed (%r)", error)
    if lost:
        logger.warning("Leadership lost: the scheduler and the delivery loop stopped")
    elif not stop.is_set():
        logger.warning("Leadership given up: the scheduler and the delivery loop stopped")
