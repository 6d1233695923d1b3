"""Announcements end to end: a municipal coordinator sends an acknowledged announcement
with a document to the municipality's directors; a blocked recipient is reported; two
acknowledge; the list shows who has not; a second announcement is cancelled midway; the
bot is killed midway through a third and, restarted, finishes it without duplicates."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.i18n import Translator
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import TWO_MUNICIPALITIES_SCHOOLS as SCHOOLS
from tests.support.journeys import announce, invite, register, wait_until
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

COORDINATOR = TelegramUser(id=1001, first_name="Анна")
DIRECTORS = [TelegramUser(id=1010 + i, first_name=f"Директор{i}") for i in range(4)]
TOSNO_DIRECTOR = TelegramUser(id=1020, first_name="Тосно")
RECIPIENT_IDS = {user.id for user in [*DIRECTORS, TOSNO_DIRECTOR]}
NAMES = ["Алексеева Анна", "Борисова Вера", "Власова Галина", "Григорьева Дарья"]


def delivered(telegram: FakeTelegram, text: str, since: int = 0) -> dict[int, int]:
    """How many copies of the announcement each chat got."""
    copies: dict[int, int] = {}
    for call in telegram.calls[since:]:
        body = call.params.get("text") or call.params.get("caption") or ""
        to_director = call.chat_id in RECIPIENT_IDS  # not the coordinator's preview
        if (
            call.method.startswith("send")
            and call.result is not None
            and to_director
            and (text in str(body))
        ):
            assert call.chat_id is not None
            copies[call.chat_id] = copies.get(call.chat_id, 0) + 1
    return copies


async def test_announcements_journey(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    await bot_process.start()
    code = await invite(
        bot_process, "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    await register(telegram, COORDINATOR, t, f"/start {code}", "Кириллова Анна")
    for index, (user, name) in enumerate(zip(DIRECTORS, NAMES, strict=True)):
        code = await invite(bot_process, "--role", "director", "--school", f"4700{index + 1}")
        await register(telegram, user, t, f"/start {code}", name)
    code = await invite(bot_process, "--role", "director", "--school", "47101")
    await register(telegram, TOSNO_DIRECTOR, t, f"/start {code}", "Тосненская Ольга")
    blocked = DIRECTORS[3]
    telegram.block(blocked.id)

    # 1. An acknowledged announcement with a document, to the municipality's directors.
    first = "Приказ о проведении мониторинга"
    progress = await announce(
        telegram, t, first, acknowledge=True, document=True, recipients=4, coordinator=COORDINATOR
    )
    assert progress.text.startswith("✉")
    await wait_until(lambda: len(delivered(telegram, first)) == 3)
    copies = [
        c
        for c in telegram.calls
        if c.method == "sendDocument" and c.result is not None and c.chat_id in RECIPIENT_IDS
    ]
    assert {c.chat_id for c in copies} == {d.id for d in DIRECTORS[:3]}
    assert TOSNO_DIRECTOR.id not in delivered(telegram, first)
    report = await telegram.wait_for(
        "editMessageText",
        where=lambda c: str(c.params.get("text", "")).startswith("✅"),
        timeout=30,
    )
    assert "заблокировали бота: 1" in report.params["text"]
    for reader in DIRECTORS[:2]:
        copy = next(c for c in copies if c.chat_id == reader.id)
        answer = await telegram.answer_to(
            telegram.press(reader, telegram.button(copy, "Ознакомлен"), copy)
        )
        assert answer.params["text"] == t.get("ru", "broadcast-acknowledged")
    menu = await telegram.ask(COORDINATOR, "/menu")
    history = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-broadcasts"))
    card = await telegram.click(COORDINATOR, history, "Приказ о проведении")
    assert "Ознакомились: 2" in card.text
    who = await telegram.click(COORDINATOR, card, t.get("ru", "button-broadcast-who"))
    assert "Власова Галина: не ознакомлен" in who.text
    assert "Григорьева Дарья: заблокировал бота" in who.text
    assert "Алексеева" not in who.text

    # 2. At one message a second, the second announcement is stopped midway.
    await bot_process.stop()
    bot_process.env["DELIVERY_RATE"] = "1"
    await bot_process.start()
    second = "Совещание переносится"
    since = len(telegram.calls)
    # The director who blocked the bot is no longer counted.
    progress = await announce(
        telegram,
        t,
        second,
        acknowledge=False,
        document=False,
        recipients=3,
        coordinator=COORDINATOR,
    )
    await wait_until(lambda: len(delivered(telegram, second, since)) >= 1)
    telegram.press(
        COORDINATOR, telegram.button(progress, t.get("ru", "button-broadcast-cancel")), progress
    )
    await telegram.wait_for(
        "editMessageText",
        since=since,
        where=lambda c: str(c.params.get("text", "")).startswith("Отправка остановлена"),
    )
    await asyncio.sleep(3)  # anything still queued would go out now
    assert len(delivered(telegram, second, since)) < 3

    # 3. The bot is killed midway through a third and restarted: it finishes, no duplicates.
    third = "Напоминаем о сроках отчёта"
    since = len(telegram.calls)
    await announce(
        telegram, t, third, acknowledge=False, document=False, recipients=3, coordinator=COORDINATOR
    )
    await wait_until(lambda: len(delivered(telegram, third, since)) >= 1)
    await bot_process.kill()
    await bot_process.start()
    await wait_until(lambda: _finished(bot_process, third))
    copies_of_third = delivered(telegram, third, since)
    assert all(count == 1 for count in copies_of_third.values()), copies_of_third
    # At most the one message in flight at the kill is lost, never doubled.
    assert len(copies_of_third) >= 2


def _finished(process: BotProcess, text: str) -> bool:
    with sqlite3.connect(process.workdir / "bot.sqlite3") as connection:
        (left,) = connection.execute(
            "SELECT count(*) FROM outbox o JOIN broadcasts b ON o.reference = 'broadcast:' || b.id"
            " WHERE b.text LIKE ? AND o.status IN ('pending', 'sending')",
            (f"%{text}%",),
        ).fetchone()
    return int(left) == 0
