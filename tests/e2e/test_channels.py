"""The same journeys on either messenger: `python -m bot` on Telegram alone, or on MAX
alone (BOT_TOKEN unset), driven through the same verbs (tests/support/journeys.Person);
and MAX's webhook."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.i18n import Translator
from storage.models import Channel
from tests.support.bot_process import BotProcess, wait_healthy
from tests.support.fake_max import FakeMax, MaxUser
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import (
    TWO_MUNICIPALITIES_SCHOOLS,
    OnMax,
    OnTelegram,
    bot_on,
    invite,
    join,
)
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

CHANNELS = [Channel.TELEGRAM, Channel.MAX]
DIRECTOR_ID = 7301


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: c.value)
async def test_a_director_joins_by_an_invite_link(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    translator: Translator,
    processes: list[BotProcess],
) -> None:
    t = translator
    process, person_of = bot_on(channel, telegram, max_api, tmp_path)
    processes.append(process)
    (tmp_path / "schools.csv").write_text(TWO_MUNICIPALITIES_SCHOOLS, encoding="utf-8")
    await process.cli("schools", "import", "schools.csv", "--apply")
    await process.start()
    code = await invite(process, "--role", "director", "--school", "47001")

    # The link's payload: «/start <code>» on Telegram, `bot_started` with it on MAX.
    director = person_of(DIRECTOR_ID)
    since = director.mark()
    done = await join(director, t, "Иванова Ирина Петровна", invite=code)
    assert done.text == t.get("ru", "join-done")
    menu = await director.next_message(since, lambda c: c.text.startswith("Главное меню"))
    assert director.labels(menu) == [
        t.get("ru", key) for key in ("menu-surveys", "menu-schedule", "menu-profile")
    ]
    profile = await director.click(menu, t.get("ru", "menu-profile"))
    assert "Иванова Ирина Петровна" in profile.text
    log = process.log()
    assert "Иванова" not in log
    assert " ERROR " not in log
    if channel is Channel.MAX:
        assert telegram.calls == []  # Telegram is off: not a single request
        assert max_api.commands[0]["name"] == "start"  # the command menu, set at start


async def test_max_webhook_takes_updates_with_the_secret_only(
    max_api: FakeMax,
    tmp_path: Path,
    translator: Translator,
    processes: list[BotProcess],
    unused_port: int,
) -> None:
    url = f"http://127.0.0.1:{unused_port}/max-updates"
    process = BotProcess(
        None,
        tmp_path,
        max_api=max_api,
        MAX_WEBHOOK_URL=url,
        MAX_WEBHOOK_SECRET="max-hook-secret",
        HTTP_PORT=str(unused_port),
    )
    processes.append(process)
    await process.start(wait_ready=False)
    subscribed = await max_api.wait_for("POST", "/subscriptions", timeout=120)
    assert subscribed.body == {"url": url, "secret": "max-hook-secret"}
    user = MaxUser(7401)
    update = max_api.message_update(user, "/help")
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as response:
            assert response.status == 401
        headers = {"X-Max-Bot-Api-Secret": "wrong-secret"}
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 401
        headers = {"X-Max-Bot-Api-Secret": "max-hook-secret"}
        async with http.post(url, data=b"<html>", headers=headers) as response:
            assert response.status == 400
        assert max_api.served("POST", "/messages") == []
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
    [reply] = max_api.served("POST", "/messages")
    assert (reply.user_id, reply.text) == (user.user_id, translator.get("ru", "help-text"))
    assert max_api.served("GET", "/updates") == []  # by webhook, not polling
    assert await process.stop() == 0


async def test_neither_token_is_one_line_in_russian_and_status_2(tmp_path: Path) -> None:
    process = BotProcess(None, tmp_path, DEFAULT_LOCALE="ru")
    await process.start(wait_ready=False)
    assert process.process is not None
    assert await process.process.wait() == 2
    [line] = process.log().strip().splitlines()
    assert "BOT_TOKEN" in line
    assert "MAX_TOKEN" in line
    assert line.startswith("Не задан токен бота")


async def test_both_messengers_in_one_process(
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    translator: Translator,
    processes: list[BotProcess],
) -> None:
    process = BotProcess(telegram, tmp_path, max_api=max_api)
    processes.append(process)
    await process.start()  # until both are polled
    help_text = translator.get("ru", "help-text")
    on_telegram = OnTelegram(telegram, TelegramUser(id=7501, first_name="Анна", language_code="ru"))
    on_max = OnMax(max_api, MaxUser(7501))  # the same number on MAX: another person
    assert (await on_telegram.ask("/help")).text == help_text
    assert (await on_max.ask("/help")).text == help_text
    assert await process.stop() == 0  # SIGTERM ends both pollings


async def test_a_max_token_max_refuses_stops_the_start_with_one_line(
    max_api: FakeMax, tmp_path: Path, processes: list[BotProcess]
) -> None:
    process = BotProcess(None, tmp_path, max_api=max_api, MAX_TOKEN="not-the-fakes-token")
    processes.append(process)
    await process.start(wait_ready=False)
    assert process.process is not None
    assert await process.process.wait() == 2
    assert process.log().strip().splitlines()[-1].startswith("Бот не запущен: MAX не принял токен")


async def test_telegram_serves_while_max_does_not_answer_its_start_up_calls(
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    translator: Translator,
    processes: list[BotProcess],
    unused_port: int,
) -> None:
    # MAX answers 500 to GET /me (maxapi does not repeat a 500: each is one attempt).
    max_api.fail_until_recovered("GET", "/me", 500)
    process = BotProcess(telegram, tmp_path, max_api=max_api, HTTP_PORT=str(unused_port))
    processes.append(process)
    await process.start(wait_ready=False)
    await telegram.wait_for("getUpdates", timeout=120)
    help_text = translator.get("ru", "help-text")
    on_telegram = OnTelegram(telegram, TelegramUser(id=7601, first_name="Анна", language_code="ru"))
    assert (await on_telegram.ask("/help")).text == help_text
    asked = max_api.served("GET", "/me")
    assert asked
    assert all(call.result is None for call in asked)  # MAX has not answered yet
    assert max_api.served("GET", "/updates") == []
    status, health = await healthz(f"http://127.0.0.1:{unused_port}")
    assert (status, health["telegram"], health["max"]) == (503, "ok", "unreachable")
    # MAX comes back: at its next attempt it is introduced and polled, Telegram unchanged.
    max_api.recover("GET", "/me")
    await max_api.wait_for("GET", "/updates", timeout=90)
    assert (await OnMax(max_api, MaxUser(7601)).ask("/help")).text == help_text
    assert (await on_telegram.ask("/help")).text == help_text
    assert "MAX Bot API does not answer (attempt 1" in process.log()
    health = await wait_healthy(f"http://127.0.0.1:{unused_port}")  # MAX's answer kept 30 s
    assert (health["telegram"], health["max"]) == ("ok", "ok")
    assert await process.stop() == 0


async def test_healthz_on_max_alone_asks_max_and_calls_telegram_not_configured(
    max_api: FakeMax, tmp_path: Path, processes: list[BotProcess], unused_port: int
) -> None:
    process = BotProcess(None, tmp_path, max_api=max_api, HTTP_PORT=str(unused_port))
    processes.append(process)
    await process.start()
    health = await wait_healthy(f"http://127.0.0.1:{unused_port}")
    assert (health["telegram"], health["max"], health["scheduler"]) == (
        "not configured",
        "ok",
        "running",
    )
    asked = len(max_api.served("GET", "/me"))
    await healthz(f"http://127.0.0.1:{unused_port}")
    assert len(max_api.served("GET", "/me")) == asked  # the answer is kept 30 s
    assert await process.stop() == 0


async def healthz(base_url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/healthz") as response:
        return response.status, await response.json()


async def test_a_max_token_refused_after_telegram_serves_stops_the_bot_with_status_2(
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    translator: Translator,
    processes: list[BotProcess],
) -> None:
    for _ in range(3):  # attempts at 0, 1 and 3 s; the fourth, at 7 s, is refused
        max_api.fail_next("GET", "/me", 500)
    max_api.fail_next("GET", "/me", 401, code="verify.token", message="Invalid access_token")
    process = BotProcess(telegram, tmp_path, max_api=max_api)
    processes.append(process)
    await process.start(wait_ready=False)
    await telegram.wait_for("getUpdates", timeout=120)
    assert process.process is not None
    assert await asyncio.wait_for(process.process.wait(), 60) == 2  # Telegram's polling too
    log = process.log()
    assert log.strip().splitlines()[-1] == translator.get("ru", "startup-max-token-rejected")
    assert "Traceback" not in log


async def test_a_max_only_deployment_gets_its_first_admin_from_max_admin_ids(
    max_api: FakeMax, tmp_path: Path, translator: Translator, processes: list[BotProcess]
) -> None:
    t = translator
    process = BotProcess(None, tmp_path, max_api=max_api, MAX_ADMIN_IDS="7701")
    processes.append(process)
    await process.start()
    # Before registering, /me names the id to put in MAX_ADMIN_IDS.
    stranger = OnMax(max_api, MaxUser(7702))
    shown = await stranger.ask("/me")
    assert t.get("ru", "profile-max-id", id="7702") in shown.text
    admin = OnMax(max_api, MaxUser(7701, "Алла", "Админова"))
    since = admin.mark()
    done = await join(admin, t, "Админова Алла Игоревна")
    assert done.text == t.get("ru", "join-done")
    menu = await admin.next_message(since, lambda c: c.text.startswith("Главное меню"))
    assert t.get("ru", "menu-import") in admin.labels(menu)
    # Someone else on MAX is not an admin for it: they are asked for a code or municipality.
    since = stranger.mark()
    stranger.start()
    consent = await stranger.next_message(since, lambda c: c.text == t.get("ru", "consent-text"))
    asked = await stranger.click(consent, t.get("ru", "button-consent-accept"))
    assert asked.text == t.get("ru", "join-code-or-municipality")
