"""Webhook mode: an aiohttp server that checks Telegram's secret token, with the routes of
bot/http_server.py (/healthz, /metrics, the calendar feed) beside."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.http_server import Monitor, add_routes

if TYPE_CHECKING:
    from bot.app import Application

logger = logging.getLogger(__name__)


class UpdateRequestHandler(SimpleRequestHandler):
    """aiogram's handler, except that a body that is not an update (not JSON, or JSON of
    another shape) is answered 400: aiogram lets the error out, a 500 with a traceback,
    and Telegram would send the same body again. The secret is checked first, as there.
    The update is read once and handed to the dispatcher as it is (aiogram's own handling
    would parse and validate the body again: measured, a webhook update cost a third more
    CPU than a polled one). It is answered after handling, never in the background: an
    update lost to a crash is sent again, and the deduplication makes that harmless.

    At most `concurrency` updates are handled at once, as in polling: the others wait
    their turn with their connection open. Unbounded, a burst took every database session
    and Redis connection, and updates failed after their press had been answered."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        concurrency: int,
        secret_token: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(
            dispatcher, bot, handle_in_background=False, secret_token=secret_token, **data
        )
        self._slots = asyncio.Semaphore(concurrency)

    async def handle(self, request: web.Request) -> web.Response:
        async with self._slots:
            return await self._checked(request)

    async def _checked(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not self.verify_secret(secret, bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            raw = await request.json(loads=bot.session.json_loads)
            # pydantic's ValidationError, json's JSONDecodeError and a body that is not
            # UTF-8 are all ValueErrors.
            update = Update.model_validate(raw, context={"bot": bot})
        except ValueError as error:
            logger.warning("Webhook: a request that is not an update (%s)", type(error).__name__)
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        answer: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        if answer is not None:  # a step answering with a Bot API method: called, not dropped
            await bot(answer)
        return web.Response()


def build_webhook_app(app: Application, monitor: Monitor) -> web.Application:
    settings = app.settings
    assert settings.webhook_secret is not None
    assert app.bot is not None  # MODE=webhook is refused without BOT_TOKEN (bot/cli/serve.py)
    web_app = web.Application()
    UpdateRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=settings.webhook_secret.get_secret_value(),
        concurrency=settings.updates_concurrency,
    ).register(web_app, path=settings.webhook_path)
    if app.max is not None and app.max.webhook is not None:  # MAX's beside it
        app.max.webhook.register(web_app, settings.max_webhook_path)
    add_routes(web_app, app, monitor)
    return web_app


async def start_webhook_server(app: Application, monitor: Monitor) -> web.AppRunner:
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    runner = web.AppRunner(build_webhook_app(app, monitor))
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    logger.info("Webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner


async def register_webhook(app: Application) -> None:
    """Tells Telegram where to post updates (made again, it changes nothing)."""
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    assert app.bot is not None
    await app.bot.set_webhook(
        url=str(settings.webhook_url),
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=app.dispatcher.resolve_used_update_types(),
        # Telegram opens no more connections than updates are handled at once (its default
        # is 40): the rest wait at Telegram's side, not in our memory.
        max_connections=settings.updates_concurrency,
    )
