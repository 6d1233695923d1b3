"""Benchmark: the CPU an answer costs inside the bot, without the network.

    .venv/bin/python -m bench.survey_cpu [--directors 100] [--questions 20] [--rounds 3]
        [--database-url postgresql+asyncpg://…] [--compare-fingerprints]

The real dispatcher (every router and middleware, SQLite) is fed the presses of directors
answering a survey one after another, its Bot API calls recorded instead of sent
(tests/support/recording.py); then the echo bot's handler (bench/echo_bot.py) is fed as
many. Prints the CPU time per update of each and their ratio. Steadier than
bench/surveys.py, whose figures include HTTP and the machine's drift: use it to see what a
change to the answering path saves.

`--database-url`: a PostgreSQL database instead (its public schema is emptied; the CPU is
still the bot's process's alone). `--compare-fingerprints`: the rounds take turns with
PostgreSQL's answers reading the definition's fingerprint (as shipped) and reading the
definition itself (as before), and the two are printed side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import InlineKeyboardMarkup, Update

from bench.common import sqlite_url
from bench.echo_bot import echo_dispatcher
from bench.surveys import prepare
from bot.app import build_dispatcher
from bot.i18n import Translator
from bot.runtime import settle_after_start
from bot.services import surveys
from bot.services.updates import Redeliveries
from bot.settings import load_settings
from storage.db import create_engine, create_session_factory
from storage.fsm import SqlStorage
from tests.support.recording import RecordingSession, recording_bot
from tests.support.updates import TelegramUser, callback_update


async def answer_all(
    dispatcher: Dispatcher,
    bot: Bot,
    session: RecordingSession,
    users: list[tuple[int, str]],
    presses: int,
    first_update: int,
) -> float:
    """Each user presses `presses` buttons, each the first under the bot's last answer;
    the CPU seconds it took."""
    update_id = first_update
    started = time.process_time()
    for telegram_id, data in users:
        user = TelegramUser(id=telegram_id)
        for _ in range(presses):
            update = Update.model_validate(callback_update(update_id, user, data))
            await dispatcher.feed_update(bot, update)
            update_id += 1
            for request in session.requests:
                markup = getattr(request, "reply_markup", None)
                if isinstance(markup, InlineKeyboardMarkup) and markup.inline_keyboard:
                    data = str(markup.inline_keyboard[0][0].callback_data)
            session.requests.clear()
    return time.process_time() - started


async def main(directors: int, questions: int, rounds: int, url: str | None, compare: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-survey-cpu-") as workdir:
        url = url or sqlite_url(Path(workdir) / "bot.sqlite3")
        await measure(url, directors, questions, rounds, compare)


def fingerprinting(on: bool) -> None:
    """Answers on PostgreSQL read the definition's fingerprint (on) or the definition."""
    surveys.fingerprints_definitions = _SHIPPED if on else lambda session: False


_SHIPPED = surveys.fingerprints_definitions


async def measure(url: str, directors: int, questions: int, rounds: int, compare: bool) -> None:
    openings = await prepare(url, directors, questions, rounds + 1)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    bot, recorded = recording_bot()
    full = build_dispatcher(
        session_factory=sessions,
        translator=Translator("ru"),
        settings=load_settings(_env_file=None),
        storage=SqlStorage(sessions),
        events_isolation=SimpleEventIsolation(),
        redeliveries=Redeliveries(0),  # polling: only repeats are looked up
    )
    echo = echo_dispatcher(bot)
    settle_after_start()
    presses = questions + 1  # open, then one answer per question
    await answer_all(full, bot, recorded, openings[0], presses, 1)  # warm-up
    totals = {"full bot": 0.0, "echo bot": 0.0}
    by_variant = {"fingerprint": [0.0, 0], "definition": [0.0, 0]}
    update_id = 10**6
    for round_, users in enumerate(openings[1:], start=1):
        spent = {}
        variant = "fingerprint" if round_ % 2 else "definition"
        if compare:
            fingerprinting(variant == "fingerprint")
        for name, dispatcher in (("full bot", full), ("echo bot", echo)):
            spent[name] = await answer_all(dispatcher, bot, recorded, users, presses, update_id)
            update_id += len(users) * presses
            totals[name] += spent[name]
        by_variant[variant][0] += spent["full bot"]
        by_variant[variant][1] += len(users) * presses
        if compare:
            print(f"round {round_}: answers read the {variant}")
        per_update = {name: 1000 * s / (len(users) * presses) for name, s in spent.items()}
        print(
            f"round {round_}: full bot {per_update['full bot']:.2f} ms, "
            f"echo bot {per_update['echo bot']:.2f} ms of CPU per update"
        )
    await engine.dispose()
    updates = rounds * directors * presses
    full_ms, echo_ms = (1000 * totals[name] / updates for name in ("full bot", "echo bot"))
    print(
        f"CPU per update: full bot {full_ms:.2f} ms, echo bot {echo_ms:.2f} ms "
        f"(ratio echo / full {echo_ms / full_ms:.2f})"
    )
    if compare:
        fingerprinting(True)
        cost = {name: 1000 * s / n for name, (s, n) in by_variant.items() if n}
        print(
            "CPU per update of the full bot: "
            + ", ".join(f"reading the {name} {value:.2f} ms" for name, value in cost.items())
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--directors", type=int, default=100)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL (its public schema is emptied)")
    parser.add_argument(
        "--compare-fingerprints",
        action="store_true",
        help="rounds in turn: the definition's fingerprint read per answer, or the definition",
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.directors,
            arguments.questions,
            arguments.rounds,
            arguments.database_url,
            arguments.compare_fingerprints,
        )
    )
