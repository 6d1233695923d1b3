"""Delivery that loses nothing, end to end against a slow, rate-limited or failing fake Bot
API: a kill -9 in the middle of an announcement to 40 curators, a stop pressed midway, and
a Telegram outage that the retries outlast."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter

import pytest

from bot.i18n import Translator
from storage.db import create_engine, create_session_factory
from storage.models import Role
from storage.repositories.directory import SchoolRepository
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.journeys import TWO_MUNICIPALITIES_SCHOOLS as SCHOOLS
from tests.support.journeys import announce, wait_until
from tests.support.people import person, telegram_id
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

# The loop's bound on requests on the wire at once (scheduler.delivery.CONCURRENCY): only
# these may be ambiguous after a kill.
CONCURRENCY = 8


async def seed(process: BotProcess, curators: int) -> tuple[TelegramUser, list[int]]:
    """A municipal coordinator of Кириши and `curators` registered curators of its schools,
    written to the bot's database before it starts (registering 40 people through the chat
    is what the registration tests do)."""
    (process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await process.cli("schools", "import", "schools.csv", "--apply")
    engine = create_engine(process.env["DATABASE_URL"])
    try:
        async with create_session_factory(engine)() as session:
            school = dict(await SchoolRepository(session).by_codes(["47001"]))["47001"]
            coordinator = await person(
                session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский", name="Кириллова Анна"
            )
            ids = [
                telegram_id(await person(session, Role.CURATOR, schools=[school], name=_name(i)))
                for i in range(curators)
            ]
    finally:
        await engine.dispose()
    return TelegramUser(id=telegram_id(coordinator), first_name="Анна"), ids


def _name(index: int) -> str:
    """Names are letters only: «Куратор Аб», «Куратор Ав», ..."""
    return f"Куратор {chr(ord('А') + index // 32)}{chr(ord('а') + index % 32)}"


def copies(telegram: FakeTelegram, text: str, chats: list[int]) -> Counter[int]:
    """How many copies of the announcement each recipient got (carried out by the API)."""
    wanted = set(chats)
    return Counter(
        call.chat_id
        for call in telegram.calls
        if call.method == "sendMessage"
        and call.result is not None
        and call.chat_id in wanted
        and text in call.text
    )


def statuses(process: BotProcess) -> dict[int, str]:
    """Each recipient's outbox status (by chat id)."""
    with sqlite3.connect(process.workdir / "bot.sqlite3") as connection:
        return dict(connection.execute("SELECT chat_id, status FROM outbox").fetchall())


def settled(process: BotProcess) -> bool:
    return not {"pending", "sending"} & set(statuses(process).values())


def figures(text: str) -> dict[str, int]:
    """The numbers of a progress report, by their Russian label."""
    return {
        label.strip(): int(number) for label, number in re.findall(r"([а-яёА-ЯЁ ]+): (\d+)", text)
    }


async def last_report(telegram: FakeTelegram, chat_id: int, since: int, start: str) -> ApiCall:
    return await telegram.wait_for(
        "editMessageText",
        since=since,
        chat_id=chat_id,
        timeout=30,
        where=lambda c: c.text.startswith(start),
    )


async def test_a_kill_mid_send_loses_and_doubles_nothing_but_the_requests_on_the_wire(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    coordinator, curators = await seed(bot_process, 40)
    telegram.exempt_chats.add(coordinator.id)
    await bot_process.start()
    # Telegram at its slowest: about 5 sends a second, each answered after 1.2 s.
    telegram.rate_limit, telegram.latency = 5, 1.2
    text = "Сдайте отчёт о мониторинге до пятницы"
    await announce(
        telegram,
        t,
        text,
        acknowledge=False,
        document=False,
        recipients=40,
        coordinator=coordinator,
        audience="audience-curator",
    )
    await wait_until(lambda: sum(copies(telegram, text, curators).values()) >= 10)
    await bot_process.kill()
    on_the_wire = telegram.in_flight
    since = len(telegram.calls)
    await bot_process.start()
    await wait_until(lambda: settled(bot_process), timeout=60)

    got = copies(telegram, text, curators)
    rows = statuses(bot_process)
    ambiguous = [chat for chat, status in rows.items() if status == "ambiguous"]
    print(
        f"on the wire at the kill: {on_the_wire}, ambiguous: {len(ambiguous)}, "
        f"missing: {sum(1 for c in curators if got[c] == 0)}"
    )
    assert len(ambiguous) <= CONCURRENCY
    for chat in curators:
        if chat in ambiguous:
            assert got[chat] <= 1, (chat, got[chat])  # at most once for the ambiguous few
        else:
            assert (rows[chat], got[chat]) == ("sent", 1), chat
    # The report counts what the rows say: delivered, errors, unconfirmed.
    report = await last_report(telegram, coordinator.id, since, "✅")
    numbers = figures(report.text)
    assert numbers["Доставлено"] == 40 - len(ambiguous)
    assert numbers["ошибки"] == 0
    assert numbers.get("без подтверждения", 0) == len(ambiguous)
    assert "из 40" in report.text

    # One tap resends the ambiguous copies: then everybody has it.
    assert ambiguous, "the kill should have found requests on the wire"
    if ambiguous:
        telegram.rate_limit, telegram.latency = None, 0.0
        resend = next(b for b in report.buttons() if "Отправить повторно" in b["text"])
        answer = await telegram.answer_to(
            telegram.press(coordinator, resend["callback_data"], report)
        )
        assert answer.params["text"] == t.get("ru", "broadcast-resent", count=len(ambiguous))
        await wait_until(lambda: all(copies(telegram, text, curators)[c] for c in curators))
        await wait_until(lambda: settled(bot_process))
        assert set(statuses(bot_process).values()) == {"sent"}


async def test_stop_sends_nothing_more_and_the_report_says_what_went(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    coordinator, curators = await seed(bot_process, 5)
    telegram.exempt_chats.add(coordinator.id)
    await bot_process.start()
    telegram.rate_limit = 1  # one send a second gets through: the rest are asked to wait
    text = "Совещание переносится на среду"
    since = len(telegram.calls)
    progress = await announce(
        telegram,
        t,
        text,
        acknowledge=False,
        document=False,
        recipients=5,
        coordinator=coordinator,
        audience="audience-curator",
    )
    await asyncio.sleep(1.5)
    at_press = sum(copies(telegram, text, curators).values())
    telegram.press(
        coordinator, telegram.button(progress, t.get("ru", "button-broadcast-cancel")), progress
    )
    await last_report(telegram, coordinator.id, since, "Отправка остановлена")
    await asyncio.sleep(3)  # anything still queued or claimed would go out now
    got = copies(telegram, text, curators)
    went = sum(got.values())
    assert went <= at_press + 1, (at_press, went)  # at most the one request on the wire
    assert went < 5
    assert all(count == 1 for count in got.values())
    assert settled(bot_process)
    # The report is corrected to what went, once the last request has come back.
    await wait_until(
        lambda: figures(_latest_edit(telegram, coordinator.id).text).get("Доставлено") == went,
        timeout=10,
    )
    final = _latest_edit(telegram, coordinator.id)
    assert final.text.startswith("Отправка остановлена")
    assert figures(final.text)["не отправлено"] == 5 - went


def _latest_edit(telegram: FakeTelegram, chat_id: int) -> ApiCall:
    return [c for c in telegram.calls if c.method == "editMessageText" and c.chat_id == chat_id][-1]


async def test_an_outage_of_telegram_is_outlasted_and_everybody_gets_the_message(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator
    coordinator, curators = await seed(bot_process, 7)
    telegram.exempt_chats.add(coordinator.id)
    # Small figures for the test: pauses of at most a second, retried for two minutes.
    bot_process.env.update(DELIVERY_RETRY_FOR="2m", DELIVERY_RETRY_MAX_PAUSE="1s")
    await bot_process.start()
    outage = 10.0
    telegram.fail_sends_for(outage)
    text = "Вебинар о ВПР переносится"
    await announce(
        telegram,
        t,
        text,
        acknowledge=False,
        document=False,
        recipients=7,
        coordinator=coordinator,
        audience="audience-curator",
    )
    await wait_until(lambda: telegram.outage_over, timeout=outage + 5)
    # Pauses capped at a second: everybody has it within moments of the recovery.
    await wait_until(lambda: all(copies(telegram, text, curators)[c] for c in curators), timeout=3)
    await wait_until(lambda: settled(bot_process))
    assert set(statuses(bot_process).values()) == {"sent"}
    assert all(count == 1 for count in copies(telegram, text, curators).values())
    failures = [
        c
        for c in telegram.calls
        if c.method == "sendMessage" and c.result is None and c.chat_id in set(curators)
    ]
    assert len(failures) >= 7 * 5  # it was retried through the outage, not just once
