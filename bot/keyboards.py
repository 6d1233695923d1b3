"""Keyboards and callback-data factories."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import Translator


def language_keyboard(translator: Translator) -> ReplyKeyboardMarkup:
    # Each language is named in itself, so the button is readable whatever the current locale.
    buttons = [
        KeyboardButton(text=translator.get(locale, f"lang-name-{locale}"))
        for locale in translator.locales
    ]
    return ReplyKeyboardMarkup(keyboard=[buttons], resize_keyboard=True, one_time_keyboard=True)
