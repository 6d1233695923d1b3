"""Commands over wizards: a typed command ends whatever step is open."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from bot.i18n import Localizer

# /cancel ends a wizard itself and says so in its own words.
ENDS_ITSELF = frozenset({"cancel"})


def is_command(message: Message) -> bool:
    """A typed «/word»: always a command, never the answer to a wizard's question."""
    return (message.text or "").startswith("/")


class CommandsEndWizards(BaseMiddleware):
    """A command typed while a wizard waits for input ends the wizard, in one place.

    Registration, the webinar wizard, the announcement composer, typed survey answers,
    school search…: whatever step is open, `/menu`, `/help` or a command nobody knows works
    as it would outside it, and the person is told the wizard stopped («Заполнение
    прервано.»). The state is cleared before the routers look at the message, so no
    typed step's handler can take the command for input."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message) and is_command(event) and data.get("raw_state"):
            name = (event.text or "/")[1:].split(maxsplit=1)[0].split("@")[0].lower()
            if name not in ENDS_ITSELF:
                state: FSMContext = data["state"]
                await state.clear()
                data["raw_state"] = None  # what the state filters of the routers read
                t: Localizer = data["t"]
                await event.answer(t("wizard-interrupted"))
        return await handler(event, data)
