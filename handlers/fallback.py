"""The catch-all: anything no other router understood. Registered last."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.i18n import Localizer
from bot.middlewares.commands import is_command


async def unknown_message(message: Message, t: Localizer) -> None:
    await message.answer(t("fallback-command" if is_command(message) else "fallback-text"))


async def stale_button(_: CallbackQuery, callback_answer: CallbackAnswer, t: Localizer) -> None:
    callback_answer.text = t("fallback-callback")
    callback_answer.show_alert = True


def _out_of_sight(callback: CallbackQuery) -> bool:
    return not isinstance(callback.message, Message)


def build_outdated_buttons_router() -> Router:
    """A press on a message the bot cannot see: deleted or too old (Telegram sends it
    inaccessible), or an inline one. Every handler works on the pressed message, so such a
    press is called outdated before any of them runs. Registered first."""
    router = Router(name="outdated-buttons")
    router.callback_query.register(stale_button, _out_of_sight)
    return router


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router
