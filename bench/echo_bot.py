"""The baseline of bench/surveys.py: a bare aiogram bot that answers every button press
with a message and an answer to the press, and does nothing else (no database)."""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup


def echo_dispatcher(bot: Bot) -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.callback_query()
    async def echo(callback: CallbackQuery) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="1", callback_data=callback.data or "x")]]
        )
        assert callback.message is not None
        await bot.send_message(callback.message.chat.id, "Вопрос", reply_markup=keyboard)
        await callback.answer()

    return dispatcher


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    await echo_dispatcher(bot).start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
