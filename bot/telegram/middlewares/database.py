from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import updates


class DbSessionMiddleware(BaseMiddleware):
    """One AsyncSession per update, as `session`; services commit what they change.

    The update is claimed with the first commit (`bot.services.updates.handled_once`): one
    already processed (Telegram may deliver one twice) is dropped before its handler runs.
    One whose handler failed is claimed too, its changes rolled back: the user already got
    an apology, and a redelivery would not fare better.
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

        async def work(session: AsyncSession) -> Any:
            data["session"] = session
            return await handler(event, data)

        return await updates.handled_once(
            self._session_factory, event.update_id, self._redeliveries, work
        )
