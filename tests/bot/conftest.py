"""The bot tier: the real Dispatcher with every router, fed updates, no network."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.i18n import Translator
from bot.settings import load_settings
from storage.fsm import SqlStorage
from tests.support.recording import RecordingSession, recording_bot
from tests.support.updates import TelegramUser, callback_update, message_update


@pytest.fixture
def database_kind() -> str:
    # The bot tier is about the dispatcher; the storage tier covers PostgreSQL.
    return "sqlite"


class BotHarness:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, session: RecordingSession) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self._update_ids = itertools.count(1)

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        """Process one update; the requests the bot made while handling it."""
        since = len(self.session.requests)
        await self.dispatcher.feed_update(self.bot, Update.model_validate(update))
        return self.session.requests[since:]

    async def send(self, user: TelegramUser, text: str | None, **extra: Any) -> list[Any]:
        return await self.feed(message_update(next(self._update_ids), user, text, **extra))

    async def press(self, user: TelegramUser, data: str) -> list[Any]:
        return await self.feed(callback_update(next(self._update_ids), user, data))

    async def reply_text(self, user: TelegramUser, text: str) -> str:
        """The text of the single message the bot sends back to `text`."""
        requests = await self.send(user, text)
        texts = [r.text for r in requests if hasattr(r, "text") and r.chat_id == user.id]
        assert len(texts) == 1, requests
        return str(texts[0])


@pytest.fixture
def harness(
    session_factory: async_sessionmaker[AsyncSession], translator: Translator
) -> BotHarness:
    bot, session = recording_bot()
    dispatcher = build_dispatcher(
        session_factory=session_factory,
        translator=translator,
        settings=load_settings(_env_file=None),
        storage=SqlStorage(session_factory),
        events_isolation=SimpleEventIsolation(),
    )
    return BotHarness(dispatcher, bot, session)
