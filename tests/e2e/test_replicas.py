"""Two replicas in webhook mode on PostgreSQL and Redis, updates posted to either: a
director answers a survey and a coordinator sends an announcement through both; the
elected leader is killed with kill -9 and the other takes over. An announcement sent
after the kill reaches each recipient once, and every answer the bot confirmed is kept."""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import make_url, text

from bot.i18n import Translator
from bot.settings import PROJECT_ROOT
from storage.db import create_engine
from tests.support.bot_process import BotProcess, wait_healthy
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.journeys import TWO_MUNICIPALITIES_SCHOOLS as SCHOOLS
from tests.support.journeys import announce, invite, register, wait_until
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

SECRET = "replicas_secret-1"
# Ids of a range of their own each run: the conversation state lives in a Redis that
# other runs share.
BASE = random.randrange(10**6, 10**9)
COORDINATOR = TelegramUser(id=BASE, first_name="Анна")
DIRECTORS = [TelegramUser(id=BASE + 10 + i, first_name=f"Директор{i}") for i in range(4)]
NAMES = ["Алексеева Анна", "Борисова Вера", "Власова Галина", "Григорьева Дарья"]
RECIPIENTS = {d.id for d in DIRECTORS}


@pytest.fixture
async def replicas_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database of this test's own, beside TEST_DATABASE_URL's."""
    base, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not base or not redis:
        pytest.skip(
            "several replicas need PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)"
        )
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = make_url(base)
    url = url.set(database=f"{url.database}_replicas{('_' + worker) if worker else ''}")
    admin = create_engine(url.set(database="postgres").render_as_string(hide_password=False))

    async def recreate(create: bool) -> None:
        async with admin.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            if create:
                await autocommit.execute(text(f'CREATE DATABASE "{url.database}"'))

    await recreate(True)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await recreate(False)
        await admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def health(base: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as response:
        body: dict[str, Any] = await response.json()
        return body


def copies_of(telegram: FakeTelegram, words: str) -> dict[int, int]:
    """How many copies of the announcement with `words` each director got."""
    copies: dict[int, int] = {}
    for call in telegram.calls:
        if (
            call.method.startswith("send")
            and call.result is not None
            and call.chat_id in RECIPIENTS
            and words in str(call.params.get("text") or call.params.get("caption") or "")
        ):
            assert call.chat_id is not None
            copies[call.chat_id] = copies.get(call.chat_id, 0) + 1
    return copies


async def stored_answers(url: str) -> tuple[int, dict[str, list[object]]]:
    """The survey responses stored, and the answers of the one response, by question."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            responses = (await connection.execute(text("SELECT id FROM survey_responses"))).all()
            rows = (
                await connection.execute(
                    text(
                        "SELECT question_id, option_id, number, text, flag FROM survey_answers "
                        "ORDER BY question_id, position"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    answers: dict[str, list[object]] = {}
    for question_id, *values in rows:
        answers.setdefault(question_id, []).append(next(v for v in values if v is not None))
    return len(responses), answers


async def test_two_replicas_elect_a_leader_and_the_other_takes_over_after_kill_9(
    telegram: FakeTelegram, tmp_path: Path, translator: Translator, replicas_database: str
) -> None:
    t = translator
    ports = [free_port(), free_port()]
    replicas = []
    for name, port in zip("ab", ports, strict=True):
        (tmp_path / name).mkdir()
        replicas.append(
            BotProcess(
                telegram,
                tmp_path / name,
                DATABASE_URL=replicas_database,
                REDIS_URL=os.environ["TEST_REDIS_URL"],
                MODE="webhook",
                WEBHOOK_URL="https://bot.example.org/telegram",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(port),
                # Seconds, not the defaults' 5, 10 and 30: the test need not wait long.
                LEADER_RETRY_SECONDS="0.5",
                LEADER_RENEW_SECONDS="1",
                LEADER_LEASE_SECONDS="3",
            )
        )
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    first = replicas[0]
    try:
        (first.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
        await first.cli("schools", "import", "schools.csv", "--apply")
        template = PROJECT_ROOT / "data" / "surveys" / "engagement_directors.yaml"
        await first.cli("survey", "load", str(template))
        await first.cli("survey", "open", "engagement_directors", "--closes", "01.01.2099 18:00")
        await asyncio.gather(*(r.start(wait_ready=False) for r in replicas))
        for base in bases:
            await wait_healthy(base, timeout=180)  # a loaded machine starts slowly
        telegram.deliver_to([f"{base}/telegram" for base in bases], SECRET)

        # One leads, the other follows; both are healthy.
        states = [(await health(base))["scheduler"] for base in bases]
        assert sorted(states) == ["following", "running"], states
        leading = states.index("running")
        leader, survivor = replicas[leading], replicas[1 - leading]
        survivor_base = bases[1 - leading]

        code = await invite(first, "--role", "municipal_coordinator", "--municipality", "Киришский")
        await register(telegram, COORDINATOR, t, f"/start {code}", "Кириллова Анна")
        for index, (user, name) in enumerate(zip(DIRECTORS, NAMES, strict=True)):
            code = await invite(first, "--role", "director", "--school", f"4700{index + 1}")
            await register(telegram, user, t, f"/start {code}", name)

        # A survey journey, begun before the kill.
        director = DIRECTORS[0]
        since = len(telegram.calls)
        telegram.send_text(director, "/surveys")
        listing = await telegram.wait_for(
            "sendMessage",
            since=since,
            chat_id=director.id,
            where=lambda c: c.text.startswith("<b>Открытые анкеты"),
        )
        question = await telegram.click(director, listing, t.get("ru", "survey-start"))
        confirmed: list[str] = []

        async def next_step(since: int) -> ApiCall:
            call = await telegram.wait_for(
                "editMessageText",
                since=since,
                chat_id=director.id,
                where=lambda c: c.text.startswith("✅ Ответ сохранён: «"),
                timeout=30,
            )
            confirmed.append(call.text.split("»", 1)[0])
            return call

        async def choose(label: str) -> str:
            nonlocal question
            since = len(telegram.calls)
            telegram.press(director, telegram.button(question, label), question)
            question = await next_step(since)
            return question.text

        async def type_answer(answer: str) -> str:
            nonlocal question
            since = len(telegram.calls)
            telegram.send_text(director, answer)
            question = await telegram.wait_for(
                "sendMessage",
                since=since,
                chat_id=director.id,
                where=lambda c: c.text.startswith("✅ Ответ сохранён: «"),
                timeout=30,
            )
            confirmed.append(question.text.split("»", 1)[0])
            return question.text

        assert "Сколько вебинаров" in await choose("В большинстве")
        assert "Как часто Вы работали с куратором" in await type_answer("6")

        # An announcement through both replicas: each director gets it once.
        before = "Приказ о проведении мониторинга"
        await announce(
            telegram,
            t,
            before,
            acknowledge=False,
            document=False,
            recipients=4,
            coordinator=COORDINATOR,
        )
        await wait_until(lambda: len(copies_of(telegram, before)) == 4, timeout=60)
        posted_to = {url for url, _ in telegram.webhook_posts}
        assert posted_to == {f"{base}/telegram" for base in bases}  # both took updates
        await asyncio.sleep(0.5)  # the last updates' per-user locks are let go

        # kill -9 the leader: the other takes over.
        loop = asyncio.get_running_loop()
        await leader.kill()
        killed_at = loop.time()
        while (await health(survivor_base))["scheduler"] != "running":
            assert loop.time() - killed_at < 60, "nobody took over within a minute"
            await asyncio.sleep(0.1)
        takeover = loop.time() - killed_at

        # The survey goes on through the survivor (posts to the dead one are tried again
        # there), and an announcement queued after the kill is delivered.
        assert "Как продвигается программа" in await choose("Не работали")
        assert "антирисковые" in await choose("4")
        after = "Совещание директоров переносится"
        since = len(telegram.calls)
        progress = await announce(
            telegram,
            t,
            after,
            acknowledge=False,
            document=False,
            recipients=4,
            coordinator=COORDINATOR,
        )
        await wait_until(lambda: len(copies_of(telegram, after)) == 4, timeout=60)
        # The survivor's scheduler runs too: its job reports the announcement finished.
        await telegram.wait_for(
            "editMessageText",
            since=since,
            chat_id=COORDINATOR.id,
            where=lambda c: (
                c.text.startswith("✅")
                and int(c.params["message_id"]) == progress.result["message_id"]
            ),
            timeout=30,
        )
        await asyncio.sleep(2)  # nothing more comes late
        assert copies_of(telegram, before) == dict.fromkeys(RECIPIENTS, 1)
        assert copies_of(telegram, after) == dict.fromkeys(RECIPIENTS, 1)

        responses, answers = await stored_answers(replicas_database)
        assert responses == 1
        assert len(confirmed) == 4
        assert answers == {
            "meetings_attended": ["most"],
            "webinars_attended": [6.0],
            "curator_contact": ["never"],
            "programme_progress": [4.0],
        }
        print(f"takeover after kill -9: {takeover:.2f} s")
        assert "This replica leads" in survivor.log()
        assert "Traceback" not in survivor.log()
        assert await survivor.stop() == 0
    except BaseException:
        for replica in replicas:
            print(f"--- {replica.workdir.name} ---\n{replica.log()[-20000:]}")
        raise
    finally:
        for replica in replicas:
            await replica.close()
