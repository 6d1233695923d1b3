"""A first deployment as the operator meets it: `check` asks Telegram who the bot is, and
the first admin joins with a one-time link from `invite create --role admin`, without
anybody knowing a Telegram id."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import sys

import pytest

from bot.i18n import Translator
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.updates import BOT_USER, TelegramUser

pytestmark = pytest.mark.e2e

FIRST_ADMIN = TelegramUser(id=811, first_name="Мария", language_code="ru")
SOMEONE_ELSE = TelegramUser(id=812, first_name="Пётр", language_code="ru")
OTHER_TOKEN = "987654321:AAH-another-token-nobody-issued_00000"


async def operator(process: BotProcess, *args: str, **env: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` beside the bot: its exit status, stdout and stderr."""
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=process.workdir,
        env={**process.env, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(command.communicate(), 60)
    assert command.returncode is not None
    return command.returncode, out.decode(), err.decode()


async def test_check_asks_telegram_who_the_bot_is(
    bot_process: BotProcess, translator: Translator
) -> None:
    status, out, err = await operator(bot_process, "check")
    assert status == 0, err
    assert f"Бот в Telegram: @{BOT_USER['username']}" in out.splitlines()

    status, out, err = await operator(bot_process, "check", BOT_TOKEN=OTHER_TOKEN)
    assert status == 2
    assert err.strip() == translator.get("ru", "cli-check-telegram-refused")
    assert OTHER_TOKEN not in out + err
    assert "@" + str(BOT_USER["username"]) not in out


async def test_the_first_admin_joins_with_a_one_time_link(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    bot_process.env.pop("ADMIN_IDS", None)
    await bot_process.start()

    # Before anything, /me tells a person their Telegram id.
    shown = await telegram.ask(FIRST_ADMIN, "/me")
    assert f"Идентификатор в Telegram: <code>{FIRST_ADMIN.id}</code>" in shown.text

    output = await bot_process.cli("invite", "create", "--role", "admin")
    link = re.search(rf"https://t\.me/{BOT_USER['username']}\?start=([\w-]+)", output)
    assert link is not None, output
    assert f"Код приглашения: {link[1]}" in output

    since = len(telegram.calls)
    telegram.send_text(FIRST_ADMIN, f"/start {link[1]}")
    consent = await telegram.wait_for(
        "sendMessage",
        since=since,
        chat_id=FIRST_ADMIN.id,
        where=lambda c: c.text == t.get("ru", "consent-text"),
    )
    await telegram.click(
        FIRST_ADMIN,
        consent,
        t.get("ru", "button-consent-accept"),
        answer=t.get("ru", "join-ask-name"),
    )
    card = await telegram.ask(FIRST_ADMIN, "Смирнова Мария Ивановна")
    done = await telegram.click(FIRST_ADMIN, card, t.get("ru", "button-confirm"))
    assert done.text == t.get("ru", "join-done")
    menu = await telegram.ask(FIRST_ADMIN, "/menu")
    assert t.get("ru", "menu-import") in [b["text"] for b in menu.buttons()]
    # Telegram is told the admin's own command menu, with the coordinators' commands.
    own = await telegram.wait_for(
        "setMyCommands", where=lambda c: c.params.get("scope", {}).get("chat_id") == FIRST_ADMIN.id
    )
    assert "requests" in [command["command"] for command in own.params["commands"]]

    # The grant is in the audit log, with the invite it came by; the link works once.
    with sqlite3.connect(bot_process.workdir / "bot.sqlite3") as connection:
        granted = connection.execute(
            "SELECT details FROM audit_log WHERE action = 'role.granted'"
        ).fetchall()
    assert [json.loads(row[0])["role"] for row in granted] == ["admin"]
    assert json.loads(granted[0][0])["via"].startswith("invite:")
    refused = await telegram.ask(SOMEONE_ELSE, f"/start {link[1]}")
    assert refused.text.startswith(t.get("ru", "error-invite-used")), refused.text
