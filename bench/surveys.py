"""Benchmark: N directors answer Q-question surveys through the whole stack: the real
entry point (`python -m bot`, on SQLite and on PostgreSQL) polling the fake Bot API over
HTTP, beside a bare aiogram echo bot (bench/echo_bot.py) against the same kind of fake
server in the same run.

    .venv/bin/python -m bench.surveys [--directors 500] [--questions 20] [--rounds 3]
        [--databases sqlite,postgresql] [--database-url URL]
        [--fixed-rate [--rate 100] [--seconds 60]]

A simulated director (a respondent) presses the button of the current question, waits for
the bot's answer to the press and for the next question (a new message with buttons, or the
pressed message edited into the next question; after the last one, the summary) before
pressing again; the latency is from the press to the answer.

Saturation (always, per database): every respondent presses without pause, a closed loop;
prints answers per second and press → answer p50/p95/p99 for the bot and the echo bot, and
their ratio. The machines are shared and their speed drifts by a third within minutes, so
the two bots take turns: in each round every director answers a survey of its own through
the bot, then presses as many buttons of the echo bot; the ratio is over all rounds, and
each round's is shown too.

`--fixed-rate` (per database, after the rounds): presses arrive as a Poisson process at
`--rate` a second for `--seconds`, each by a respondent picked at random among those not
waiting for the bot; prints the achieved rate, p50/p95/p99 and errors (presses not
answered, arrivals that found every respondent waiting, ERROR lines in the bot's log) in
one table with the saturation figures. Goal: p99 ≤ 150 ms at 100 answers/s offered.

PostgreSQL: `--database-url`, by default BENCH_DATABASE_URL or TEST_DATABASE_URL; its
public schema is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert, select

from bench.common import database_with_directors, sqlite_url
from bot.conversation.actions import SurveyCb
from bot.services import surveys
from bot.services.survey_definitions import SurveyDefinition
from storage.models import Assignment, Participant, School
from storage.types import utcnow
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.updates import TelegramUser

P99_GOAL = 0.150  # seconds, at 100 answers/s offered (issue 16)
# A respondent waits this long for the bot's answer, then for the next question.
TIMEOUT = 60.0


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
    url: str, directors: int, questions: int, rounds: int = 1
) -> list[list[tuple[int, str]]]:
    """The database the bot will use, with one open survey per round; per round, (telegram
    id, the "open" button's data) of each director."""
    engine, sessions = await database_with_directors(directors, 30_000_000, url)
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
                        p.accounts[0].external_id,
                        SurveyCb(action="open", survey=loaded.survey.id, school=s.id).pack(),
                    )
                    for p, s in zip(people, schools, strict=True)
                ]
            )
    await engine.dispose()
    return openings


class Respondent:
    """A director going through its surveys one after the other: what it presses next."""

    def __init__(self, telegram_id: int, openings: Sequence[str], presses: int) -> None:
        self.user = TelegramUser(id=telegram_id, language_code="ru")
        self._openings = iter(openings)
        self._presses = presses  # per survey: open, then one answer per question
        self._pressed = 0
        self.data: str | None = next(self._openings, None)  # None: every survey answered
        self.message: ApiCall | None = None  # the message whose button it presses

    def shown(self, message: ApiCall) -> None:
        """The bot's message after a press: the next question, or the summary after the
        last one, when the next survey's "open" button is pressed instead."""
        self._pressed += 1
        if self._pressed % self._presses:
            self.message = message
            self.data = str(message.buttons()[0]["callback_data"])
        else:
            self.message = None
            self.data = next(self._openings, None)


class Crowd:
    """The respondents of one fake Bot API. Each press is paired with the bot's answer to it
    and with the one message with buttons that follows it (both bots send exactly one)."""

    def __init__(
        self, telegram: FakeTelegram, openings: Sequence[Sequence[tuple[int, str]]], presses: int
    ) -> None:
        self.telegram = telegram
        self.presses = presses
        self.respondents = [
            Respondent(telegram_id, [survey[i][1] for survey in openings], presses)
            for i, (telegram_id, _) in enumerate(openings[0])
        ]
        self._shown: dict[int, asyncio.Queue[ApiCall]] = defaultdict(asyncio.Queue)
        self._answered: dict[str, asyncio.Future[float]] = {}
        telegram.listeners.append(self._listen)

    def _listen(self, call: ApiCall) -> None:
        if call.method == "answerCallbackQuery":
            future = self._answered.pop(str(call.params.get("callback_query_id")), None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())
        elif (
            call.method in ("sendMessage", "editMessageText")
            and call.chat_id is not None
            and call.buttons()
        ):
            self._shown[call.chat_id].put_nowait(call)

    async def press(self, respondent: Respondent) -> float:
        """One press and its press → answer latency in seconds; returns once the next
        message is on the respondent's screen."""
        assert respondent.data is not None
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        update = self.telegram.press(respondent.user, respondent.data, respondent.message)
        self._answered[update["callback_query"]["id"]] = future
        started = time.perf_counter()
        latency = await asyncio.wait_for(future, TIMEOUT) - started
        respondent.shown(await asyncio.wait_for(self._shown[respondent.user.id].get(), TIMEOUT))
        return latency


class Pressing(Protocol):
    """What the two loops drive: a Crowd, or a stand-in for it in a test."""

    respondents: list[Respondent]

    async def press(self, respondent: Respondent) -> float: ...


async def closed_loop(crowd: Crowd) -> tuple[float, list[float]]:
    """Every respondent answers its next survey, pressing without pause; (elapsed seconds,
    latencies)."""
    latencies: list[float] = []

    async def answer(respondent: Respondent) -> None:
        for _ in range(crowd.presses):
            latencies.append(await crowd.press(respondent))

    started = time.perf_counter()
    await asyncio.gather(*(answer(respondent) for respondent in crowd.respondents))
    return time.perf_counter() - started, latencies


@dataclass
class Offered:
    """What a fixed-rate run saw."""

    elapsed: float  # seconds: the window, or until the last answer if later
    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # presses never answered
    turned_away: int = 0  # arrivals that found every respondent waiting for the bot

    @property
    def achieved(self) -> float:
        return len(self.latencies) / self.elapsed


async def fixed_rate(crowd: Pressing, rate: float, seconds: float, seed: int = 16) -> Offered:
    """Presses arriving as a Poisson process at `rate` a second for `seconds`, each by a
    respondent picked at random among those not waiting for the bot."""
    rng = random.Random(seed)
    idle = [respondent for respondent in crowd.respondents if respondent.data is not None]
    seen = Offered(elapsed=0.0)
    pending: set[asyncio.Task[None]] = set()

    async def press(respondent: Respondent) -> None:
        try:
            seen.latencies.append(await crowd.press(respondent))
        except TimeoutError:
            seen.lost += 1  # what its screen shows is unknown: it presses no more
            return
        if respondent.data is not None:
            idle.append(respondent)

    loop = asyncio.get_running_loop()
    started = arrival = loop.time()
    # Arrival times are drawn ahead on the clock, so a late wake-up does not slow the rate.
    while (arrival := arrival + rng.expovariate(rate)) < started + seconds:
        await asyncio.sleep(arrival - loop.time())
        if not idle:
            seen.turned_away += 1
            continue
        chosen = rng.randrange(len(idle))
        idle[chosen], idle[-1] = idle[-1], idle[chosen]
        task = asyncio.create_task(press(idle.pop()))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(set(pending))
    # The window is `seconds` long even when its last arrival came early.
    seen.elapsed = max(loop.time() - started, seconds)
    return seen


def fixed_rate_surveys(directors: int, presses: int, rate: float, seconds: float) -> int:
    """Surveys enough for the busiest respondent of a fixed-rate run: each presses about a
    Poisson number of times, far above the mean for a few of 500."""
    mean = rate * seconds / directors
    return math.ceil((mean + 5 * math.sqrt(mean) + 1) / presses)


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in seconds."""
    if len(latencies) < 2:
        return (latencies[0],) * 3 if latencies else (math.nan,) * 3
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[94], cuts[98]


def report(name: str, elapsed: float, latencies: list[float]) -> float:
    rate = len(latencies) / elapsed
    p50, p95, p99 = percentiles(latencies)
    print(
        f"{name:<20} {len(latencies)} presses in {elapsed:.1f} s: {rate:.0f} updates/s; "
        f"press→answer p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )
    return rate


def telegram_of(bot: BotProcess) -> FakeTelegram:
    assert bot.telegram is not None  # the benchmark's bot runs on Telegram
    return bot.telegram


@asynccontextmanager
async def running(url: str, workdir: Path) -> AsyncIterator[tuple[BotProcess, FakeTelegram]]:
    """The bot on `url` and the echo bot, each polling a fake Bot API of its own; the bot's
    process (its log) and the echo bot's fake API."""
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    echo_telegram = FakeTelegram(TOKEN)
    await echo_telegram.start()
    bot = BotProcess(
        telegram,
        workdir,
        DATABASE_URL=url,
        LOG_LEVEL="WARNING",
        RUN_SCHEDULER="false",
        UPDATES_CONCURRENCY=os.environ.get("UPDATES_CONCURRENCY", "16"),
    )
    echo: asyncio.subprocess.Process | None = None
    try:
        # Both start at once: their imports take seconds each.
        await bot.start(wait_ready=False)
        echo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.echo_bot",
            env={**bot.env, "TELEGRAM_API_BASE": echo_telegram.base_url},
        )
        for polled in (telegram, echo_telegram):
            await polled.wait_for("getUpdates", timeout=60)
        yield bot, echo_telegram
    finally:
        if echo is not None:
            echo.terminate()
            await echo.wait()
        if bot.process is not None and bot.process.returncode is None:
            await bot.stop(timeout=60)
        await telegram.stop()
        await echo_telegram.stop()


@dataclass
class Row:
    """One database's line of the table."""

    database: str
    saturation_bot: float  # answers a second
    saturation_echo: float
    offered: float = 0.0  # presses a second; the rest of the row is the fixed-rate run's
    seen: Offered | None = None
    logged: int = 0  # ERROR and CRITICAL lines in the bot's log

    def errors(self) -> str:
        """The sum, and its parts when there are any."""
        assert self.seen is not None
        lost, turned_away = self.seen.lost, self.seen.turned_away
        total = lost + turned_away + self.logged
        if not total:
            return "0"
        return f"{total} ({lost} lost, {turned_away} turned away, {self.logged} logged)"


async def measure(database: str, url: str | None, arguments: argparse.Namespace) -> Row:
    """Saturation rounds, bot and echo bot in turn, then the fixed-rate run when asked."""
    with tempfile.TemporaryDirectory(prefix=f"bench-surveys-{database}-") as name:
        return await measure_in(database, url, arguments, Path(name))


async def measure_in(
    database: str, url: str | None, arguments: argparse.Namespace, workdir: Path
) -> Row:
    url = url or sqlite_url(workdir / "bot.sqlite3")
    presses = arguments.questions + 1  # open, then one answer per question
    rounds = arguments.rounds
    offered = (
        fixed_rate_surveys(arguments.directors, presses, arguments.rate, arguments.seconds)
        if arguments.fixed_rate
        else 0
    )
    openings = await prepare(url, arguments.directors, arguments.questions, rounds + offered)
    totals: dict[str, tuple[float, list[float]]] = {"full bot": (0.0, []), "echo bot": (0.0, [])}
    fixed: Offered | None = None
    async with running(url, workdir) as (bot, echo_telegram):
        crowds = {
            "full bot": Crowd(telegram_of(bot), openings, presses),
            "echo bot": Crowd(echo_telegram, openings[:rounds], presses),
        }
        for round_ in range(1, rounds + 1):
            rates = {}
            for name, crowd in crowds.items():
                elapsed, latencies = await closed_loop(crowd)
                rates[name] = len(latencies) / elapsed
                spent, all_latencies = totals[name]
                totals[name] = (spent + elapsed, all_latencies + latencies)
            full, bare = rates["full bot"], rates["echo bot"]
            print(
                f"{database} round {round_}: full bot {full:.0f} updates/s, "
                f"echo bot {bare:.0f} updates/s, ratio {full / bare:.2f}"
            )
        if arguments.fixed_rate:
            fixed = await fixed_rate(crowds["full bot"], arguments.rate, arguments.seconds)
    full = report(f"{database} full bot", *totals["full bot"])
    bare = report(f"{database} echo bot", *totals["echo bot"])
    print(f"{database} ratio (full / echo updates per second): {full / bare:.2f}")
    if fixed is not None:  # at once: the table comes only after the last database
        report(f"{database} fixed rate", fixed.elapsed, fixed.latencies)
    logged = sum(" ERROR " in line or " CRITICAL " in line for line in bot.log().splitlines())
    return Row(database, full, bare, arguments.rate, fixed, logged)


def table(rows: list[Row]) -> str:
    """The fixed-rate figures beside the saturation ones, a Markdown table."""
    lines = [
        "| database | offered | achieved | p50 | p95 | p99 (goal ≤ 150 ms) | errors "
        "| saturation bot | saturation echo | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        assert row.seen is not None
        cuts = percentiles(row.seen.latencies)
        p50, p95, p99 = (f"{value * 1000:.0f} ms" for value in cuts)
        verdict = "ok" if cuts[2] <= P99_GOAL else "over"
        lines.append(
            f"| {row.database} | {row.offered:.0f}/s | {row.seen.achieved:.1f}/s | {p50} | {p95} "
            f"| {p99} ({verdict}) | {row.errors()} | {row.saturation_bot:.0f}/s "
            f"| {row.saturation_echo:.0f}/s | {row.saturation_bot / row.saturation_echo:.2f} |"
        )
    return "\n".join(lines)


async def main(arguments: argparse.Namespace) -> None:
    rows = []
    for database in arguments.databases:
        url = arguments.database_url if database == "postgresql" else None
        rows.append(await measure(database, url, arguments))
    if arguments.fixed_rate:
        print()
        print(table(rows))


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--directors", type=int, default=500)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="saturation rounds per database")
    postgresql = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    parser.add_argument(
        "--database-url", default=postgresql, help="PostgreSQL (its public schema is emptied)"
    )
    parser.add_argument(
        "--databases",
        type=lambda value: value.split(","),
        default=["sqlite", "postgresql"] if postgresql else ["sqlite"],
        help="comma-separated: sqlite, postgresql (the default when a PostgreSQL URL is known)",
    )
    parser.add_argument("--fixed-rate", action="store_true", help="add the Poisson-arrival run")
    parser.add_argument("--rate", type=float, default=100.0, help="presses a second offered")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    arguments = parser.parse_args(argv)
    unknown = set(arguments.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    if "postgresql" in arguments.databases and not arguments.database_url:
        parser.error("postgresql needs --database-url (or BENCH_DATABASE_URL, TEST_DATABASE_URL)")
    return arguments


if __name__ == "__main__":
    asyncio.run(main(parse()))
