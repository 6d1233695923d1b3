"""Hostile updates against the real process: the bot-tier fuzz (tests/bot/test_fuzz.py),
shorter, through HTTP polling with its concurrency, per-user isolation and real logging.

FUZZ_E2E_UPDATES sets how many (FUZZ_SEED the seed, as in the bot tier)."""

from __future__ import annotations

import itertools
import os
import random
from functools import partial

import pytest

from bot.i18n import Translator
from bot.settings import PROJECT_ROOT
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.fuzzing import Actor, HostileUpdates, Pools, Sent
from tests.support.journeys import invite, register
from tests.support.people import SCHOOLS_CSV
from tests.support.updates import TelegramUser, message_update

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("FUZZ_SEED", "13"))
UPDATES = int(os.environ.get("FUZZ_E2E_UPDATES", "400"))
BATCH = 25  # pushed together; the next batch may press the buttons this one got

DIRECTOR = TelegramUser(id=1301, first_name="Ирина")
COORDINATOR = TelegramUser(id=1302, first_name="Анна")
REGIONAL = TelegramUser(id=1303, first_name="Ольга", language_code="en")
STRANGER = TelegramUser(id=1304, first_name="Никто", language_code=None)


def _owed(telegram: FakeTelegram, batch: list[Sent], since: int) -> list[Sent]:
    """The updates of the batch still without the answer they are owed."""
    calls = telegram.calls[since:]
    answers = "answerCallbackQuery"
    answered = {c.params.get("callback_query_id") for c in calls if c.method == answers}
    chats = {c.chat_id for c in calls if c.method != answers}
    return [
        sent
        for sent in batch
        if (sent.callback_id is not None and sent.callback_id not in answered)
        or (sent.callback_id is None and sent.chat_id is not None and sent.chat_id not in chats)
    ]


def _answered(telegram: FakeTelegram, batch: list[Sent], since: int) -> bool:
    return not _owed(telegram, batch, since)


async def test_hostile_updates_leave_no_traceback_in_the_running_bot(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    await bot_process.cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml"))
    await bot_process.cli("survey", "open", "pulse", "--closes", "01.01.2099 18:00")
    await bot_process.start()
    for user, role, name in (
        (DIRECTOR, ("--role", "director", "--school", "47001"), "Иванова Ирина"),
        (
            COORDINATOR,
            ("--role", "municipal_coordinator", "--municipality", "Тосненский"),
            "Кириллова Анна",
        ),
        (REGIONAL, ("--role", "regional_coordinator"), "Petrova Olga"),
    ):
        code = await invite(bot_process, *role)
        await register(telegram, user, translator, f"/start {code}", name)
    spare = await invite(bot_process, "--role", "curator", "--school", "47101")
    actors = [
        Actor(label, user)
        for label, user in (
            ("director", DIRECTOR),
            ("municipal (Tosno)", COORDINATOR),
            ("regional", REGIONAL),
            ("anonymous", STRANGER),
        )
    ]
    files = {
        "e2e-csv": SCHOOLS_CSV.encode("cp1251"),
        "e2e-yaml": b"- " * 2000,
        "e2e-junk": bytes(range(256)) * 8,
    }
    pools = Pools(
        ids=[*range(0, 12), 2**31, 2**63, -1, DIRECTOR.id, REGIONAL.id],
        start_payloads=[spare, "", "A" * 65, "' OR 1=1 --", spare + "x", "😀"],
        files=files,
    )
    ids = itertools.count(100_000)  # after the fake's own: polling confirms by the newest id
    generator = HostileUpdates(random.Random(SEED), actors, pools, update_ids=ids)
    problems: list[str] = []
    for _ in range(0, UPDATES, BATCH):
        since = len(telegram.calls)
        batch = [generator.next() for _ in range(BATCH)]
        for file_id, content in pools.files.items():
            telegram.serve_file(file_id, content)
        for sent in batch:
            telegram.push_update(sent.update)
        await telegram.settle(partial(_answered, telegram, batch, since), timeout=30)
        owed = _owed(telegram, batch, since)
        problems += [f"no answer to {sent.kind} {sent.update}"[:300] for sent in owed]
        for call in telegram.calls[since:]:
            if call.chat_id is not None:
                generator.remember(call.chat_id, [b.get("callback_data") for b in call.buttons()])
        if problems:
            break

    log = bot_process.log()
    errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, "\n".join(errors[:20])
    assert not problems, "\n".join(problems[:20])
    helps = {translator.get(lang, "help-text") for lang in translator.locales}
    for actor in actors:
        since = len(telegram.calls)
        telegram.push_update(message_update(next(ids), actor.user, "/help"))
        # The help, not the first message to the chat: a batch counts a chat as answered at
        # its first reply, so a second message of the chat may still be answered meanwhile.
        reply = await telegram.wait_for(
            "sendMessage", since=since, chat_id=actor.user.id, where=lambda c: c.text in helps
        )
        assert reply.text in helps
    assert await bot_process.stop() == 0
