"""aiogram FSM storage on the bot's own database (JSON, never pickle)."""

from __future__ import annotations

import copy
from collections import OrderedDict
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
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import INSERTS
from storage.models import FsmRecord
from storage.types import utcnow

# Conversations whose state is kept in memory as well (the least recently used go first).
CACHED_KEYS = 10_000


# Built once (every update reads its state, most write it): see storage.db.INSERTS.
_READ = select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == bindparam("key"))


def _upserts(insert: Any) -> dict[str, Any]:
    """column: INSERT … ON CONFLICT that sets the column (and the time) of a key's row."""
    statements = {}
    for column in ("state", "data"):
        statement = insert(FsmRecord).values(
            key=bindparam("key"),
            state=bindparam("state"),
            data=bindparam("data"),
            updated_at=bindparam("updated_at"),
        )
        statements[column] = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                column: getattr(statement.excluded, column),
                "updated_at": statement.excluded.updated_at,
            },
        )
    return statements


class SqlStorage(BaseStorage):
    """One row per key; an empty state with empty data deletes the row.

    Every write goes to the database at once (a restart continues from there). Reads are
    served from a copy in memory once a key has been read or written: every update reads
    its state, and most read their data, so this saves a query or two per update. It
    assumes, as the bot does, that this process alone writes the conversation state:
    several replicas share Redis instead (REDIS_URL).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        # Plain connections: two statements at most, no ORM session needed.
        self._engine: AsyncEngine = session_factory.kw["bind"]
        self._upserts = _upserts(INSERTS[self._engine.dialect.name])
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        # storage key: (state, data) as stored
        self._cache: OrderedDict[str, tuple[str | None, dict[str, Any]]] = OrderedDict()
        # A read that overlapped a write of its key keeps its result out of the cache: each
        # write counts here as it starts and as it ends (the epoch changes when emptied).
        self._writes: dict[str, int] = {}
        self._epoch = 0

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        state, _data = await self._get(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise TypeError(f"FSM data must be a dict, not {type(data).__name__}")
        await self._upsert(key, {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await self._get(key)
        return copy.deepcopy(data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _get(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        storage_key = self._key_builder.build(key)
        cached = self._cache.get(storage_key)
        if cached is not None:
            self._cache.move_to_end(storage_key)
            return cached
        before = self._write_mark(storage_key)
        async with self._engine.connect() as connection:
            row = (await connection.execute(_READ, {"key": storage_key})).one_or_none()
        loaded = (row.state, dict(row.data or {})) if row else (None, {})
        if self._write_mark(storage_key) == before:
            self._remember(storage_key, loaded)
        return loaded

    def _write_mark(self, storage_key: str) -> tuple[int, int]:
        return self._epoch, self._writes.get(storage_key, 0)

    def _count_write(self, storage_key: str) -> None:
        if len(self._writes) > 2 * CACHED_KEYS:
            self._writes.clear()
            self._epoch += 1
        self._writes[storage_key] = self._writes.get(storage_key, 0) + 1

    def _remember(self, storage_key: str, value: tuple[str | None, dict[str, Any]]) -> None:
        self._cache[storage_key] = value
        self._cache.move_to_end(storage_key)
        while len(self._cache) > CACHED_KEYS:
            self._cache.popitem(last=False)

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        storage_key = self._key_builder.build(key)
        now = utcnow()
        known = self._cache.pop(storage_key, None)  # forgotten until the write is done
        self._count_write(storage_key)
        [(column, value)] = values.items()
        row = {"key": storage_key, "state": None, "data": {}, "updated_at": now, column: value}
        async with self._engine.begin() as connection:  # committed at the end of the block
            await connection.execute(self._upserts[column], row)
            if not value:  # only an empty state or data can empty the row
                await self._drop_if_empty(connection, storage_key)
        self._count_write(storage_key)
        if known is not None:
            state = values["state"] if "state" in values else known[0]
            data = copy.deepcopy(values["data"]) if "data" in values else known[1]
            self._remember(storage_key, (state, data))

    @staticmethod
    async def _drop_if_empty(connection: AsyncConnection, storage_key: str) -> None:
        row = (await connection.execute(_READ, {"key": storage_key})).one_or_none()
        if row is not None and row.state is None and not row.data:
            await connection.execute(delete(FsmRecord).where(FsmRecord.key == storage_key))
