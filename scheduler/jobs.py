"""Jobs run by the scheduler."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import updates

logger = logging.getLogger(__name__)


async def prune_processed_updates(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        removed = await updates.prune(session)
    if removed:
        logger.info("Pruned %d processed update ids", removed)
