"""/help and /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot.i18n import Localizer


async def help_(message: Message, t: Localizer) -> None:
    await message.answer(t("help-text"))


async def cancel(message: Message, t: Localizer, state: FSMContext) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    await message.answer(
        t("cancel-done" if had_state else "cancel-nothing"), reply_markup=ReplyKeyboardRemove()
    )


def build_router() -> Router:
    router = Router(name="common")
    router.message.register(help_, Command("help"))
    router.message.register(cancel, Command("cancel"))
    return router
