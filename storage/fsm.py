"""aiogram FSM storage on the bot's own database (JSON, never pickle)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import insert_for
from storage.models import FsmRecord
from storage.types import utcnow


class SqlStorage(BaseStorage):
    """One row per key; an empty state with empty data deletes the row."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._load(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise TypeError(f"FSM data must be a dict, not {type(data).__name__}")
        await self._upsert(key, {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._load(key)
        return dict(record.data) if record and record.data else {}

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _load(self, key: StorageKey) -> FsmRecord | None:
        async with self._session_factory() as session:
            result = await session.execute(
                select(FsmRecord).where(FsmRecord.key == self._key_builder.build(key))
            )
            return result.scalar_one_or_none()

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        storage_key = self._key_builder.build(key)
        now = utcnow()
        async with self._session_factory() as session:
            defaults: dict[str, Any] = {
                "key": storage_key,
                "state": None,
                "data": {},
                "updated_at": now,
            }
            statement = insert_for(session, FsmRecord).values({**defaults, **values})
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"], set_={**values, "updated_at": now}
                )
            )
            if not any(values.values()):  # only an empty state or data can empty the row
                await self._drop_if_empty(session, storage_key)
            await session.commit()

    @staticmethod
    async def _drop_if_empty(session: AsyncSession, storage_key: str) -> None:
        record = await session.get(FsmRecord, storage_key)
        if record is not None and record.state is None and not record.data:
            await session.delete(record)
