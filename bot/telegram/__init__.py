"""The Telegram adapter: aiogram's bot, dispatcher, middlewares and FSM storage, and the
translation of the conversation's routes, turns and screens to and from the Bot API."""
