"""The last resort for an exception in a step: log it, apologise, keep running; and
presses of messages out of sight."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, Chat, ErrorEvent, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.i18n import Localizer, Translator
from bot.services.errors import DomainError
from bot.telegram.bot_api import TRANSIENT, describe
from bot.views import apology, error_text

logger = logging.getLogger(__name__)


async def on_domain_error(
    event: ErrorEvent, t: Localizer | None = None, translator: Translator | None = None
) -> bool:
    """A refused action (no right, forged or stale ids, a used code): say why, change nothing.

    The update's session is closed without commit by the session middleware."""
    error = event.exception
    assert isinstance(error, DomainError)
    if t is None:
        assert translator is not None
        t = translator.for_locale(translator.default_locale)
    logger.info("Update %s refused: %s", event.update.update_id, error.reason)
    text = error_text(t, error)
    with suppress(TelegramAPIError):
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text)
    return True


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    translator: Translator,
    t: Localizer | None = None,
    event_chat: Chat | None = None,
) -> bool:
    # Only the update id and the traceback: never the text of the update (personal data).
    if isinstance(event.exception, TRANSIENT):
        # Telegram failed the call (after bot.telegram.bot_api's waits and safe retries): not a
        # defect here, and its traceback only aiogram's frames. One line per update.
        logger.error(
            "Unhandled error while processing update %s: %s",
            event.update.update_id,
            describe(event.exception),
        )
    else:
        logger.error(
            "Unhandled error while processing update %s",
            event.update.update_id,
            exc_info=event.exception,
        )
    if event.update.callback_query is not None:
        with suppress(TelegramAPIError):
            await event.update.callback_query.answer()
    if event_chat is not None:
        with suppress(TelegramAPIError):
            await bot.send_message(event_chat.id, apology(translator, t))
    return True


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_domain_error, ExceptionTypeFilter(DomainError))
    router.errors.register(on_error)
    return router


async def _outdated(_: CallbackQuery, callback_answer: CallbackAnswer, t: Localizer) -> None:
    callback_answer.text = t("fallback-callback")
    callback_answer.show_alert = True


async def _out_of_sight(callback: CallbackQuery) -> bool:  # async: aiogram awaits it in the loop
    return not isinstance(callback.message, Message)


def build_outdated_buttons_router() -> Router:
    """A press on a message the bot cannot see: deleted or too old (Telegram sends it
    inaccessible), or an inline one. Every step works on the pressed message, so such a
    press is called outdated before any of them runs. Registered first."""
    router = Router(name="outdated-buttons")
    router.callback_query.register(_outdated, _out_of_sight)
    return router
