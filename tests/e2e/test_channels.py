"""The same journeys on either messenger: `python -m bot` on Telegram alone, or on MAX
alone (BOT_TOKEN unset), driven through the same verbs (tests/support/journeys.Person);
and MAX's webhook."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.i18n import Translator
from storage.models import Channel
from tests.support.bot_process import BotProcess
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
