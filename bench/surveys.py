"""Benchmark: N directors answer a Q-question survey at once through the whole stack: the
real entry point (`python -m bot`, SQLite) polling the fake Bot API over HTTP.

    .venv/bin/python -m bench.surveys [--directors 500] [--questions 20] [--rounds 3]

Each simulated director presses the button of the current question and waits for the next
one (a new message with buttons, or the pressed message edited into the next question).
Prints updates per second and the p50/p95/p99 time from a press to the bot's answer to it,
and the same for a bare aiogram echo bot (bench/echo_bot.py) against the same kind of fake
server in the same run, with the ratio (goal: at least 0.5).

The machines are shared and their speed drifts by a third within minutes, so the two bots
take turns: in each round every director answers a survey of its own through the bot, then
presses as many buttons of the echo bot; the ratio is over all rounds, and each round's is
shown too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.common import database_with_directors
from bot.conversation.actions import SurveyCb
from bot.services import surveys
from bot.services.survey_definitions import SurveyDefinition
from storage.models import Assignment, Participant, School
from storage.types import utcnow
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.updates import TelegramUser


def definition(questions: int, code: str = "bench") -> SurveyDefinition:
    option = [
        {"id": f"o{i}", "label": {"ru": f"Вариант {i}", "en": f"Option {i}"}} for i in range(3)
    ]
    return SurveyDefinition.model_validate(
        {
            "code": code,
            "title": {"ru": "Замер", "en": "Bench"},
            "description": {"ru": "Замер", "en": "Bench"},
            "audience": {"roles": ["director"]},
            "unit": "school",
            "questions": [
                {
                    "id": f"q{i}",
                    "type": "single",
                    "options": option,
                    "text": {"ru": f"Вопрос {i}?", "en": f"Question {i}?"},
                }
                for i in range(questions)
            ],
        }
    )


async def prepare(
    path: Path, directors: int, questions: int, rounds: int = 1
) -> list[list[tuple[int, str]]]:
    """The database the bot will use, with one open survey per round; per round, (telegram
    id, the "open" button's data) of each director."""
    engine, sessions = await database_with_directors(directors, 30_000_000, path)
    async with sessions() as session:
        await session.execute(
            insert(School),
            [
                {
                    "code": f"B{i}",
                    "municipality_id": 1,
                    "full_name": f"Школа {i}",
                    "short_name": f"Школа {i}",
                    "programmes": [],
                    "search_text": "",
                }
                for i in range(directors)
            ],
        )
        people = list(await session.scalars(select(Participant).order_by(Participant.id)))
        schools = list(await session.scalars(select(School).order_by(School.id)))
        await session.execute(
            insert(Assignment),
            [
                {"participant_id": p.id, "school_id": s.id}
                for p, s in zip(people, schools, strict=True)
            ],
        )
        await session.commit()
        openings = []
        for round_ in range(rounds):
            code = f"bench{round_}"
            loaded = await surveys.load(session, None, definition(questions, code))
            now = utcnow()
            await surveys.open_window(session, None, code, now + timedelta(days=1), now)
            openings.append(
                [
                    (
                        p.telegram_id,
                        SurveyCb(action="open", survey=loaded.survey.id, school=s.id).pack(),
                    )
                    for p, s in zip(people, schools, strict=True)
                ]
            )
    await engine.dispose()
    return openings


async def simulate(
    telegram: FakeTelegram, users: list[tuple[int, str]], presses: int
) -> tuple[float, list[float]]:
    """Every user presses `presses` buttons in turn; (elapsed seconds, latencies)."""
    questions: dict[int, asyncio.Queue[ApiCall]] = defaultdict(asyncio.Queue)
    answered: dict[str, asyncio.Future[float]] = {}

    def listen(call: ApiCall) -> None:
        if call.method == "answerCallbackQuery":
            future = answered.pop(str(call.params.get("callback_query_id")), None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())
        elif (
            call.method in ("sendMessage", "editMessageText")
            and call.chat_id is not None
            and call.buttons()
        ):
            # The next question: a new message, or the pressed one edited in place.
            questions[call.chat_id].put_nowait(call)

    telegram.listeners.append(listen)
    latencies: list[float] = []
    loop = asyncio.get_running_loop()

    async def director(telegram_id: int, opening: str) -> None:
        user = TelegramUser(id=telegram_id, language_code="ru")
        data, message = opening, None
        for press in range(presses):
            future: asyncio.Future[float] = loop.create_future()
            update = telegram.press(user, data, message)
            answered[update["callback_query"]["id"]] = future
            started = time.perf_counter()
            latencies.append(await asyncio.wait_for(future, 120) - started)
            if press + 1 < presses:
                message = await asyncio.wait_for(questions[telegram_id].get(), 120)
                data = str(message.buttons()[0]["callback_data"])

    started = time.perf_counter()
    await asyncio.gather(*(director(telegram_id, opening) for telegram_id, opening in users))
    elapsed = time.perf_counter() - started
    telegram.listeners.remove(listen)
    return elapsed, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> float:
    rate = len(latencies) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<10} {len(latencies)} presses in {elapsed:.1f} s: {rate:.0f} updates/s; "
        f"press→answer p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
        f"p99 {cuts[98] * 1000:.0f} ms"
    )
    return rate


async def main(directors: int, questions: int, rounds: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-surveys-"))
    openings = await prepare(workdir / "bot.sqlite3", directors, questions, rounds)
    presses = questions + 1  # open, then one answer per question

    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    bot = BotProcess(
        telegram,
        workdir,
        LOG_LEVEL="WARNING",
        RUN_SCHEDULER="false",
        UPDATES_CONCURRENCY=os.environ.get("UPDATES_CONCURRENCY", "16"),
    )
    await bot.start()
    echo_telegram = FakeTelegram(TOKEN)
    await echo_telegram.start()
    echo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.echo_bot",
        env={**bot.env, "TELEGRAM_API_BASE": echo_telegram.base_url},
    )
    await echo_telegram.wait_for("getUpdates", timeout=60)

    totals: dict[str, tuple[float, list[float]]] = {"full bot": (0.0, []), "echo bot": (0.0, [])}
    for round_, users in enumerate(openings, start=1):
        rates = {}
        for name, server in (("full bot", telegram), ("echo bot", echo_telegram)):
            elapsed, latencies = await simulate(server, users, presses)
            rates[name] = len(latencies) / elapsed
            spent, all_latencies = totals[name]
            totals[name] = (spent + elapsed, all_latencies + latencies)
        full, bare = rates["full bot"], rates["echo bot"]
        print(
            f"round {round_}: full bot {full:.0f} updates/s, echo bot {bare:.0f} updates/s, "
            f"ratio {full / bare:.2f}"
        )

    await bot.stop(timeout=60)
    echo.terminate()
    await echo.wait()
    await telegram.stop()
    await echo_telegram.stop()
    full = report("full bot", *totals["full bot"])
    bare = report("echo bot", *totals["echo bot"])
    print(f"ratio (full / echo updates per second): {full / bare:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--directors", type=int, default=500)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.directors, arguments.questions, arguments.rounds))
