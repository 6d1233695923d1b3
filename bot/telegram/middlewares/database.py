from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import updates

logger = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """One AsyncSession per update, as `session`; services commit what they change.

    The update is claimed with the first commit (see bot.services.updates): one already
    processed (Telegram may deliver one twice) is dropped before its handler runs. One
    whose handler failed is claimed too, its changes rolled back: the user already got an
    apology, and a redelivery would not fare better.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        redeliveries: updates.Redeliveries,
    ) -> None:
        self._session_factory = session_factory
        self._redeliveries = redeliveries

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        async with self._session_factory() as session:
            if self._redeliveries.possible(event.update_id) and await updates.was_processed(
                session, event.update_id
            ):
                logger.info("Update %s was already processed: dropped", event.update_id)
                return None
            updates.claim_with_first_commit(session, event.update_id)
            data["session"] = session
            try:
                result = await handler(event, data)
            except updates.AlreadyProcessed:
                logger.info("Update %s was processed meanwhile: dropped", event.update_id)
                return None
            except BaseException:
                with suppress(Exception):  # the handler's error is the one to report
                    await updates.claim_unless_committed(session)
                raise
            await updates.claim_unless_committed(session)
            return result
