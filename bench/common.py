"""Set-up shared by the benchmarks: a fresh migrated SQLite file with many directors."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Participant, Role
from storage.types import utcnow


async def database_with_directors(
    directors: int, first_telegram_id: int, path: Path | None = None
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    path = path or Path(tempfile.mkdtemp(prefix="bench-")) / "bench.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    now = utcnow()
    async with sessions() as session:
        await session.execute(
            insert(Participant),
            [
                {
                    "telegram_id": first_telegram_id + i,
                    "locale": "ru",
                    "role": Role.DIRECTOR,
                    "full_name": f"Директор {i}",
                    "registered_at": now,
                    "created_at": now,
                }
                for i in range(directors)
            ],
        )
        await session.commit()
    return engine, sessions
