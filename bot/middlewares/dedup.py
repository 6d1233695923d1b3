from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import updates

logger = logging.getLogger(__name__)


class DeduplicationMiddleware(BaseMiddleware):
    """Drops an update whose id was already processed (Telegram may deliver one twice).

    The claim is committed before the handler runs, in its own transaction: an update whose
    handler failed is not handled again (the user already got an apology).
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        async with self._session_factory() as session:
            claimed = await updates.claim(session, event.update_id)
        if not claimed:
            logger.info("Update %s was already processed: dropped", event.update_id)
            return None
        return await handler(event, data)
