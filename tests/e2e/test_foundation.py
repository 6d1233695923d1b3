"""The foundation's journeys through the real entry point and the fake Bot API."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.i18n import Translator
from tests.support.bot_process import BotProcess, wait_healthy
from tests.support.fake_telegram import FakeTelegram
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

IRINA = TelegramUser(id=601, first_name="Ирина", language_code="ru")
OLEG = TelegramUser(id=602, first_name="Олег", language_code="ru")


async def test_start_is_answered_in_russian_and_commands_are_set(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    reply = await telegram.ask(IRINA, "/start")
    assert reply.text == translator.get("ru", "start-welcome")
    menus = [c for c in telegram.calls if c.method == "setMyCommands"]
    assert {c.params.get("language_code") for c in menus} == {None, "ru", "en"}
    # Shown in private chats only: in a group the bot works for nobody.
    assert all("all_private_chats" in str(c.params.get("scope")) for c in menus)
    assert await bot_process.stop() == 0  # SIGTERM: a clean exit


async def test_language_survives_a_restart(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    assert (await telegram.ask(IRINA, "/lang en")).text == translator.get("en", "lang-set")
    await bot_process.restart()
    assert (await telegram.ask(IRINA, "/start")).text == translator.get("en", "start-welcome")


async def test_a_duplicate_update_is_answered_once(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    since = len(telegram.calls)
    update = telegram.push_update(telegram.message_update(IRINA, "/start"))
    telegram.push_update(update)  # Telegram delivers the same update again
    # A later message is answered after both (one user's updates are handled in order).
    telegram.send_text(IRINA, "/help")
    help_text = translator.get("ru", "help-text")
    await telegram.wait_for("sendMessage", since=since, where=lambda c: c.text == help_text)
    answers = [c.text for c in telegram.sent_to(IRINA.id, since=since)]
    assert answers.count(translator.get("ru", "start-welcome")) == 1
    assert answers.count(translator.get("ru", "consent-text")) == 1
    assert answers[-1] == help_text


async def test_an_error_in_a_handler_gets_an_apology_and_the_bot_goes_on(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    telegram.fail_next("sendMessage", 500, chat_id=IRINA.id)
    since = len(telegram.calls)
    telegram.send_text(IRINA, "/start")
    apology = await telegram.wait_for(
        "sendMessage", since=since, where=lambda c: c.text == translator.get("ru", "error-apology")
    )
    assert apology.chat_id == IRINA.id
    assert (await telegram.ask(OLEG, "/help")).text == translator.get("ru", "help-text")
    # Her /start had begun registration (the consent step) before the reply failed: /help
    # ends that step, saying so, then helps.
    since = len(telegram.calls)
    telegram.send_text(IRINA, "/help")
    help_text = translator.get("ru", "help-text")
    await telegram.wait_for("sendMessage", since=since, where=lambda c: c.text == help_text)
    log = bot_process.log()
    assert "Unhandled error while processing update" in log
    assert telegram.token not in log
    assert "Ирина" not in log  # no personal data in the log


async def test_a_conversation_step_survives_kill_9(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    question = await telegram.ask(IRINA, "/lang")
    assert question.text == translator.get("ru", "lang-choose")
    assert [b["text"] for b in question.buttons()] == ["Русский", "English"]
    await bot_process.kill()
    await bot_process.start()
    assert (await telegram.ask(IRINA, "English")).text == translator.get("en", "lang-set")


async def test_telegram_asking_to_slow_down_is_honoured(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    await bot_process.start()
    telegram.fail_next("getUpdates", 429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await telegram.ask(IRINA, "/help")).text == translator.get("ru", "help-text")
    assert loop.time() - started < 15


async def test_webhook_mode_checks_the_secret_and_reports_health(
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
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == "https://bot.example.org/telegram"
    assert telegram.webhook["secret_token"] == "test_secret-1"
    # UPDATES_CONCURRENCY's default, as a form field
    assert telegram.webhook["max_connections"] == "16"

    base = f"http://127.0.0.1:{unused_port}"
    update = telegram.message_update(IRINA, "/start")
    assert (await wait_healthy(base))["database"] == "ok"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/telegram", json=update) as response:
            assert response.status == 401  # no secret token
        headers = {"X-Telegram-Bot-Api-Secret-Token": "test_secret-1"}
        since = len(telegram.calls)
        async with http.post(f"{base}/telegram", json=update, headers=headers) as response:
            assert response.status == 200
    reply = await telegram.wait_for("sendMessage", since=since, chat_id=IRINA.id)
    assert reply.text == translator.get("ru", "start-welcome")
    assert await bot_process.stop() == 0
