"""The command menu Telegram shows next to the input field: per role, in every locale.

Everyone gets the default list (private chats): the directors' and curators', who are most
of the bot's people; to a newcomer `/menu` and `/surveys` say how to join. A coordinator's
or admin's chat gets a list of its own (`BotCommandScopeChat`) in their language, set when
the role is granted and at every start, and deleted when it is revoked or forgotten, so a
director never sees the coordinators' commands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.conversation.menus import ALL_COMMANDS, COMMANDS, COORDINATOR_COMMANDS
from bot.i18n import Translator
from bot.services.registration import has_own_menu
from storage.models import Channel, Participant

logger = logging.getLogger(__name__)
__all__ = ["ALL_COMMANDS", "COMMANDS", "COORDINATOR_COMMANDS", "drop_commands", "set_commands"]


def commands_for(
    translator: Translator, locale: str, names: Iterable[str] = COMMANDS
) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=translator.get(locale, f"cmd-{name}"))
        for name in names
    ]


async def set_commands(
    bot: Bot, translator: Translator, coordinators: Iterable[Participant] = ()
) -> None:
    """The default menus, then each coordinator's own (harmless to repeat at every start)."""
    # The default list (no language) is for users whose Telegram language we do not support.
    # Private chats only: in a group the bot answers nothing but where it works.
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands_for(translator, translator.default_locale), scope=private)
    for locale in translator.locales:
        await bot.set_my_commands(
            commands_for(translator, locale), scope=private, language_code=locale
        )
    for coordinator in coordinators:
        await _set_own(bot, translator, coordinator)


async def show_commands(bot: Bot, translator: Translator, participant: Participant) -> None:
    """The menu of the person's role now, after a grant, a revocation or a new language.
    A refusal or an outage is logged, not raised: the role is saved, and every start sets
    the coordinators' menus again."""
    try:
        if has_own_menu(participant):
            await _set_own(bot, translator, participant)
        else:
            chat_id = participant.external_id(Channel.TELEGRAM)
            if chat_id is not None:
                await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        logger.warning("Command menu of participant %s not updated: %s", participant.id, error)


async def drop_commands(bot: Bot, telegram_id: int) -> None:
    """After /forget: the chat's own menu goes, the default one shows."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=telegram_id))
    except TelegramAPIError as error:
        logger.warning("Command menu of a forgotten participant not removed: %s", error)


async def _set_own(bot: Bot, translator: Translator, participant: Participant) -> None:
    chat_id = participant.external_id(Channel.TELEGRAM)
    if chat_id is None:  # a menu is Telegram's; a person elsewhere has none to set
        return
    await bot.set_my_commands(
        commands_for(translator, participant.locale, COORDINATOR_COMMANDS),
        scope=BotCommandScopeChat(chat_id=chat_id),
    )
