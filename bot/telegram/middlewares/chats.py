from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType, MessageEntityType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, Message, TelegramObject, Update, User

from bot.i18n import Translator

# Chats told so far, kept in memory (the least recently told go first).
REMEMBERED_CHATS = 10_000


class PrivateChatsOnly(BaseMiddleware):
    """The bot works in private chats only: nothing reaches the handlers from a group, a
    supergroup or a channel, so nothing with personal data is ever posted there.

    A command there (or a reply to the bot) is answered once per chat, while this process
    runs, with where the bot works; other messages, membership changes and the rest are
    ignored; a button pressed on a message there gets a pop-up refusal. It runs before the
    database session: such an update reads and writes nothing.
    """

    def __init__(self, translator: Translator) -> None:
        self._translator = translator
        self._told: OrderedDict[int, None] = OrderedDict()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        user: User | None = data.get("event_from_user")
        t = self._translator.for_locale(
            self._translator.resolve_locale(user.language_code if user else None)
        )
        with suppress(TelegramAPIError):  # removed from the chat meanwhile, or muted there
            if event.callback_query is not None:
                await bot.answer_callback_query(
                    event.callback_query.id, text=t("private-only-button"), show_alert=True
                )
            message = event.message or event.channel_post
            if message is not None and _addressed(message, bot) and self._first_time(chat.id):
                await bot.send_message(chat.id, t("private-only"))
        return None

    def _first_time(self, chat_id: int) -> bool:
        if chat_id in self._told:
            self._told.move_to_end(chat_id)
            return False
        self._told[chat_id] = None
        while len(self._told) > REMEMBERED_CHATS:
            self._told.popitem(last=False)
        return True


def _addressed(message: Message, bot: Bot) -> bool:
    """A command, or a reply to one of the bot's messages: someone meant the bot."""
    entities = message.entities or []
    if any(e.type == MessageEntityType.BOT_COMMAND and e.offset == 0 for e in entities):
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)
