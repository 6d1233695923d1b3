"""End to end: while the bot reads an admin's large workbook, another person's /help is
answered at once (the reading runs in a worker thread), and the admin is told which limit
the file broke."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.services import school_import
from tests.support import hostile
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import register
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

ADMIN = TelegramUser(id=801, first_name="Админ", language_code="ru")

SOMEONE = TelegramUser(id=805, first_name="Кто-то", language_code="ru")


async def test_a_large_file_does_not_hold_up_other_people(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    bot_process.env["ADMIN_IDS"] = str(ADMIN.id)
    await bot_process.start()
    await register(telegram, ADMIN, t, "/start", "Админов Админ Админович")
    menu = await telegram.wait_for(
        "sendMessage", chat_id=ADMIN.id, where=lambda c: c.text.startswith("Главное меню")
    )
    await telegram.click(
        ADMIN, menu, t.get("ru", "menu-import"), answer=t.get("ru", "import-send-file")
    )

    # Rows past the limit: read up to it, a few seconds of openpyxl, then refused.
    big = hostile.workbook_with_sheet(hostile.many_rows(school_import.MAX_ROWS + 5000))
    since = len(telegram.calls)
    telegram.upload(ADMIN, "schools.xlsx", big)
    await telegram.wait_for("getFile", since=since, chat_id=None)
    asked = len(telegram.calls)
    telegram.send_text(SOMEONE, "/help")
    helped = await telegram.wait_for("sendMessage", since=asked, chat_id=SOMEONE.id, timeout=60)
    refused = await telegram.wait_for("sendMessage", since=since, chat_id=ADMIN.id, timeout=60)
    limit = str(school_import.MAX_ROWS)
    assert refused.text == t.get("ru", "error-import-too-many-rows", limit=limit)
    assert telegram.calls.index(helped) < telegram.calls.index(refused), "/help waited"
