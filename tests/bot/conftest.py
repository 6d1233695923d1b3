"""The bot tier: the real Dispatcher with every router, fed updates, no network."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.conversation.actions import Action
from bot.i18n import Translator
from bot.settings import Settings, load_settings
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

    async def press(self, user: TelegramUser, data: str | Action) -> list[Any]:
        packed = data.pack() if isinstance(data, Action) else data
        return await self.feed(callback_update(next(self._update_ids), user, packed))

    async def alerts(self, user: TelegramUser, data: str | Action) -> list[str]:
        """The pop-up the user sees after pressing a button ([] when none).

        Telegram honours only the first answer to a button press, so only the first counts:
        a handler that answers before checking access shows the user nothing."""
        requests = await self.press(user, data)
        answers = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
        assert answers, f"the button press was never answered: {requests}"
        first = answers[0]
        return [str(first.text)] if first.show_alert and first.text else []

    def sent_to(self, user: TelegramUser, since: int = 0) -> list[SendMessage]:
        return [
            r
            for r in self.session.requests[since:]
            if isinstance(r, SendMessage) and r.chat_id == user.id
        ]

    async def replies(self, user: TelegramUser, text: str | None, **extra: Any) -> list[str]:
        """The texts of every message the bot sends to the user in answer to `text`."""
        requests = await self.send(user, text, **extra)
        return [
            str(r.text) for r in requests if isinstance(r, SendMessage) and r.chat_id == user.id
        ]

    async def reply_text(self, user: TelegramUser, text: str) -> str:
        """The text of the single message the bot sends back to `text`."""
        texts = await self.replies(user, text)
        assert len(texts) == 1, texts
        return texts[0]


ADMIN_TELEGRAM_ID = 900


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None, admin_ids=(ADMIN_TELEGRAM_ID,))


@pytest.fixture
def harness(
    session_factory: async_sessionmaker[AsyncSession], translator: Translator, settings: Settings
) -> BotHarness:
    bot, session = recording_bot()
    dispatcher = build_dispatcher(
        session_factory=session_factory,
        translator=translator,
        settings=settings,
        storage=SqlStorage(session_factory),
        events_isolation=SimpleEventIsolation(),
    )
    return BotHarness(dispatcher, bot, session)
