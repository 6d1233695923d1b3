"""Registration end to end: the admin imports schools, a director joins by a deep link from
the CLI, a curator joins without a code and is approved, a coordinator sees both, a forged
button is refused, and /forget removes the director."""

from __future__ import annotations

import io
import re
import sqlite3

import pytest
from openpyxl import Workbook

from bot.conversation.actions import SchoolCb
from bot.i18n import Translator
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import register
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

ADMIN = TelegramUser(id=801, first_name="Админ", language_code="ru")
COORDINATOR = TelegramUser(id=802, first_name="Координатор", language_code="ru")
DIRECTOR = TelegramUser(id=803, first_name="Ирина", language_code="ru")
CURATOR = TelegramUser(id=804, first_name="Oleg", language_code="en")


def schools_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["Код", "Муниципалитет", "Полное наименование", "Краткое наименование", "Программы"]
    )
    sheet.append(
        ["47001", "Киришский район", "МОУ «Киришская СОШ №3»", "Киришская СОШ №3", "500+, ШМР"]
    )
    sheet.append(
        [
            "47002",
            "Киришский муниципальный район",
            "МОУ «Будогощская СОШ»",
            "Будогощская СОШ",
            "500+",
        ]
    )
    sheet.append(["47101", "Тосненский", "МБОУ «Тосненская СОШ №1»", "Тосненская СОШ №1", "ШМР"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def school_id(process: BotProcess, code: str) -> int:
    """Looks a school's id up in the bot's database, to forge a button with it."""
    with sqlite3.connect(process.workdir / "bot.sqlite3") as connection:
        row = connection.execute("SELECT id FROM schools WHERE code = ?", (code,)).fetchone()
    return int(row[0])


async def test_registration_journey(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    bot_process.env["ADMIN_IDS"] = str(ADMIN.id)
    await bot_process.start()

    # The first admin, from ADMIN_IDS, registers and imports the schools from an XLSX file.
    done = await register(telegram, ADMIN, t, "/start", "Админов Админ Админович")
    assert done.text == t.get("ru", "join-done")
    menu = await telegram.wait_for(
        "sendMessage", chat_id=ADMIN.id, where=lambda c: c.text.startswith("Главное меню")
    )
    await telegram.click(
        ADMIN, menu, t.get("ru", "menu-import"), answer=t.get("ru", "import-send-file")
    )
    since = len(telegram.calls)
    telegram.upload(ADMIN, "schools.xlsx", schools_workbook())
    preview = await telegram.wait_for("sendMessage", since=since, chat_id=ADMIN.id)
    assert "Новых школ: 3" in preview.text
    assert "Ошибок: 0" in preview.text
    applied = await telegram.click(ADMIN, preview, t.get("ru", "button-import-apply"))
    assert applied.text == t.get("ru", "import-applied", new=3, updated=0)

    # The operator creates invites at the command line; the deep link names the bot.
    output = await bot_process.cli("invite", "create", "--role", "director", "--school", "47001")
    link = re.search(r"https://t\.me/test_bot\?start=([\w-]+)", output)
    assert link is not None, output
    coordinator_output = await bot_process.cli(
        "invite", "create", "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    coordinator_code = re.search(r"\?start=([\w-]+)", coordinator_output)
    assert coordinator_code is not None

    # The municipal coordinator and the director follow their deep links.
    await register(telegram, COORDINATOR, t, f"/start {coordinator_code[1]}", "Кириллова Анна")
    done = await register(telegram, DIRECTOR, t, f"/start {link[1]}", "Иванова Ирина Петровна")
    assert done.text == t.get("ru", "join-done")

    # A curator without a code, in English: municipality, school, role, name, request.
    since = len(telegram.calls)
    telegram.send_text(CURATOR, "/start")
    consent = await telegram.wait_for(
        "sendMessage",
        since=since,
        chat_id=CURATOR.id,
        where=lambda c: c.text == t.get("en", "consent-text"),
    )
    choose = await telegram.click(CURATOR, consent, t.get("en", "button-consent-accept"))
    assert choose.text == t.get("en", "join-code-or-municipality")
    await telegram.click(CURATOR, choose, "Киришский")
    found = await telegram.ask(CURATOR, "будогощская")
    assert found.text == t.get("en", "join-pick-school", total=1)
    roles = await telegram.click(CURATOR, found, "Будогощская СОШ")
    asked = await telegram.click(CURATOR, roles, t.get("en", "role-curator"))
    assert asked.text == t.get("en", "join-ask-name")
    card = await telegram.ask(CURATOR, "Petrov Oleg")
    since = len(telegram.calls)
    sent = await telegram.click(CURATOR, card, t.get("en", "button-confirm"))
    assert sent.text == t.get("en", "join-request-sent")

    # The coordinator is asked, approves, and the curator is told (in English).
    request = await telegram.wait_for("sendMessage", since=since, chat_id=COORDINATOR.id)
    assert "Petrov Oleg" in request.text
    since = len(telegram.calls)
    telegram.press(COORDINATOR, telegram.button(request, t.get("ru", "button-approve")), request)
    told = await telegram.wait_for("sendMessage", since=since, chat_id=CURATOR.id)
    assert told.text == t.get("en", "join-approved")

    # The coordinator sees both in the municipality's schools.
    menu = await telegram.ask(COORDINATOR, "/menu")
    roster = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-schools"))
    assert "Киришский муниципальный район" in roster.text
    assert "✅ Киришская СОШ №3" in roster.text
    card = await telegram.click(COORDINATOR, roster, "Киришская СОШ №3")
    assert "Иванова Ирина Петровна" in card.text
    card = await telegram.click(COORDINATOR, roster, "Будогощская СОШ")
    assert "Petrov Oleg" in card.text

    # A forged button: the card of a school in another municipality.
    forged = SchoolCb(purpose="card", id=school_id(bot_process, "47101")).pack()
    refusal = await telegram.answer_to(telegram.press(COORDINATOR, forged))
    assert refusal.params["text"] == t.get("ru", "error-access-denied")
    assert refusal.params["show_alert"] == "true"

    # The director leaves: /forget, two confirmations; the coordinator no longer sees her.
    warning = await telegram.ask(DIRECTOR, "/forget")
    sure = await telegram.click(DIRECTOR, warning, t.get("ru", "button-forget"))
    gone = await telegram.click(DIRECTOR, sure, t.get("ru", "button-forget-final"))
    assert gone.text == t.get("ru", "forget-done")
    card = await telegram.click(COORDINATOR, roster, "Киришская СОШ №3")
    assert "Иванова" not in card.text
    assert t.get("ru", "school-nobody") in card.text
    log = bot_process.log()
    assert "Иванова" not in log
    assert "Petrov" not in log
