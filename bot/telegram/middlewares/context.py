from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.i18n import Translator
from bot.services import participants
from storage.models import Channel


class ParticipantMiddleware(BaseMiddleware):
    """Loads the participant and gives handlers `participant` and `t`; it writes nothing.

    Someone without a row gets an unsaved participant (`participants.current`): only
    consent or a language choice stores a person. The locale is the participant's own; a
    new participant's first guess comes from Telegram's `language_code`.
    """

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            data["participant"] = None
            data["t"] = self._translator.for_locale(self._translator.default_locale)
            return await handler(event, data)
        participant = await participants.current(
            data["session"],
            Channel.TELEGRAM,
            user.id,
            self._translator.resolve_locale(user.language_code),
        )
        data["participant"] = participant
        data["t"] = self._translator.for_locale(participant.locale)
        return await handler(event, data)
