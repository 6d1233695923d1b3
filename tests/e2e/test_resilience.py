"""The real process meets Telegram's flood control and outages, and a database that does
not answer at start (issue #13)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.i18n import Translator
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

IRINA = TelegramUser(id=611, first_name="Ирина", language_code="ru")


async def _wait_for_log(process: BotProcess, text: str, count: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while process.log().count(text) < count:
        assert process.process is not None
        assert process.process.returncode is None, process.log()
        assert loop.time() < deadline, f"{text!r} not {count} times in the log:\n{process.log()}"
        await asyncio.sleep(0.2)


async def test_every_reply_goes_out_under_flood_control(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    telegram.rate_limit = 2  # Telegram answers 429 (retry after 1 s) beyond 2 sends a second
    users = [
        TelegramUser(id=7000 + n, first_name=f"User{n}", language_code="ru") for n in range(30)
    ]
    since = len(telegram.calls)
    for user in users:
        telegram.send_text(user, "/help")
    help_text = translator.get("ru", "help-text")
    for user in users:
        await telegram.wait_for(
            "sendMessage",
            since=since,
            chat_id=user.id,
            timeout=60,
            where=lambda c: c.text == help_text and c.result is not None,
        )
    assert telegram.too_many_requests > 0  # flood control did slow the bot down
    for user in users:  # each answered once: a 429 means Telegram did not deliver
        delivered = [c for c in telegram.sent_to(user.id, since=since) if c.result is not None]
        assert [c.text for c in delivered] == [help_text]
    log = bot_process.log()
    assert "Traceback" not in log
    assert "Unhandled error" not in log
    assert await bot_process.stop() == 0


async def test_a_reply_lost_to_a_server_error_is_apologised_for_without_a_traceback(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    # A 500 after sendMessage may mean it was delivered: it is not sent again.
    telegram.fail_next("sendMessage", 500, chat_id=IRINA.id)
    since = len(telegram.calls)
    telegram.send_text(IRINA, "/help")
    await telegram.wait_for(
        "sendMessage", since=since, where=lambda c: c.text == translator.get("ru", "error-apology")
    )
    assert [c.text for c in telegram.sent_to(IRINA.id, since=since)] == [
        translator.get("ru", "help-text"),
        translator.get("ru", "error-apology"),
    ]
    log = bot_process.log()
    assert "Unhandled error while processing update" in log
    assert "Traceback" not in log


async def test_the_bot_waits_for_an_unreachable_api_and_then_serves(
    telegram: FakeTelegram, tmp_path: Path, unused_port: int, translator: Translator
) -> None:
    await telegram.stop()  # nothing listens where the bot is pointed
    process = BotProcess(telegram, tmp_path, TELEGRAM_API_BASE=f"http://127.0.0.1:{unused_port}")
    try:
        await process.start(wait_ready=False)
        await _wait_for_log(process, "Telegram Bot API does not answer", 2, timeout=90)
        assert process.process is not None
        assert process.process.returncode is None
        # The API comes up, but answers errors for a while.
        await telegram.start(port=unused_port)
        for _ in range(3):
            telegram.fail_next("setMyCommands", 502, description="Bad Gateway")
        await telegram.wait_for("getUpdates", timeout=60)
        reply = await telegram.ask(IRINA, "/start")
        assert reply.text == translator.get("ru", "start-welcome")
        menus = {
            c.params.get("language_code")
            for c in telegram.calls
            if c.method == "setMyCommands" and c.result is True
        }
        assert {None, "ru", "en"} <= menus  # the command menus were set in the end
        log = process.log()
        assert "Traceback" not in log
        attempts = [line for line in log.splitlines() if "Telegram Bot API does not answer" in line]
        assert len(attempts) >= 3  # one line per attempt
        assert telegram.token not in log
        assert await process.stop() == 0
    finally:
        await process.close()


async def test_the_bot_waiting_for_the_api_stops_cleanly(
    telegram: FakeTelegram, tmp_path: Path, unused_port: int
) -> None:
    process = BotProcess(telegram, tmp_path, TELEGRAM_API_BASE=f"http://127.0.0.1:{unused_port}")
    try:
        await process.start(wait_ready=False)
        await _wait_for_log(process, "Telegram Bot API does not answer", 1, timeout=90)
        assert await process.stop() == 0
        assert "Traceback" not in process.log()
    finally:
        await process.close()


async def test_a_token_telegram_rejects_stops_the_start_with_one_line(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    bot_process.env["BOT_TOKEN"] = "987654321:AAH-a-token-telegram-does-not-know_000"
    await bot_process.start(wait_ready=False)
    assert bot_process.process is not None
    assert await asyncio.wait_for(bot_process.process.wait(), 60) == 2
    log = bot_process.log()
    assert log.strip().splitlines()[-1] == translator.get("ru", "startup-token-rejected")
    assert "Traceback" not in log
    assert "987654321:AAH" not in log


@pytest.mark.parametrize(
    ("locale", "words"),
    [("ru", "Бот не запущен: база данных"), ("en", "The bot did not start: the database")],
    ids=["ru", "en"],
)
async def test_an_unreachable_database_stops_the_start_with_one_line(
    telegram: FakeTelegram,
    bot_process: BotProcess,
    unused_port: int,
    locale: str,
    words: str,
) -> None:
    bot_process.env.update(
        DATABASE_URL=f"postgresql+asyncpg://bot:s3cret-Pa55@127.0.0.1:{unused_port}/bot",
        DEFAULT_LOCALE=locale,
    )
    await bot_process.start(wait_ready=False)
    assert bot_process.process is not None
    assert await asyncio.wait_for(bot_process.process.wait(), 60) == 3
    lines = bot_process.log().strip().splitlines()
    assert len(lines) == 1, lines
    assert words in lines[0]
    assert f"postgresql+asyncpg://bot:***@127.0.0.1:{unused_port}/bot" in lines[0]
    assert "s3cret-Pa55" not in lines[0]


async def test_the_webhook_answers_a_malformed_body_with_400(
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
    url = f"http://127.0.0.1:{unused_port}/telegram"
    secret = {"X-Telegram-Bot-Api-Secret-Token": "test_secret-1"}
    json_type = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        for body in (b"{not json", b"[1, 2]", b'{"update_id": "seven"}', b"\xff\xfe"):
            async with http.post(url, data=body, headers={**secret, **json_type}) as response:
                assert response.status == 400, body
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(url, data=b"{not json", headers={**wrong, **json_type}) as response:
            assert response.status == 401
        since = len(telegram.calls)
        update = telegram.message_update(IRINA, "/start")
        async with http.post(url, json=update, headers=secret) as response:
            assert response.status == 200
    reply = await telegram.wait_for("sendMessage", since=since, chat_id=IRINA.id)
    assert reply.text == translator.get("ru", "start-welcome")
    assert "Traceback" not in bot_process.log()
    assert await bot_process.stop() == 0
