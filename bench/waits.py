"""Where the bot's time goes during a benchmark run, read from outside the bot, cheaply.

- PostgreSQL: `pg_stat_activity` sampled every SAMPLE_SECONDS, each of the bot's
  connections put to its replica (its client port, found in /proc among the sockets the
  replica's process holds) and to a state: executing (no wait event: the server's CPU),
  waiting for a lock, waiting for something else (I/O, LWLock…), idle in a transaction
  (the bot holds a transaction open while it does something else: its own CPU, Redis,
  the Bot API), idle. By Little's law the mean number of connections in a state divided
  by the answers a second is that state's seconds per answer.
- Redis: `INFO commandstats` before and after: commands and the server's microseconds per
  answer. The counts are the whole server's: give the benchmark a Redis of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SAMPLE_SECONDS = 0.1
STATES = ("executing", "lock", "other wait", "idle in transaction", "idle")


def _socket_ports(port: int) -> dict[str, int]:
    """socket inode: local port, of the TCP connections to `port` on this machine."""
    found: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if int(remote.rsplit(":", 1)[1], 16) == port:
                    found[inode] = int(local.rsplit(":", 1)[1], 16)
    return found


def _inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


@dataclass
class DatabaseWaits:
    """Per replica, the mean number of its connections in each state."""

    samples: int = 0
    counts: list[Counter[str]] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)  # "other wait": type: event

    def busiest_events(self, top: int = 3) -> str:
        total = sum(self.events.values())
        return ", ".join(
            f"{name} {count / total:.0%}" for name, count in self.events.most_common(top)
        )

    def mean(self, replica: int, state: str) -> float:
        return self.counts[replica][state] / self.samples if self.samples else 0.0


class PostgresSampler:
    def __init__(self, url: str, pids: Sequence[int]) -> None:
        self._engine: AsyncEngine = create_async_engine(url, pool_size=1)
        self._port = 5432
        self._pids = list(pids)
        self._owners: dict[int, int] = {}  # client port: replica
        self.waits = DatabaseWaits(counts=[Counter() for _ in pids])
        self._task: asyncio.Task[None] | None = None

    def _learn_owners(self) -> None:
        ports = _socket_ports(self._port)
        for replica, pid in enumerate(self._pids):
            for inode in _inodes(pid):
                if inode in ports:
                    self._owners[ports[inode]] = replica

    async def start(self) -> None:
        async with self._engine.connect() as connection:
            self._port = int(await connection.scalar(text("SHOW port")) or 5432)
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> DatabaseWaits:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._engine.dispose()
        return self.waits

    async def _sample(self) -> None:
        query = text(
            "SELECT client_port, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        async with self._engine.connect() as connection:
            while True:
                rows = (await connection.execute(query)).all()
                await connection.commit()  # a fresh snapshot of the statistics each time
                if any(row[0] not in self._owners for row in rows):
                    self._learn_owners()
                self.waits.samples += 1
                for port, state, wait, event in rows:
                    replica = self._owners.get(port)
                    if replica is not None:
                        kind = _state(state, wait)
                        self.waits.counts[replica][kind] += 1
                        if kind == "other wait":
                            self.waits.events[f"{wait}: {event}"] += 1
                await asyncio.sleep(SAMPLE_SECONDS)


def _state(state: str | None, wait: str | None) -> str:
    if state == "active":
        if wait is None:
            return "executing"
        return "lock" if wait == "Lock" else "other wait"
    if state and state.startswith("idle in transaction"):
        return "idle in transaction"
    return "idle"


async def redis_commandstats(url: str) -> dict[str, tuple[int, int]]:
    """command: (calls, microseconds) since the server started."""
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        stats: dict[str, Any] = await client.info("commandstats")
    finally:
        await client.aclose()
    return {
        name.removeprefix("cmdstat_"): (int(value["calls"]), int(value["usec"]))
        for name, value in stats.items()
    }


async def flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def redis_per_answer(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], answers: int
) -> tuple[float, float, str]:
    """Commands per answer, the server's µs per answer, and the busiest commands."""
    calls: Counter[str] = Counter()
    usec: Counter[str] = Counter()
    for name, (count, spent) in after.items():
        old_count, old_spent = before.get(name, (0, 0))
        calls[name] = count - old_count
        usec[name] = spent - old_spent
    calls.pop("info", None)
    usec.pop("info", None)
    if not answers:
        return 0.0, 0.0, ""
    busiest = ", ".join(
        f"{name} {count / answers:.1f}" for name, count in calls.most_common(4) if count
    )
    return sum(calls.values()) / answers, sum(usec.values()) / answers, busiest
