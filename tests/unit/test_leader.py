"""Leader election (scheduler/leader.py): of two electors one wins; the leader's death, its
release or its lost lease lets the other win, and the leader's work stops first."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from scheduler import leader
from scheduler.leader import AdvisoryLock, Elector, LeaseRow
from storage.db import create_engine
from storage.models import Lease


class Clock:
    """Wall and monotonic time a test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
        self.ticks = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.ticks

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.ticks += seconds


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_of_two_lease_holders_one_wins_until_it_releases(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = LeaseRow(session_factory, lease=30, renew=10)
    second = LeaseRow(session_factory, lease=30, renew=10)
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.acquire()  # the holder may take it again (a renewal)
    await first.release()
    assert await second.acquire()
    assert not await first.acquire()


async def test_a_lease_not_renewed_runs_out_and_another_takes_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()

    def row() -> LeaseRow:
        return LeaseRow(
            session_factory, lease=30, renew=10, clock=clock.wall, monotonic=clock.monotonic
        )

    first, second = row(), row()
    assert await first.acquire()
    clock.advance(29)
    assert not await second.acquire()
    clock.advance(2)  # the leader died 31 s ago: nobody renewed its lease
    assert await second.acquire()


async def test_the_lease_of_a_process_that_is_gone_is_not_waited_for(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A bot killed and started again on the same machine leads again at once."""
    mine = leader.process_identity().split("|")
    gone = "|".join([*mine[:2], str(dead_pid()), "0000"])
    alive = "|".join([*mine[:2], str(os.getppid()), "0000"])  # pytest's parent lives on
    assert leader.is_gone(gone)
    assert not leader.is_gone(alive)
    assert not leader.is_gone("other-host|pid:[1]|1|0000")
    assert not leader.is_gone(leader.process_identity())

    assert await LeaseRow(session_factory, lease=30, renew=10, holder=alive).acquire()
    assert not await LeaseRow(session_factory, lease=30, renew=10).acquire()
    async with session_factory() as session:
        await session.execute(update(Lease).values(holder=gone))
        await session.commit()
    assert await LeaseRow(session_factory, lease=30, renew=10).acquire()


async def test_a_leader_whose_lease_was_taken_stops_keeping_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = LeaseRow(session_factory, lease=1.0, renew=0.1)
    assert await first.acquire()
    keeping = asyncio.create_task(first.keep())
    await asyncio.sleep(0.3)
    assert not keeping.done()  # renewed
    async with session_factory() as session:  # e.g. a clock jump let another take it
        await session.execute(update(Lease).values(holder="another|-|1|0000"))
        await session.commit()
    await asyncio.wait_for(keeping, 1.0)


async def test_a_leader_that_cannot_renew_stops_before_its_lease_runs_out(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    class Broken:
        """A session factory whose database has gone away."""

        def __call__(self) -> AsyncSession:
            raise ConnectionError("the database went away")

    first = LeaseRow(session_factory, lease=1.0, renew=0.2)
    assert await first.acquire()
    first._session_factory = Broken()  # type: ignore[assignment]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(first.keep(), 2.0)
    # Stopped before the lease ran out (its last tenth is the margin).
    assert loop.time() - started < 0.95


class Replica:
    """One process's election loop, with work that records when it ran."""

    def __init__(self, name: str, elector: Elector, log: list[str]) -> None:
        self.name = name
        self.elector = elector
        self.log = log
        self.working = False
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def work(self, until: asyncio.Event) -> None:
        # Whoever started last has stopped: never two at work at once.
        assert not self.log or self.log[-1].endswith("stops"), self.log
        self.working = True
        self.log.append(f"{self.name} starts")
        try:
            await until.wait()
        finally:
            self.working = False
            self.log.append(f"{self.name} stops")

    @staticmethod
    async def noop(until: asyncio.Event) -> None:
        raise AssertionError("never elected")

    def start(self) -> None:
        self.task = asyncio.create_task(
            leader.lead(self.elector, self.work, self.stop, retry_every=0.05)
        )

    async def stopped(self) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_two_replicas_one_works_and_the_other_takes_over_when_it_stops(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    log: list[str] = []
    a = Replica("a", LeaseRow(session_factory, lease=1.0, renew=0.1), log)
    b = Replica("b", LeaseRow(session_factory, lease=1.0, renew=0.1), log)
    a.start()
    await until(lambda: a.working)
    b.start()
    await asyncio.sleep(0.5)  # b tries ten times meanwhile; a renews its lease
    assert (a.working, b.working) == (True, False)
    await a.stopped()  # released: b need not wait for the lease to run out
    await until(lambda: b.working, timeout=0.5)
    await b.stopped()
    assert log == ["a starts", "a stops", "b starts", "b stops"]


async def test_a_leader_that_loses_its_lease_stops_its_work(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    log: list[str] = []
    a = Replica("a", LeaseRow(session_factory, lease=1.0, renew=0.1), log)
    a.start()
    await until(lambda: a.working)
    async with session_factory() as session:
        lease_end = datetime.now(UTC) + timedelta(hours=1)
        await session.execute(update(Lease).values(holder="another|-|1|0000", expires_at=lease_end))
        await session.commit()
    await until(lambda: not a.working, timeout=1.0)
    await asyncio.sleep(0.2)
    assert not a.working  # it keeps trying, and the lease is another's
    await a.stopped()
    assert log == ["a starts", "a stops"]


async def test_work_that_fails_gives_leadership_up_and_starts_again(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    runs = 0

    async def failing(until: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("the delivery loop died")

    stop = asyncio.Event()
    task = asyncio.create_task(
        leader.lead(
            LeaseRow(session_factory, lease=1.0, renew=0.1), failing, stop, retry_every=0.05
        )
    )
    await until(lambda: runs >= 3)
    stop.set()
    await asyncio.wait_for(task, 5)
    async with session_factory() as session:
        assert await session.scalar(select(Lease.holder)) is None  # released each time


# -- PostgreSQL: an advisory lock held by a session --------------------------------------


@pytest.fixture
async def engines(
    engine: AsyncEngine, database_kind: str
) -> AsyncIterator[Callable[[], AsyncEngine]]:
    """Engines of replicas of their own on the test's PostgreSQL database."""
    if database_kind != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    url = engine.url.render_as_string(hide_password=False)
    made: list[AsyncEngine] = []

    def another() -> AsyncEngine:
        made.append(create_engine(url))
        return made[-1]

    yield another
    for each in made:
        await each.dispose()


async def terminate_lock_holder(engine: AsyncEngine) -> int:
    """pg_terminate_backend of the session holding the leader's lock (as a server restart
    or a dropped connection would end it); how many sessions were ended."""
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            f"WHERE locktype = 'advisory' AND objid = {leader.LEADER_LOCK} AND granted"
        )
        return len(result.all())


async def test_of_two_lock_holders_one_wins_until_it_releases(
    engines: Callable[[], AsyncEngine],
) -> None:
    first = AdvisoryLock(engines(), check_every=0.2)
    second = AdvisoryLock(engines(), check_every=0.2)
    try:
        assert await first.acquire()
        assert not await second.acquire()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.close()
        await second.close()


async def test_the_lock_holder_notices_its_session_end_at_once(
    engines: Callable[[], AsyncEngine],
) -> None:
    first = AdvisoryLock(engines(), check_every=30)  # no check comes in time: the listener
    second = AdvisoryLock(engines(), check_every=30)
    try:
        assert await first.acquire()
        keeping = asyncio.create_task(first.keep())
        await asyncio.sleep(0.1)
        assert not keeping.done()
        assert await terminate_lock_holder(engines()) == 1
        await asyncio.wait_for(keeping, 2.0)
        assert await second.acquire()
    finally:
        await first.close()
        await second.close()


async def test_a_replica_killed_with_its_lock_lets_another_lead(
    engines: Callable[[], AsyncEngine],
) -> None:
    """A process holding the lock is killed (kill -9): the server ends its session, and
    the lock with it."""
    url = engines().url.render_as_string(hide_password=False)
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_THE_LOCK,
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdout is not None
    assert await asyncio.wait_for(holder.stdout.readline(), 60) == b"leading\n"
    second = AdvisoryLock(engines(), check_every=1)
    try:
        assert not await second.acquire()
        holder.kill()
        await holder.wait()
        deadline = asyncio.get_running_loop().time() + 5
        while not await second.acquire():
            assert asyncio.get_running_loop().time() < deadline, "the lock was never free"
            await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):
            holder.kill()
        await second.close()


HOLD_THE_LOCK = """
import asyncio, sys
from scheduler.leader import AdvisoryLock
from storage.db import create_engine

async def main():
    lock = AdvisoryLock(create_engine(sys.argv[1]), check_every=1)
    assert await lock.acquire()
    print("leading", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_two_replicas_on_postgresql_one_works_and_the_other_takes_over(
    engines: Callable[[], AsyncEngine],
) -> None:
    log: list[str] = []
    a = Replica("a", AdvisoryLock(engines(), check_every=0.2), log)
    b = Replica("b", AdvisoryLock(engines(), check_every=0.2), log)
    a.start()
    await until(lambda: a.working)
    b.start()
    await asyncio.sleep(0.3)
    assert (a.working, b.working) == (True, False)
    assert await terminate_lock_holder(engines()) == 1  # a's session ends
    await until(lambda: not a.working, timeout=1.0)  # at once, not at its next check
    a.stop.set()  # before its next try (in 0.05 s): b is the one to take over
    await until(lambda: b.working)
    await a.stopped()
    await b.stopped()
    assert log == ["a starts", "a stops", "b starts", "b stops"]


async def test_stopping_does_not_wait_for_a_database_that_does_not_answer() -> None:
    class Hanging:
        """An elector whose database never answers a connection."""

        async def acquire(self) -> bool:
            await asyncio.Event().wait()
            return True

        async def keep(self) -> None: ...

        async def release(self) -> None: ...

        async def close(self) -> None: ...

    stop = asyncio.Event()
    task = asyncio.create_task(leader.lead(Hanging(), Replica.noop, stop, retry_every=5))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 1.0)
