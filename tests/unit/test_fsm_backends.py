"""Which FSM storage the bot picks, and the Redis one working when Redis is there."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_fsm
from bot.settings import load_settings
from storage.fsm import SqlStorage
from tests.conftest import TEST_REDIS_URL


def test_the_database_is_the_default_fsm_storage(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage, _isolation = build_fsm(load_settings(_env_file=None, redis_url=None), session_factory)
    assert isinstance(storage, SqlStorage)
    assert not isinstance(storage, MemoryStorage)


@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set")
async def test_redis_storage_when_redis_url_is_set(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    settings = load_settings(_env_file=None, redis_url=TEST_REDIS_URL)
    storage, isolation = build_fsm(settings, session_factory)
    assert isinstance(storage, RedisStorage)
    key = StorageKey(bot_id=1, chat_id=int(uuid.uuid4().int % 10**9), user_id=7)
    try:
        await storage.set_state(key, "LanguageChoice:choosing")
        await storage.set_data(key, {"step": 2})
        assert await storage.get_state(key) == "LanguageChoice:choosing"
        assert await storage.get_data(key) == {"step": 2}
        async with isolation.lock(key):
            pass
    finally:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        await storage.close()
        await isolation.close()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set")
async def test_redis_waits_for_a_connection_when_every_one_is_taken(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """More updates at once than the pool has connections: each waits for one, none fails
    with "Too many connections" (redis-py's default pool raises instead of waiting)."""
    settings = load_settings(_env_file=None, redis_url=TEST_REDIS_URL)
    storage, isolation = build_fsm(settings, session_factory)
    first = int(uuid.uuid4().int % 10**9)
    keys = [StorageKey(bot_id=1, chat_id=first + n, user_id=n) for n in range(250)]

    async def update(key: StorageKey) -> None:
        async with isolation.lock(key):
            await storage.set_state(key, "LanguageChoice:choosing")
            await asyncio.sleep(0.01)
            await storage.set_state(key, None)

    try:
        await asyncio.gather(*(update(key) for key in keys))
    finally:
        await storage.close()
        await isolation.close()
