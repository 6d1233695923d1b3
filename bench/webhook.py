"""The benchmarks' Telegram in webhook mode: a fake Bot API whose updates are not polled but
POSTed to the bot's webhook, the way Telegram does it.

Telegram opens at most `max_connections` connections at once (the number the bot asked
for in setWebhook; 40 when it asked for none), sends each update with the secret header,
and sends it again, with the same update id, when the answer is not 2xx or the connection
fails. With several replicas behind one address, a load balancer spreads the requests
round robin: each request (a retry too) goes to the next replica.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.fake_telegram import ApiCall, FakeTelegram

TELEGRAM_DEFAULT_CONNECTIONS = 40
# Telegram's pauses between tries are not documented; it does not hammer a failing bot.
RETRY_FIRST_PAUSE = 0.5
RETRY_LONGEST_PAUSE = 4.0


@dataclass
class ReplicaTraffic:
    """What one replica's requests did, as the sender saw them."""

    url: str
    handled: int = 0  # 2xx answers
    refused: int = 0  # answers other than 2xx
    failed: int = 0  # connection errors and timeouts
    seconds: list[float] = field(default_factory=list)  # each 2xx request, sent → answered


class WebhookTelegram(FakeTelegram):
    """A FakeTelegram that posts each update to the webhook instead of serving getUpdates.

    `deliver(replica_urls)` starts the senders once the bot has called setWebhook; until
    then updates wait in the queue, as they would at Telegram."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._queue: asyncio.Queue[tuple[dict[str, Any], float]] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None
        self._next_replica: itertools.cycle[ReplicaTraffic] | None = None
        self.replicas: list[ReplicaTraffic] = []
        self.connections = 0  # the senders, once started
        self.queued_seconds: list[float] = []  # press → its first request sent
        self.retries = 0
        self.webhook_replies = 0  # methods answered in the webhook's reply body

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        self._queue.put_nowait((update, time.perf_counter()))
        return update

    async def deliver(self, replica_urls: Sequence[str]) -> None:
        assert self.webhook is not None, "the bot has not called setWebhook"
        secret = str(self.webhook.get("secret_token") or "")
        self.connections = int(self.webhook.get("max_connections") or TELEGRAM_DEFAULT_CONNECTIONS)
        self.replicas = [ReplicaTraffic(url) for url in replica_urls]
        self._next_replica = itertools.cycle(self.replicas)
        # One connection per sender at most, as Telegram's limit is on connections.
        connector = aiohttp.TCPConnector(limit=self.connections)
        self._http = aiohttp.ClientSession(
            connector=connector,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            timeout=aiohttp.ClientTimeout(total=120),
        )
        self._senders = [
            asyncio.create_task(self._send_loop(secret)) for _ in range(self.connections)
        ]

    async def stop(self) -> None:
        for sender in self._senders:
            sender.cancel()
        await asyncio.gather(*self._senders, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        await super().stop()

    async def _send_loop(self, secret: str) -> None:
        while True:
            update, pressed = await self._queue.get()
            self.queued_seconds.append(time.perf_counter() - pressed)
            pause = RETRY_FIRST_PAUSE
            while not await self._post(update):
                self.retries += 1
                # The connection stays Telegram's: this sender waits, as Telegram's would.
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_LONGEST_PAUSE)

    async def _post(self, update: dict[str, Any]) -> bool:
        assert self._http is not None
        assert self._next_replica is not None
        replica = next(self._next_replica)
        sent = time.perf_counter()
        try:
            async with self._http.post(replica.url, json=update) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    replica.refused += 1
                    return False
        except (aiohttp.ClientError, TimeoutError):
            replica.failed += 1
            return False
        replica.seconds.append(time.perf_counter() - sent)
        replica.handled += 1
        await self._carry_out_reply(body)
        return True

    async def _carry_out_reply(self, body: bytes) -> None:
        """A handler may return a method as the webhook's answer; Telegram carries it out."""
        if not body.startswith(b"{") or b'"method"' not in body:
            return
        params = dict(json.loads(body))
        method = str(params.pop("method"))
        self.webhook_replies += 1
        call = ApiCall(method, params)
        call.result = self._result_for(method, params, {})
        await self._record(call)
