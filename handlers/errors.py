"""The last resort for an exception in a handler: log it, apologise, keep running."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, ErrorEvent

from bot.i18n import Localizer, Translator

logger = logging.getLogger(__name__)


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    translator: Translator,
    t: Localizer | None = None,
    event_chat: Chat | None = None,
) -> bool:
    # Only the update id and the traceback: never the text of the update (personal data).
    logger.error(
        "Unhandled error while processing update %s",
        event.update.update_id,
        exc_info=event.exception,
    )
    if t is None:  # the failure came before the participant was loaded
        t = translator.for_locale(translator.default_locale)
    if event.update.callback_query is not None:
        with suppress(TelegramAPIError):
            await event.update.callback_query.answer()
    if event_chat is not None:
        with suppress(TelegramAPIError):
            await bot.send_message(event_chat.id, t("error-apology"))
    return True


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
