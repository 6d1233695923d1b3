"""Benchmark: N directors answer Q-question surveys through the whole stack: the real
entry point (`python -m bot`, on SQLite and on PostgreSQL) polling the fake Bot API over
HTTP, beside a bare aiogram echo bot (bench/echo_bot.py) against the same kind of fake
server in the same run.

    .venv/bin/python -m bench.surveys [--directors 500] [--questions 20] [--rounds 3]
        [--databases sqlite,postgresql] [--database-url URL]
        [--fixed-rate [--rate 100] [--seconds 60]]
        [--mode webhook [--replicas 2 --redis-url redis://127.0.0.1:6391/0]]

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

`--mode webhook`: the bot in webhook mode, its updates POSTed by a Telegram-like sender
(bench/webhook.py); `--replicas 2` starts two bot processes on the same PostgreSQL and
Redis (`--redis-url`, by default BENCH_REDIS_URL; its database is emptied first), the
requests round robin. After the fixed-rate run the answers the bot confirmed are checked
against those stored, and two more tables follow: the mismatches, retries and each
replica's CPU per answer; where the time went (bench/waits.py). `--rounds 0`: no
saturation rounds (nor the echo bot).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
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

from sqlalchemy import func, insert, select

from bench.common import database_with_directors, sqlite_url
from bench.waits import (
    STATES,
    PostgresSampler,
    flush_redis,
    redis_commandstats,
    redis_per_answer,
)
from bench.webhook import WebhookTelegram
from bot.conversation.actions import SurveyCb
from bot.services import surveys
from bot.services.survey_definitions import SurveyDefinition
from storage.db import create_engine
from storage.models import Assignment, Participant, School, SurveyAnswer, SurveyResponse
from storage.types import utcnow
from tests.support.bot_process import TOKEN, BotProcess, cpu_seconds
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.updates import TelegramUser

P99_GOAL = 0.150  # seconds, at 100 answers/s offered (issue 16)
# A respondent waits this long for the bot's answer, then for the next question.
TIMEOUT = 60.0
WEBHOOK_SECRET = "bench_secret-1"
# A start-up is seconds of CPU (aiogram's imports), many times that on a loaded machine.
START_SECONDS = 180.0


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
        # (response id, question index, option index) of each answer the bot confirmed: it
        # answered the press and then showed a later question or the summary.
        self.confirmed: set[tuple[int, int, str]] = set()
        # Answers the bot answered only after their respondent had given up waiting.
        self.late: set[tuple[int, int, str]] = set()
        self._data: dict[str, str] = {}  # callback query id: the pressed button's data
        telegram.listeners.append(self._listen)

    def _listen(self, call: ApiCall) -> None:
        if call.method == "answerCallbackQuery":
            query = str(call.params.get("callback_query_id"))
            future = self._answered.pop(query, None)
            data = self._data.pop(query, "")
            if future is not None and not future.done():
                future.set_result(time.perf_counter())
            elif future is not None:  # its respondent gave up waiting
                pressed = SurveyCb.unpack(data)
                if pressed is not None and pressed.action == "ans":
                    self.late.add((pressed.response, pressed.q, pressed.v))
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
        self._data[update["callback_query"]["id"]] = respondent.data
        started = time.perf_counter()
        latency = await asyncio.wait_for(future, TIMEOUT) - started
        shown = await asyncio.wait_for(self._shown[respondent.user.id].get(), TIMEOUT)
        pressed = SurveyCb.unpack(respondent.data)
        if pressed is not None and pressed.action == "ans" and _moved_past(pressed, shown):
            self.confirmed.add((pressed.response, pressed.q, pressed.v))
        respondent.shown(shown)
        return latency


def _moved_past(pressed: SurveyCb, shown: ApiCall) -> bool:
    """Whether the message after an answer shows a later question of the same response or
    the summary (no answer buttons for this question or an earlier one): the bot went on,
    so it confirmed the answer."""
    for button in shown.buttons():
        following = SurveyCb.unpack(str(button.get("callback_data", "")))
        if following is not None and following.action == "ans" and following.q <= pressed.q:
            return False
    return True


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


@dataclass
class Setup:
    """How the bot runs: polling (one process) or webhook (one or more replicas, with Redis
    when more than one)."""

    mode: str = "polling"
    replicas: int = 1
    redis_url: str | None = None

    def name(self, database: str) -> str:
        parts = [database] + (["webhook"] if self.mode == "webhook" else [])
        if self.replicas > 1:
            parts.append(f"×{self.replicas}")
        if self.redis_url:
            parts.append("+ Redis")
        return " ".join(parts)


@dataclass
class Bots:
    """The running bot processes and the fake Bot API they use; the echo bot's fake API
    (None when no saturation rounds run)."""

    replicas: list[BotProcess]
    telegram: FakeTelegram
    echo_telegram: FakeTelegram | None

    def log(self) -> str:
        return "".join(replica.log() for replica in self.replicas)


@asynccontextmanager
async def running(
    url: str, workdir: Path, setup: Setup | None = None, echo: bool = True
) -> AsyncIterator[Bots]:
    """The bot on `url` (its replicas, in webhook mode posted to by a WebhookTelegram) and,
    when `echo`, the echo bot polling a fake Bot API of its own."""
    setup = setup or Setup()
    webhook = setup.mode == "webhook"
    telegram = WebhookTelegram(TOKEN) if webhook else FakeTelegram(TOKEN)
    await telegram.start()
    echo_telegram = FakeTelegram(TOKEN) if echo else None
    if echo_telegram is not None:
        await echo_telegram.start()
    env = {
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "RUN_SCHEDULER": "false",
        "UPDATES_CONCURRENCY": os.environ.get("UPDATES_CONCURRENCY", "16"),
        "REDIS_URL": setup.redis_url or "",
    }
    ports = [free_port() for _ in range(setup.replicas)] if webhook else []
    replicas = []
    for index in range(setup.replicas):
        home = workdir / f"replica{index}"
        home.mkdir(exist_ok=True)
        extra = (
            {
                "MODE": "webhook",
                "WEBHOOK_URL": "https://bot.example.org/telegram",
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
                "WEBHOOK_HOST": "127.0.0.1",
                "WEBHOOK_PORT": str(ports[index]),
            }
            if webhook
            else {}
        )
        replicas.append(BotProcess(telegram, home, max_api=None, **env, **extra))
    echo_process: asyncio.subprocess.Process | None = None
    try:
        # All start at once: their imports take seconds each.
        for replica in replicas:
            await replica.start(wait_ready=False)
        if echo_telegram is not None:
            echo_process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.echo_bot",
                env={**replicas[0].env, "TELEGRAM_API_BASE": echo_telegram.base_url},
            )
            await echo_telegram.wait_for("getUpdates", timeout=START_SECONDS)
        if isinstance(telegram, WebhookTelegram):
            told = await telegram.settle(
                lambda: sum(c.method == "setWebhook" for c in telegram.calls) >= setup.replicas,
                timeout=START_SECONDS,
            )
            logs = "".join(replica.log() for replica in replicas)
            assert told, f"not every replica called setWebhook:\n{logs}"
            await telegram.deliver([f"http://127.0.0.1:{port}/telegram" for port in ports])
        else:
            await telegram.wait_for("getUpdates", timeout=START_SECONDS)
        yield Bots(replicas, telegram, echo_telegram)
    finally:
        if echo_process is not None:
            echo_process.terminate()
            await echo_process.wait()
        for replica in replicas:
            if replica.process is not None and replica.process.returncode is None:
                await replica.stop(timeout=60)
        await telegram.stop()
        if echo_telegram is not None:
            await echo_telegram.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mismatches:
    """The confirmed answers against the stored ones, after the run."""

    confirmed_not_stored: int = 0  # the bot showed the next question; no such answer kept
    stored_not_confirmed: int = 0  # kept (or kept another value) without the bot saying so
    stored_confirmed_late: int = 0  # kept, answered after the respondent had given up
    two_responses: int = 0  # schools with more than one response to a survey


async def compare(
    url: str, confirmed: set[tuple[int, int, str]], late: set[tuple[int, int, str]]
) -> Mismatches:
    """`confirmed`: (response id, question index, option index) the bot confirmed; `late`:
    those it answered after the respondent had stopped waiting. The bench survey's
    question ids are q0, q1, …, its option ids o0, o1, …"""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.option_id)
            )
            stored = {
                (response_id, int(question[1:]), str(option or "")[1:])
                for response_id, question, option in rows
            }
            doubled = await connection.scalar(
                select(func.count()).select_from(
                    select(SurveyResponse.survey_id, SurveyResponse.school_id)
                    .group_by(SurveyResponse.survey_id, SurveyResponse.school_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
    finally:
        await engine.dispose()
    unconfirmed = stored - confirmed
    return Mismatches(
        len(confirmed - stored), len(unconfirmed - late), len(unconfirmed & late), int(doubled or 0)
    )


@dataclass
class Replica:
    """One replica's share of the fixed-rate run."""

    answers: int = 0  # updates it answered 2xx (polling: every answered press)
    cpu: float = 0.0  # seconds of CPU during the run
    handling: list[float] = field(default_factory=list)  # webhook: request → its answer
    database: dict[str, float] = field(default_factory=dict)  # state: connections, mean
    refused: int = 0
    failed: int = 0

    def cpu_per_answer(self) -> float:
        return self.cpu / self.answers if self.answers else math.nan


@dataclass
class Row:
    """One configuration's line of the tables."""

    database: str
    saturation_bot: float | None  # answers a second; None: no saturation rounds ran
    saturation_echo: float | None
    offered: float = 0.0  # presses a second; the rest of the row is the fixed-rate run's
    seen: Offered | None = None
    logged: int = 0  # ERROR and CRITICAL lines in the bot's log
    setup: Setup = field(default_factory=Setup)
    replicas: list[Replica] = field(default_factory=list)
    mismatches: Mismatches = field(default_factory=Mismatches)
    queued: list[float] = field(default_factory=list)  # webhook: press → first request
    retries: int = 0
    redis: tuple[float, float, str] | None = None  # commands, µs per answer, busiest
    database_waits: str = ""  # PostgreSQL's most frequent wait events but locks

    def errors(self) -> str:
        """The sum, and its parts when there are any."""
        assert self.seen is not None
        lost, turned_away = self.seen.lost, self.seen.turned_away
        total = lost + turned_away + self.logged
        if not total:
            return "0"
        return f"{total} ({lost} lost, {turned_away} turned away, {self.logged} logged)"


async def measure(
    database: str, url: str | None, arguments: argparse.Namespace, setup: Setup | None = None
) -> Row:
    """Saturation rounds, bot and echo bot in turn, then the fixed-rate run when asked."""
    with tempfile.TemporaryDirectory(prefix=f"bench-surveys-{database}-") as name:
        return await measure_in(database, url, arguments, Path(name), setup or Setup())


async def measure_in(
    database: str, url: str | None, arguments: argparse.Namespace, workdir: Path, setup: Setup
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
    if setup.redis_url:
        await flush_redis(setup.redis_url)
    label = setup.name(database)
    totals: dict[str, tuple[float, list[float]]] = {"full bot": (0.0, []), "echo bot": (0.0, [])}
    fixed: Offered | None = None
    row = Row(label, None, None, arguments.rate, setup=setup)
    async with running(url, workdir, setup, echo=rounds > 0) as bots:
        crowds = {"full bot": Crowd(bots.telegram, openings, presses)}
        if bots.echo_telegram is not None:
            crowds["echo bot"] = Crowd(bots.echo_telegram, openings[:rounds], presses)
        for round_ in range(1, rounds + 1):
            rates = {}
            for name, crowd in crowds.items():
                elapsed, latencies = await closed_loop(crowd)
                rates[name] = len(latencies) / elapsed
                spent, all_latencies = totals[name]
                totals[name] = (spent + elapsed, all_latencies + latencies)
            full, bare = rates["full bot"], rates["echo bot"]
            print(
                f"{label} round {round_}: full bot {full:.0f} updates/s, "
                f"echo bot {bare:.0f} updates/s, ratio {full / bare:.2f}"
            )
        if arguments.fixed_rate:
            fixed = await fixed_rate_observed(bots, crowds["full bot"], url, arguments, row)
        row.mismatches = await compare(url, crowds["full bot"].confirmed, crowds["full bot"].late)
    if rounds:
        row.saturation_bot = report(f"{label} full bot", *totals["full bot"])
        row.saturation_echo = report(f"{label} echo bot", *totals["echo bot"])
        ratio = row.saturation_bot / row.saturation_echo
        print(f"{label} ratio (full / echo updates per second): {ratio:.2f}")
    if fixed is not None:  # at once: the table comes only after the last database
        report(f"{label} fixed rate", fixed.elapsed, fixed.latencies)
    row.seen = fixed
    logged = [line for line in bots.log().splitlines() if " ERROR " in line or " CRITICAL " in line]
    for line in logged[:5]:  # what they were: the replicas' folders go with the run
        print(f"{label} logged: {line[:300]}")
    row.logged = len(logged)
    return row


async def fixed_rate_observed(
    bots: Bots, crowd: Crowd, url: str, arguments: argparse.Namespace, row: Row
) -> Offered:
    """The fixed-rate run, with each replica's CPU, the database's and Redis's share."""
    telegram = bots.telegram
    pids = [replica.process.pid for replica in bots.replicas if replica.process is not None]
    sampler = PostgresSampler(url, pids) if url.startswith("postgresql") else None
    if sampler is not None:
        await sampler.start()
    redis_before = await redis_commandstats(row.setup.redis_url) if row.setup.redis_url else None
    cpu_before = [cpu_seconds(pid) for pid in pids]
    if isinstance(telegram, WebhookTelegram):
        handled_before = [len(traffic.seconds) for traffic in telegram.replicas]
        queued_before, retries_before = len(telegram.queued_seconds), telegram.retries
    seen = await fixed_rate(crowd, arguments.rate, arguments.seconds)
    cpu_after = [cpu_seconds(pid) for pid in pids]
    waits = await sampler.stop() if sampler is not None else None
    spent = zip(cpu_before, cpu_after, strict=True)
    row.replicas = [Replica(cpu=after - before) for before, after in spent]
    if isinstance(telegram, WebhookTelegram):
        for replica, traffic, since in zip(
            row.replicas, telegram.replicas, handled_before, strict=True
        ):
            replica.handling = traffic.seconds[since:]
            replica.answers = len(replica.handling)
            replica.refused, replica.failed = traffic.refused, traffic.failed
        row.queued = telegram.queued_seconds[queued_before:]
        row.retries = telegram.retries - retries_before
    else:
        row.replicas[0].answers = len(seen.latencies)
    if waits is not None:
        for index, replica in enumerate(row.replicas):
            replica.database = {state: waits.mean(index, state) for state in STATES}
        row.database_waits = waits.busiest_events()
    if redis_before is not None and row.setup.redis_url:
        after = await redis_commandstats(row.setup.redis_url)
        # Per update the replicas handled (a press answered too late to be seen too).
        row.redis = redis_per_answer(redis_before, after, sum(r.answers for r in row.replicas))
    return seen


def ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def rate_cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}/s"


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
        p50, p95, p99 = (ms(value) for value in cuts)
        verdict = "ok" if cuts[2] <= P99_GOAL else "over"
        ratio = (
            f"{row.saturation_bot / row.saturation_echo:.2f}"
            if row.saturation_bot is not None and row.saturation_echo
            else "–"
        )
        lines.append(
            f"| {row.database} | {row.offered:.0f}/s | {row.seen.achieved:.1f}/s | {p50} | {p95} "
            f"| {p99} ({verdict}) | {row.errors()} | {rate_cell(row.saturation_bot)} "
            f"| {rate_cell(row.saturation_echo)} | {ratio} |"
        )
    return "\n".join(lines)


def correctness_table(rows: list[Row]) -> str:
    """Each fixed-rate run's answers against the database, and each replica's CPU."""
    lines = [
        "| configuration | answers/s | confirmed, not stored | stored, not confirmed "
        "| stored, confirmed too late | two responses for a school | errors | retried "
        "| CPU per answer, per replica |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        assert row.seen is not None
        cpu = ", ".join(
            f"{replica.cpu_per_answer() * 1000:.1f} ms ({replica.answers} answers, "
            f"{replica.cpu / row.seen.elapsed:.2f} cores)"
            for replica in row.replicas
        )
        lines.append(
            f"| {row.database} | {row.seen.achieved:.1f} | {row.mismatches.confirmed_not_stored} "
            f"| {row.mismatches.stored_not_confirmed} | {row.mismatches.stored_confirmed_late} "
            f"| {row.mismatches.two_responses} "
            f"| {row.errors()} | {row.retries} | {cpu} |"
        )
    return "\n".join(lines)


def waits_table(rows: list[Row]) -> str:
    """Where each replica's time goes, per answer, in milliseconds: queued at Telegram's
    side, in the bot (the webhook request), the bot's CPU; the database's connections by
    state (Little's law: mean connections / answers a second); Redis's server time."""
    lines = [
        "| configuration | replica | queued p50/p95 | in the bot p50/p95 | bot CPU "
        "| PG executing | PG lock wait | PG other wait | PG idle in transaction | Redis |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        assert row.seen is not None
        queued = percentiles(row.queued) if row.queued else (math.nan,) * 3
        for index, replica in enumerate(row.replicas):
            handling = percentiles(replica.handling) if replica.handling else (math.nan,) * 3
            rate = replica.answers / row.seen.elapsed
            database = [
                ms(replica.database[state] / rate) if replica.database and rate else "–"
                for state in STATES[:4]
            ]
            redis = "–"
            if row.redis is not None:
                commands, usec, busiest = row.redis
                redis = f"{commands:.1f} commands, {usec / 1000:.2f} ms ({busiest})"
            lines.append(
                f"| {row.database} | {index + 1} | {ms(queued[0])} / {ms(queued[1])} "
                f"| {ms(handling[0])} / {ms(handling[1])} "
                f"| {replica.cpu_per_answer() * 1000:.1f} ms "
                f"| {' | '.join(database)} | {redis} |"
            )
    return "\n".join(lines)


async def main(arguments: argparse.Namespace) -> None:
    setup = Setup(arguments.mode, arguments.replicas, arguments.redis_url)
    rows = []
    for database in arguments.databases:
        url = arguments.database_url if database == "postgresql" else None
        rows.append(await measure(database, url, arguments, setup))
    if arguments.fixed_rate:
        print()
        print(table(rows))
        print()
        print(correctness_table(rows))
        print()
        print(waits_table(rows))
        for row in rows:
            if row.database_waits:
                print(f"{row.database}: PostgreSQL's other waits: {row.database_waits}")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--directors", type=int, default=500)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument(
        "--rounds", type=int, default=3, help="saturation rounds per database (0: none)"
    )
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
    parser.add_argument(
        "--mode",
        choices=("polling", "webhook"),
        default="polling",
        help="webhook: updates POSTed as Telegram does (bench/webhook.py)",
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="bot processes (webhook mode, with --redis-url)"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL") or None,
        help="REDIS_URL for the bot (its database is emptied first); needed by --replicas 2",
    )
    arguments = parser.parse_args(argv)
    unknown = set(arguments.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    if "postgresql" in arguments.databases and not arguments.database_url:
        parser.error("postgresql needs --database-url (or BENCH_DATABASE_URL, TEST_DATABASE_URL)")
    if arguments.replicas > 1 and (arguments.mode != "webhook" or not arguments.redis_url):
        parser.error("--replicas above 1 needs --mode webhook and --redis-url")
    if arguments.replicas > 1 and "sqlite" in arguments.databases:
        parser.error("several replicas share a PostgreSQL database: --databases postgresql")
    return arguments


if __name__ == "__main__":
    asyncio.run(main(parse()))
