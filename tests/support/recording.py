"""A Bot whose session records requests instead of calling Telegram (the bot tier)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import SendDocument, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Document, File, Message, PhotoSize, User

from tests.support.updates import BOT_USER

BOT = User.model_validate(BOT_USER)
TOKEN = "123456789:AAH-test-token-for-the-fake-bot-api_0"


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.failures: list[tuple[type[TelegramMethod[Any]], Exception]] = []
        # Chats whose every request fails with the error while Telegram is down for them.
        self.down: dict[int, Exception] = {}
        self._message_ids = itertools.count(5000)
        self.files: dict[str, bytes] = {}  # file_id: content, for bot.download()

    def fail_next(self, method: type[TelegramMethod[Any]], error: Exception) -> None:
        self.failures.append((method, error))

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        for failure in self.failures:
            if isinstance(method, failure[0]):
                self.failures.remove(failure)
                raise failure[1]
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int) and chat_id in self.down:
            raise self.down[chat_id]
        returning = method.__returning__
        if returning is Message:
            params = method.model_dump()
            chat_id = int(params["chat_id"])
            message_id = next(self._message_ids)
            result: Any = Message(
                message_id=message_id,
                date=datetime.now(UTC),
                chat=Chat(id=chat_id, type="private"),
                from_user=BOT,
                text=params.get("text"),
                **_file_sent(method, message_id),
            )
        elif returning is bool or bool in getattr(returning, "__args__", ()):
            # e.g. editMessageReplyMarkup returns Message | bool: True will do.
            result = True
        elif returning is User:
            result = BOT
        elif returning is File:
            file_id = method.model_dump()["file_id"]
            result = File(file_id=file_id, file_unique_id=file_id, file_path=f"files/{file_id}")
        else:
            raise NotImplementedError(f"RecordingSession cannot answer {type(method).__name__}")
        return result  # type: ignore[no-any-return]

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files[url.rsplit("/", 1)[-1]]


def _file_sent(method: TelegramMethod[Any], message_id: int) -> dict[str, Any]:
    """The document or photo of a sent message as Telegram describes it: the file id it
    was sent by, or a new one for an upload."""
    if isinstance(method, SendDocument):
        sent = method.document
        file_id = sent if isinstance(sent, str) else f"uploaded-doc-{message_id}"
        return {"document": Document(file_id=file_id, file_unique_id=file_id)}
    if isinstance(method, SendPhoto):
        sent = method.photo
        file_id = sent if isinstance(sent, str) else f"uploaded-photo-{message_id}"
        size = PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=600)
        return {"photo": [size]}
    return {}


def recording_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return bot, session
