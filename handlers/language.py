"""/lang: the interface language, kept on the participant."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import has_own_menu, show_commands
from bot.i18n import Localizer, Translator
from bot.keyboards import language_keyboard
from bot.services import participants
from storage.models import Participant


class LanguageChoice(StatesGroup):
    choosing = State()


def _locale_named(text: str, translator: Translator) -> str | None:
    """The locale a person meant by a code (`en`) or a button label (`English`)."""
    wanted = text.strip().casefold()
    for locale in translator.locales:
        names = {
            locale,
            *(translator.get(other, f"lang-name-{locale}") for other in translator.locales),
        }
        if wanted in {name.casefold() for name in names}:
            return locale
    return None


async def _apply(
    message: Message,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    locale: str,
) -> None:
    await participants.set_locale(session, participant, locale)
    t = translator.for_locale(locale)
    await message.answer(t("lang-set"), reply_markup=ReplyKeyboardRemove())
    if has_own_menu(participant) and message.bot is not None:  # a coordinator's own menu
        await show_commands(message.bot, translator, participant)


async def lang_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    t: Localizer,
) -> None:
    if command.args:
        locale = _locale_named(command.args, translator)
        if locale is None:
            await message.answer(t("lang-unknown"))
            return
        await state.clear()
        await _apply(message, session, participant, translator, locale)
        return
    await state.set_state(LanguageChoice.choosing)
    await message.answer(t("lang-choose"), reply_markup=language_keyboard(translator))


async def lang_chosen(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    t: Localizer,
) -> None:
    locale = _locale_named(message.text or "", translator)
    if locale is None:
        await message.answer(t("lang-unknown"), reply_markup=language_keyboard(translator))
        return
    await state.clear()
    await _apply(message, session, participant, translator, locale)


def build_router() -> Router:
    router = Router(name="language")
    router.message.register(lang_command, Command("lang"))
    router.message.register(lang_chosen, LanguageChoice.choosing, F.text)
    return router
