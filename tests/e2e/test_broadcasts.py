"""Announcements end to end: a municipal coordinator on Telegram sends an acknowledged
announcement with a document to the municipality's directors (on Telegram, or on MAX); a
recipient who blocked the bot is tried once and reported; two acknowledge; the list shows
who has not; a second announcement is cancelled midway; the bot is killed midway through a
third and, restarted, finishes it without duplicates."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest

from bot.i18n import Translator
from storage.models import Channel
from tests.support.bot_process import BotProcess
from tests.support.fake_max import FakeMax
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import TWO_MUNICIPALITIES_SCHOOLS as SCHOOLS
from tests.support.journeys import (
    OnMax,
    OnTelegram,
    Person,
    Said,
    announce,
    both_messengers,
    invite,
    join,
    person_on,
    register,
    wait_until,
)
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

COORDINATOR = TelegramUser(id=1001, first_name="Анна")
DIRECTOR_IDS = [1010 + i for i in range(4)]
TOSNO_DIRECTOR_ID = 1020
NAMES = ["Алексеева Анна", "Борисова Вера", "Власова Галина", "Григорьева Дарья"]


def delivered(people: list[Person], text: str, since: dict[int, int] | None = None) -> list[int]:
    """How many copies of the announcement each person got (after their mark in `since`)."""
    return [len(p.received((since or {}).get(i, 0), text)) for i, p in enumerate(people)]


def reached(people: list[Person], text: str, since: dict[int, int] | None = None) -> int:
    return sum(1 for count in delivered(people, text, since) if count)


def marks(people: list[Person]) -> dict[int, int]:
    return {i: p.mark() for i, p in enumerate(people)}


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.MAX], ids=lambda c: c.value)
async def test_announcements_journey(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    processes: list[BotProcess],
    translator: Translator,
) -> None:
    """The coordinator on Telegram, the directors on `channel`: one process serves both."""
    t = translator
    bot_process = both_messengers(telegram, max_api, tmp_path)
    processes.append(bot_process)
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    await bot_process.start()
    code = await invite(
        bot_process, "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    await register(telegram, COORDINATOR, t, f"/start {code}", "Кириллова Анна")
    directors = [person_on(channel, telegram, max_api, user_id) for user_id in DIRECTOR_IDS]
    for index, (director, name) in enumerate(zip(directors, NAMES, strict=True)):
        code = await invite(bot_process, "--role", "director", "--school", f"4700{index + 1}")
        await join(director, t, name, invite=code)
    tosno = person_on(channel, telegram, max_api, TOSNO_DIRECTOR_ID)
    code = await invite(bot_process, "--role", "director", "--school", "47101")
    await join(tosno, t, "Тосненская Ольга", invite=code)
    blocked = directors[3]
    blocked.block()
    blocked_at = blocked.mark()
    everybody = [*directors, tosno]

    # 1. An acknowledged announcement with a document, to the municipality's directors.
    first = "Приказ о проведении мониторинга"
    progress = await announce(
        telegram, t, first, acknowledge=True, document=True, recipients=4, coordinator=COORDINATOR
    )
    assert progress.text.startswith("✉")
    await wait_until(lambda: reached(everybody, first) == 3)
    copies = [director.received(0, first) for director in directors[:3]]
    assert all(
        len(got) == 1 and d.has_document(got[0])
        for d, got in zip(directors[:3], copies, strict=True)
    )
    assert delivered([tosno], first) == [0]
    report = await telegram.wait_for(
        "editMessageText",
        where=lambda c: str(c.params.get("text", "")).startswith("✅"),
        timeout=30,
    )
    assert "заблокировали бота: 1" in report.params["text"]
    for reader, [copy] in zip(directors[:2], copies[:2], strict=True):
        assert await reader.answer(copy, "Ознакомлен") == t.get("ru", "broadcast-acknowledged")
    menu = await telegram.ask(COORDINATOR, "/menu")
    history = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-broadcasts"))
    card = await telegram.click(COORDINATOR, history, "Приказ о проведении")
    assert "Ознакомились: 2" in card.text
    who = await telegram.click(COORDINATOR, card, t.get("ru", "button-broadcast-who"))
    assert "Власова Галина: не ознакомлен" in who.text
    assert "Григорьева Дарья: заблокировал бота" in who.text
    assert "Алексеева" not in who.text
    # The 403 marked the blocked director unreachable: one attempt, not retried.
    assert len(_attempts(blocked, blocked_at, telegram, max_api)) == 1

    # 2. At one message a second, the second announcement is stopped midway.
    await bot_process.stop()
    bot_process.env.update(DELIVERY_RATE="1", MAX_DELIVERY_RATE="1")  # each lane its own
    await bot_process.start()
    second = "Совещание переносится"
    since, coordinator_since = marks(everybody), len(telegram.calls)
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
    await wait_until(lambda: reached(everybody, second, since) >= 1)
    telegram.press(
        COORDINATOR, telegram.button(progress, t.get("ru", "button-broadcast-cancel")), progress
    )
    await telegram.wait_for(
        "editMessageText",
        since=coordinator_since,
        where=lambda c: str(c.params.get("text", "")).startswith("Отправка остановлена"),
    )
    await asyncio.sleep(3)  # anything still queued would go out now
    assert reached(everybody, second, since) < 3

    # 3. The bot is killed midway through a third and restarted: it finishes, no duplicates.
    third = "Напоминаем о сроках отчёта"
    since = marks(everybody)
    await announce(
        telegram, t, third, acknowledge=False, document=False, recipients=3, coordinator=COORDINATOR
    )
    await wait_until(lambda: reached(everybody, third, since) >= 1)
    await bot_process.kill()
    await bot_process.start()
    await wait_until(lambda: _finished(bot_process, third))
    copies_of_third = delivered(everybody, third, since)
    assert all(count <= 1 for count in copies_of_third), copies_of_third
    # At most the one message in flight at the kill is lost, never doubled.
    assert sum(copies_of_third) >= 2
    assert len(_attempts(blocked, blocked_at, telegram, max_api)) == 1  # nothing more tried to them


def _attempts(
    someone: Person, since: int, telegram: FakeTelegram, max_api: FakeMax
) -> list[object]:
    """Every send to `someone` their messenger was asked for after `since`, refused or not."""
    if isinstance(someone, OnMax):
        wanted = ("POST", "/messages", someone.user.user_id)
        return [c for c in max_api.calls[since:] if (c.method, c.path, c.user_id) == wanted]
    assert isinstance(someone, OnTelegram)
    return [
        c
        for c in telegram.calls[since:]
        if c.method.startswith("send") and c.chat_id == someone.user.id
    ]


def _finished(process: BotProcess, text: str) -> bool:
    with sqlite3.connect(process.workdir / "bot.sqlite3") as connection:
        (left,) = connection.execute(
            "SELECT count(*) FROM outbox o JOIN broadcasts b ON o.reference = 'broadcast:' || b.id"
            " WHERE b.text LIKE ? AND o.status IN ('pending', 'sending')",
            (f"%{text}%",),
        ).fetchone()
    return int(left) == 0


async def test_an_announcement_to_both_messengers_reaches_each_person_once(
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    processes: list[BotProcess],
    translator: Translator,
) -> None:
    """A coordinator on Telegram; a director on Telegram, one on MAX and one who has both,
    linked through /me's code and `/link` there, and chose MAX: each gets the announcement
    once, on their channel; the report and the acknowledgements count three people."""
    t = translator
    bot_process = both_messengers(telegram, max_api, tmp_path)
    processes.append(bot_process)
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    await bot_process.start()
    code = await invite(
        bot_process, "--role", "municipal_coordinator", "--municipality", "Киришский"
    )
    await register(telegram, COORDINATOR, t, f"/start {code}", "Кириллова Анна")
    on_telegram = person_on(Channel.TELEGRAM, telegram, max_api, 1030)
    on_max = person_on(Channel.MAX, telegram, max_api, 1031)
    both = person_on(Channel.TELEGRAM, telegram, max_api, 1032)
    both_there = person_on(Channel.MAX, telegram, max_api, 1033)  # the same person, on MAX
    for school, someone, name in [
        ("47001", on_telegram, "Алексеева Анна"),
        ("47002", on_max, "Борисова Вера"),
        ("47003", both, "Власова Галина"),
    ]:
        code = await invite(bot_process, "--role", "director", "--school", school)
        await join(someone, t, name, invite=code)

    # The one with both links them: a code from /me on Telegram, `/link <code>` on MAX;
    # then she has the bot write to her on MAX.
    async def profile(someone: Person, label: str) -> Said:
        """/me, as it comes (the menu after the registration may come first)."""
        since = someone.mark()
        someone.send("/me")
        return await someone.next_message(since, lambda c: label in someone.labels(c))

    link_label = t.get("ru", "button-link-account")
    shown = await both.click(await profile(both, link_label), link_label)
    match = re.search(r"/link ([A-Z0-9]{4}-?[A-Z0-9]{4})", shown.text)
    assert match is not None, shown.text
    linked = await both_there.ask(f"/link {match[1]}")
    assert linked.text == t.get("ru", "link-done", channel="MAX")
    receive_in_max = t.get("ru", "button-receive-in", channel="MAX")
    toast = await both_there.answer(await profile(both_there, receive_in_max), receive_in_max)
    assert toast == t.get("ru", "link-preferred", channel="MAX")

    text = "Приказ о проведении мониторинга"
    people = [on_telegram, on_max, both, both_there]
    since = marks(people)
    coordinator_since = len(telegram.calls)
    await announce(
        telegram, t, text, acknowledge=True, document=True, recipients=3, coordinator=COORDINATOR
    )
    await wait_until(lambda: reached(people, text, since) == 3)
    report = await telegram.wait_for(
        "editMessageText",
        since=coordinator_since,
        where=lambda c: c.text.startswith("✅"),
        timeout=30,
    )
    assert "Доставлено: 3 из 3" in report.text, report.text
    await asyncio.sleep(2)  # a second copy, were one queued, would have gone by now
    assert delivered(people, text, since) == [1, 1, 0, 1]
    # Before anybody has acknowledged, the status view lists each of the three once.
    menu = await telegram.ask(COORDINATOR, "/menu")
    history = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-broadcasts"))
    card = await telegram.click(COORDINATOR, history, "Приказ о проведении")
    who = await telegram.click(COORDINATOR, card, t.get("ru", "button-broadcast-who"))
    for name in ("Алексеева Анна", "Борисова Вера", "Власова Галина"):
        assert who.text.count(f"{name}: не ознакомлен") == 1, who.text
    for someone in (on_telegram, on_max, both_there):
        [copy] = someone.received(since[people.index(someone)], text)
        assert someone.has_document(copy)
        assert await someone.answer(copy, "Ознакомлен") == t.get("ru", "broadcast-acknowledged")
    menu = await telegram.ask(COORDINATOR, "/menu")
    history = await telegram.click(COORDINATOR, menu, t.get("ru", "menu-broadcasts"))
    card = await telegram.click(COORDINATOR, history, "Приказ о проведении")
    assert "Ознакомились: 3" in card.text, card.text
    assert " ERROR " not in bot_process.log()
