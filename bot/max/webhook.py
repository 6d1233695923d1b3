"""MAX's webhook: the route MAX posts updates to (POST /subscriptions told it the address
and the secret, which comes back in `X-Max-Bot-Api-Secret`), on the same aiohttp server as
Telegram's webhook or, without one, the HTTP_PORT server (bot/app.py)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web

from bot.max.runner import MaxUpdates

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Max-Bot-Api-Secret"


class MaxWebhook:
    """A wrong secret is answered 401, a body that is not an update (not JSON, not an
    object with an `update_type`) 400; an update is handled before the answer (a crash
    meanwhile: MAX sends it again, and its claim makes the second harmless), at most
    `concurrency` at once, the others waiting with their connection open."""

    def __init__(self, updates: MaxUpdates, secret: str, *, concurrency: int) -> None:
        self._updates = updates
        self._secret = secret.encode()
        self._slots = asyncio.Semaphore(concurrency)

    def register(self, web_app: web.Application, path: str) -> None:
        web_app.router.add_post(path, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            logger.warning("MAX webhook: a request without the right secret")
            return web.Response(status=401, text="Unauthorized")
        try:
            raw = json.loads(await request.read())
        except ValueError as error:  # not JSON, or not UTF-8
            kind = type(error).__name__
            logger.warning("MAX webhook: a request that is not an update (%s)", kind)
            return web.Response(status=400, text="Bad Request: not a MAX update")
        if not isinstance(raw, dict) or not isinstance(raw.get("update_type"), str):
            logger.warning("MAX webhook: a request that is not an update (no update_type)")
            return web.Response(status=400, text="Bad Request: not a MAX update")
        async with self._slots:
            await self._updates.handle(raw)
        return web.json_response({"success": True})
