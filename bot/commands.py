"""The command menu Telegram shows next to the input field, in every locale."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import Translator

COMMANDS = ("start", "menu", "surveys", "schedule", "me", "help", "lang", "cancel", "forget")


def commands_for(translator: Translator, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=translator.get(locale, f"cmd-{name}"))
        for name in COMMANDS
    ]


async def set_commands(bot: Bot, translator: Translator) -> None:
    # The default list (no language) is for users whose Telegram language we do not support.
    # Private chats only: in a group the bot answers nothing but where it works.
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands_for(translator, translator.default_locale), scope=private)
    for locale in translator.locales:
        await bot.set_my_commands(
            commands_for(translator, locale), scope=private, language_code=locale
        )
