"""Sending one outbox payload with aiogram: used by the delivery loop and by previews."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message

from bot.keyboards import buttons_markup
from bot.services.delivery import Payload

CAPTION_LIMIT = 1024


async def send_payload(bot: Bot, chat_id: int, payload: Payload) -> Message:
    """Text with buttons, or a document / photo with the text as its caption (the file
    first and then the text when the text is too long for a caption)."""
    markup = buttons_markup(payload.buttons)
    if payload.document is None and payload.photo is None:
        return await bot.send_message(chat_id, payload.text, reply_markup=markup)
    if len(payload.text) > CAPTION_LIMIT:
        await _send_file(bot, chat_id, payload, caption=None, markup=None)
        return await bot.send_message(chat_id, payload.text, reply_markup=markup)
    return await _send_file(bot, chat_id, payload, caption=payload.text, markup=markup)


async def _send_file(
    bot: Bot,
    chat_id: int,
    payload: Payload,
    caption: str | None,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    if payload.photo is not None:
        return await bot.send_photo(chat_id, payload.photo, caption=caption, reply_markup=markup)
    assert payload.document is not None
    return await bot.send_document(chat_id, payload.document, caption=caption, reply_markup=markup)
