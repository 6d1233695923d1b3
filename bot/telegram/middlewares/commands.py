"""Commands over wizards on Telegram: bot.conversation.wizards before any state filter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject

from bot.conversation import wizards


class CommandsEndWizards(BaseMiddleware):
    """A command typed while a wizard waits for input ends the wizard (see
    bot.conversation.wizards). The state is cleared before the routers look at the
    message, so no typed step's handler can take the command for input."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message) and await wizards.end_for_command(
            event.text or "", data.get("raw_state"), data["state"], data["t"], event.answer
        ):
            data["raw_state"] = None  # what the state filters of the routers read
        return await handler(event, data)
