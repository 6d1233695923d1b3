"""Set-up shared by the benchmarks: a fresh migrated database with many directors."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Account, Channel, OutboxMessage, OutboxStatus, Participant, Role
from storage.types import utcnow


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def database_with_directors(
    directors: int, first_telegram_id: int, url: str | None = None
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """`url`: a new SQLite file by default; a PostgreSQL database has its public schema
    emptied first, so each run starts from the same state."""
    url = url or sqlite_url(Path(tempfile.mkdtemp(prefix="bench-")) / "bench.sqlite3")
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    now = utcnow()
    async with sessions() as session:
        ids = await session.scalars(
            insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
            [
                {
                    "locale": "ru",
                    "role": Role.DIRECTOR,
                    "full_name": f"Директор {i}",
                    "registered_at": now,
                    "created_at": now,
                }
                for i in range(directors)
            ],
        )
        await session.execute(
            insert(Account),
            [
                {
                    "participant_id": participant_id,
                    "channel": Channel.TELEGRAM,
                    "external_id": first_telegram_id + i,
                    "created_at": now,
                }
                for i, participant_id in enumerate(ids.all())
            ],
        )
        await session.commit()
    return engine, sessions


async def plain_outbox_insert(
    sessions: async_sessionmaker[AsyncSession],
    people: Sequence[Participant],
    payload: dict[str, Any],
) -> float:
    """The baseline of the enqueue benchmarks: one outbox row per person by a plain
    executemany INSERT (no conflict handling, nothing skipped), committed; its seconds."""
    now = utcnow()
    rows = [
        {
            "kind": "baseline",
            "reference": "baseline",
            "participant_id": person.id,
            "channel": Channel.TELEGRAM,
            "chat_id": person.external_id(Channel.TELEGRAM) or 0,
            "payload": payload,
            "due_at": now,
            "status": OutboxStatus.SENT,
            "attempts": 0,
        }
        for person in people
    ]
    async with sessions() as session:
        started = time.perf_counter()
        await session.execute(insert(OutboxMessage), rows)
        await session.commit()
        return time.perf_counter() - started
