"""bench/webhook.py's Telegram: at most max_connections requests at once, the secret
header, and a refused update sent again with the same id, round robin over the replicas."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from bench.webhook import WebhookTelegram
from tests.support.bot_process import TOKEN
from tests.support.updates import TelegramUser


class Replica:
    """A webhook that refuses the first delivery of each odd update (over all replicas:
    `seen` is shared) with 500 and holds every request a while, counting how many it
    holds at once."""

    def __init__(self, seen: Counter[int]) -> None:
        self.seen = seen
        self.secrets: set[str] = set()
        self.held = 0
        self.most_held = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/telegram"

    async def handle(self, request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        self.secrets.add(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""))
        self.held += 1
        self.most_held = max(self.most_held, self.held)
        try:
            await asyncio.sleep(0.05)
        finally:
            self.held -= 1
        self.seen[update["update_id"]] += 1
        first = self.seen[update["update_id"]] == 1
        return web.Response(status=500 if first and update["update_id"] % 2 else 200, text="{}")


async def test_updates_are_posted_like_telegram_does() -> None:
    telegram = WebhookTelegram(TOKEN)
    await telegram.start()
    deliveries: Counter[int] = Counter()
    replicas = [Replica(deliveries), Replica(deliveries)]
    for replica in replicas:
        await replica.start()
    try:
        telegram.webhook = {"secret_token": "s3cret", "max_connections": 3}
        user = TelegramUser(id=7)
        updates = [telegram.press(user, f"data{i}") for i in range(12)]
        await telegram.deliver([replica.url for replica in replicas])
        for _ in range(200):
            if sum(r.handled for r in telegram.replicas) == len(updates):
                break
            await asyncio.sleep(0.05)
    finally:
        await telegram.stop()
        for replica in replicas:
            assert replica.runner is not None
            await replica.runner.cleanup()
    assert sum(r.handled for r in telegram.replicas) == len(updates)
    assert telegram.connections == 3
    assert max(r.most_held for r in replicas) <= 3
    assert sum(r.most_held for r in replicas) >= 2  # in parallel, not one at a time
    assert {secret for r in replicas for secret in r.secrets} == {"s3cret"}
    # Each odd one was refused once and came again, with the same id.
    refused = sum(r.refused for r in telegram.replicas)
    assert refused == telegram.retries == len(updates) // 2
    assert sum(deliveries.values()) == len(updates) + refused
    assert set(deliveries) == {update["update_id"] for update in updates}
    # Round robin: each replica had its share.
    assert all(r.handled + r.refused >= 4 for r in telegram.replicas)
