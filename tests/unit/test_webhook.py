"""Webhook mode's request handler: bounded like polling, whatever Telegram sends at once."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.types import Message
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot.telegram.webhook import UpdateRequestHandler
from tests.support.updates import TelegramUser, message_update

SECRET = "test_secret-1"


async def test_updates_posted_at_once_are_handled_at_most_concurrency_at_a_time() -> None:
    """Without a bound every connection Telegram (or a proxy) opens is handled at once, and
    the session pool and Redis' connection pool run dry: answers were lost that way."""
    running = 0
    most = 0
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def slow(_: Message) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1

    web_app = web.Application()
    UpdateRequestHandler(
        dispatcher=dispatcher,
        bot=Bot("42:TEST"),
        secret_token=SECRET,
        concurrency=4,
    ).register(web_app, path="/telegram")
    server = TestServer(web_app)
    await server.start_server()
    try:
        async with ClientSession() as http:

            async def post(update_id: int) -> int:
                update = message_update(update_id, TelegramUser(id=update_id), "Здравствуйте")
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(
                    server.make_url("/telegram"), json=update, headers=headers
                ) as r:
                    return r.status

            statuses = await asyncio.gather(*(post(n) for n in range(1, 41)))
    finally:
        await server.close()
    assert statuses == [200] * 40
    assert most == 4
