"""/healthz and /metrics of the real process, polling (HTTP_PORT) and webhook; its JSON logs."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.i18n import Translator
from tests.support.bot_process import BotProcess, wait_healthy
from tests.support.fake_telegram import FakeTelegram
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

# A name and a text that must never reach the log.
ZINAIDA = TelegramUser(id=701, first_name="Зинаида", language_code="ru")
PRIVATE_TEXT = "Мой личный вопрос о школе номер 4711"


async def fetch(base: str) -> tuple[int, dict[str, Any], int, str, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            health_status, health = response.status, await response.json()
        async with http.get(f"{base}/metrics") as response:
            metrics_status = response.status
            content_type = response.headers["Content-Type"]
            metrics = await response.text()
    return health_status, health, metrics_status, content_type, metrics


def sample(metrics: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    raise AssertionError(f"{name} {labels} is not in /metrics")


def check_answers(
    health_status: int, health: dict[str, Any], metrics_status: int, content_type: str
) -> None:
    assert health_status == 200, health
    assert health == {
        "status": "ok",
        "database": "ok",
        "telegram": "ok",
        "max": "not configured",
        "delivery": {"status": "ok", "backlog": 0, "oldest_seconds": None},
        "scheduler": "running",
    }
    assert metrics_status == 200
    assert content_type.startswith("text/plain; version=")  # Prometheus' text format


async def test_polling_mode_serves_health_and_metrics_on_http_port(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator, unused_port: int
) -> None:
    bot_process.env.update(HTTP_PORT=str(unused_port), HTTP_HOST="127.0.0.1", LOG_FORMAT="json")
    await bot_process.start()
    reply = await telegram.ask(ZINAIDA, "/start")
    assert reply.text == translator.get("ru", "start-welcome")
    await telegram.ask(ZINAIDA, PRIVATE_TEXT)

    health_status, health, metrics_status, content_type, metrics = await fetch(
        f"http://127.0.0.1:{unused_port}"
    )
    check_answers(health_status, health, metrics_status, content_type)
    assert sample(metrics, "participants_bot_updates_total") == 2
    assert sample(metrics, "participants_bot_errors_total") == 0
    assert sample(metrics, "participants_bot_outbox_messages", status="pending") == 0
    assert sample(metrics, "participants_bot_send_seconds_count") == 0
    assert await bot_process.stop() == 0

    log = bot_process.log()
    lines = log.splitlines()
    assert lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(r["logger"] == "bot.http_server" for r in records)
    assert not any(r["logger"].startswith("apscheduler") for r in records)
    for secret in (telegram.token, "Зинаида", PRIVATE_TEXT, "4711"):
        assert secret not in log


async def test_webhook_mode_serves_health_and_metrics_beside_the_webhook(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator, unused_port: int
) -> None:
    bot_process.env.update(
        MODE="webhook",
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET="test_secret-1",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(unused_port),
    )
    await bot_process.start(wait_ready=False)
    await telegram.wait_for("setWebhook", timeout=90)  # a loaded machine starts slowly
    base = f"http://127.0.0.1:{unused_port}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test_secret-1"}
    since = len(telegram.calls)
    async with aiohttp.ClientSession() as http:
        update = telegram.message_update(ZINAIDA, "/start")
        async with http.post(f"{base}/telegram", json=update, headers=headers) as response:
            assert response.status == 200
    reply = await telegram.wait_for("sendMessage", since=since, chat_id=ZINAIDA.id)
    assert reply.text == translator.get("ru", "start-welcome")
    await wait_healthy(base)  # the scheduler starts just after Telegram is told the URL

    health_status, health, metrics_status, content_type, metrics = await fetch(base)
    check_answers(health_status, health, metrics_status, content_type)
    assert sample(metrics, "participants_bot_updates_total") == 1
    assert await bot_process.stop() == 0
