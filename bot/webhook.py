"""Webhook mode: an aiohttp server that checks Telegram's secret token, and /healthz."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import text

if TYPE_CHECKING:
    from bot.app import Application

logger = logging.getLogger(__name__)


def build_webhook_app(app: Application) -> web.Application:
    settings = app.settings
    assert settings.webhook_secret is not None
    web_app = web.Application()
    SimpleRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=settings.webhook_secret.get_secret_value(),
        # Answer Telegram only after handling: an update lost to a crash is sent again,
        # and the deduplication middleware makes the second delivery harmless.
        handle_in_background=False,
    ).register(web_app, path=settings.webhook_path)

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with app.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("Health check: the database does not answer")
            return web.json_response({"status": "error", "database": "unavailable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})

    web_app.router.add_get("/healthz", healthz)
    return web_app


async def start_webhook_server(app: Application) -> web.AppRunner:
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    runner = web.AppRunner(build_webhook_app(app))
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    await app.bot.set_webhook(
        url=str(settings.webhook_url),
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
    logger.info("Webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner
