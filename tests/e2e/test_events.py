"""A webinar created by a coordinator in the bot reaches its audience as a reminder; a
director (on Telegram, or on MAX) answers «Буду»; the coordinator's list shows it."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar

from bot.i18n import Translator
from bot.services import events
from storage.db import create_engine, create_session_factory
from storage.models import Channel, Role
from storage.repositories.directory import SchoolRepository
from tests.support.bot_process import BotProcess
from tests.support.fake_max import FakeMax
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import both_messengers, invite, join, person_on, register
from tests.support.people import person
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

COORDINATOR = TelegramUser(id=901, first_name="Анна")
DIRECTOR = TelegramUser(id=902, first_name="Ирина")
CURATOR = TelegramUser(id=903, first_name="Олег")
SCHOOLS = """Код;Муниципалитет;Полное наименование
47001;Киришский;МОУ «Киришская СОШ №3»
"""


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.MAX], ids=lambda c: c.value)
async def test_a_webinar_reaches_its_audience_and_answers_come_back(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    processes: list[BotProcess],
    translator: Translator,
) -> None:
    """The coordinator and the curator on Telegram, the director on `channel`: one process
    serves both messengers."""
    t = translator
    bot_process = both_messengers(telegram, max_api, tmp_path)
    processes.append(bot_process)
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    bot_process.env["REMINDER_CHECK_SECONDS"] = "1"
    await bot_process.start()
    coordinator_code = await invite(
        bot_process, "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    await register(telegram, COORDINATOR, t, f"/start {coordinator_code}", "Кириллова Анна")
    director_code = await invite(bot_process, "--role", "director", "--school", "47001")
    director = person_on(channel, telegram, max_api, DIRECTOR.id)
    await join(director, t, "Иванова Ирина", invite=director_code)
    curator_code = await invite(bot_process, "--role", "curator", "--school", "47001")
    await register(telegram, CURATOR, t, f"/start {curator_code}", "Петров Олег")

    # The coordinator creates a webinar for directors, starting in 23 hours: the reminder
    # a day ahead is due at once.
    zone = ZoneInfo("Europe/Moscow")
    start = (datetime.now(zone) + timedelta(hours=23)).replace(second=0, microsecond=0)
    menu = await telegram.ask(COORDINATOR, "/menu")
    events_list = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-events"))
    await telegram.click(
        COORDINATOR,
        events_list,
        t.get("ru", "button-new-webinar"),
        answer=t.get("ru", "webinar-ask-title"),
    )
    await telegram.ask(COORDINATOR, "Вебинар: итоги мониторинга")
    await telegram.ask(COORDINATOR, f"{start:%d.%m.%Y}")
    durations = await telegram.ask(COORDINATOR, f"{start:%H:%M}")
    link_question = await telegram.click(COORDINATOR, durations, "90")
    assert link_question.text == t.get("ru", "webinar-ask-link")
    materials = await telegram.ask(COORDINATOR, "https://webinar.example.org/monitoring")
    audiences = await telegram.click(COORDINATOR, materials, t.get("ru", "button-no-materials"))
    card = await telegram.click(COORDINATOR, audiences, t.get("ru", "audience-director"))
    since, since_director = len(telegram.calls), director.mark()
    created = await telegram.click(COORDINATOR, card, t.get("ru", "button-webinar-create"))
    assert created.text.startswith("✅")

    # The director gets the reminder through the outbox, on their messenger; the curator
    # does not. It says «завтра» only when the start is tomorrow in Moscow, and comes
    # once: the hour's reminder is still ahead.
    reminder = await director.next_message(since_director, lambda c: "мониторинга" in c.text)
    assert "Вебинар: итоги мониторинга" in reminder.text
    assert f"{start:%H:%M} (МСК)" in reminder.text
    tomorrow = start.date() > datetime.now(zone).date()
    lead = t.get("ru", "reminder-tomorrow" if tomorrow else "reminder-today", time=f"{start:%H:%M}")
    assert reminder.text.startswith(f"⏰ {lead}\n")
    assert director.labels(reminder) == ["Буду", "Не смогу"]
    assert await director.answer(reminder, "Буду") == t.get("ru", "rsvp-saved", answer="Буду")
    assert telegram.sent_to(CURATOR.id, since=since) == []
    assert len(director.received(since_director, "мониторинга")) == 1

    # The coordinator's list shows the answer.
    menu = await telegram.ask(COORDINATOR, "/menu")
    events_list = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-events"))
    report = await telegram.click(COORDINATOR, events_list, "итоги мониторинга")
    assert t.get("ru", "attendance-summary", coming=1, not_coming=0, silent=0) in report.text
    assert "Киришский: будут 1" in report.text

    # Restarting does not send the reminder again.
    since_director = director.mark()
    await bot_process.restart()
    assert (await director.ask("/help")).text == t.get("ru", "help-text")
    assert director.received(since_director, "мониторинга") == []


async def test_a_webinar_half_an_hour_ahead_sends_one_reminder_with_the_time_left(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    """Not «завтра» and «через час» at once: one message, «через 30 минут»."""
    t = translator
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    bot_process.env["REMINDER_CHECK_SECONDS"] = "1"
    await bot_process.start()
    coordinator_code = await invite(
        bot_process, "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    await register(telegram, COORDINATOR, t, f"/start {coordinator_code}", "Кириллова Анна")
    director_code = await invite(bot_process, "--role", "director", "--school", "47001")
    await register(telegram, DIRECTOR, t, f"/start {director_code}", "Иванова Ирина")

    zone = ZoneInfo("Europe/Moscow")
    start = (datetime.now(zone) + timedelta(minutes=31)).replace(second=0, microsecond=0)
    menu = await telegram.ask(COORDINATOR, "/menu")
    events_list = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-events"))
    await telegram.click(
        COORDINATOR,
        events_list,
        t.get("ru", "button-new-webinar"),
        answer=t.get("ru", "webinar-ask-title"),
    )
    await telegram.ask(COORDINATOR, "Срочный вебинар по отчётности")
    # The day and the time typed at once skip the time step.
    durations = await telegram.ask(COORDINATOR, f"{start:%Y-%m-%d %H:%M}")
    assert durations.text == t.get("ru", "webinar-ask-duration")
    await telegram.click(COORDINATOR, durations, "60")
    materials = await telegram.ask(COORDINATOR, "https://webinar.example.org/urgent")
    audiences = await telegram.click(COORDINATOR, materials, t.get("ru", "button-no-materials"))
    card = await telegram.click(COORDINATOR, audiences, t.get("ru", "audience-director"))
    since = len(telegram.calls)
    created = await telegram.click(COORDINATOR, card, t.get("ru", "button-webinar-create"))
    assert created.text.endswith(
        t.get("ru", "reminder-plan", count=1, offsets=t.get("ru", "reminder-plan-now"))
    )

    reminder = await telegram.wait_for("sendMessage", since=since, chat_id=DIRECTOR.id, timeout=30)
    first_line = reminder.text.splitlines()[0]
    match = re.fullmatch(r"⏰ Напоминание: начало через (\d+) минут[ауы]?", first_line)
    assert match is not None, first_line
    assert 20 <= int(match[1]) <= 31
    # Several scheduler rounds later, still the one message.
    await asyncio.sleep(4)
    assert len(telegram.sent_to(DIRECTOR.id, since=since)) == 1


async def test_the_webhook_server_serves_a_calendar_feed_that_follows_a_move(
    telegram: FakeTelegram, bot_process: BotProcess, unused_port: int
) -> None:
    """The feed from the real process, as a calendar application polls it: the operator
    moves the webinar, and the next fetch has it at its new time under the same UID."""
    bot_process.env.update(
        MODE="webhook",
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET="test_secret-1",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(unused_port),
    )
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    engine = create_engine(bot_process.env["DATABASE_URL"])
    try:
        async with create_session_factory(engine)() as session:
            school = dict(await SchoolRepository(session).by_codes(["47001"]))["47001"]
            director = await person(session, Role.DIRECTOR, schools=[school])
            now = datetime.now(UTC)
            webinar = await events.create_webinar(
                session,
                None,
                title="Вебинар для директоров",
                starts_at=now + timedelta(days=5),
                link="https://w.example.org/1",
                now=now,
            )
            token = await events.feed_token(session, director)
    finally:
        await engine.dispose()
    await bot_process.start(wait_ready=False)
    await telegram.wait_for("setWebhook", timeout=90)  # a loaded machine starts slowly
    url = f"http://127.0.0.1:{unused_port}/calendar/{token}.ics"

    async def entry() -> Any:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert response.content_type == "text/calendar"
            (found,) = Calendar.from_ical(await response.read()).walk("VEVENT")
            return found

    before = await entry()
    moved_to = (webinar.starts_at + timedelta(days=1)).astimezone(ZoneInfo("Europe/Moscow"))
    await bot_process.cli("events", "move", str(webinar.id), "--to", f"{moved_to:%d.%m.%Y %H:%M}")
    after = await entry()
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("dtstart") == moved_to.replace(second=0, microsecond=0)
    assert after.decoded("sequence") == before.decoded("sequence") + 1
    async with aiohttp.ClientSession() as http, http.get(url.replace(token, "x" * 32)) as missing:
        assert missing.status == 404
    assert await bot_process.stop() == 0
