"""Telegram update ids already processed: a redelivered update is answered once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import ProcessedUpdateRepository
from storage.types import utcnow

# Telegram redelivers an unacknowledged update for at most a day.
KEEP_PROCESSED_FOR = timedelta(days=1)


async def claim(session: AsyncSession, update_id: int) -> bool:
    """True if this process should handle the update; False if it was handled before."""
    claimed = await ProcessedUpdateRepository(session).claim(update_id)
    await session.commit()
    return claimed


async def prune(session: AsyncSession, now: datetime | None = None) -> int:
    removed = await ProcessedUpdateRepository(session).prune((now or utcnow()) - KEEP_PROCESSED_FOR)
    await session.commit()
    return removed
