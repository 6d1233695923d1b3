"""MAX's updates through the whole conversation (bot/max/runner.py), against the fake MAX
Bot API in-process: each update claimed once, the person found by their MAX account, the
wizard's state kept between updates, commands over wizards, refusals, the apology, forged
and outdated presses, group chats left out, and the webhook's route."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiohttp import ClientSession, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import ConsentCb, MenuCb, RoleCb, SchoolCb
from bot.conversation.routes import Routes
from bot.conversation.turn import Turn
from bot.http_server import Metrics
from bot.i18n import Translator
from bot.max.client import close_bot, make_bot
from bot.max.runner import DESTINY, MaxUpdates, key_of
from bot.max.updates import update_of
from bot.max.webhook import SECRET_HEADER, MaxWebhook
from bot.services import participants, registration
from bot.services.errors import AccessDenied
from bot.settings import load_settings
from handlers.features import FEATURES
from storage.fsm import SqlStorage
from storage.models import Channel, ProcessedUpdate, Role
from tests.support.fake_max import FakeMax, MaxCall, MaxUser
from tests.support.people import load_schools, person

TOKEN = "max-test-token"
ANNA = MaxUser(5101, "Анна")
BORIS = MaxUser(5102, "Борис")

failing = Routes("failing")


@failing.command("boom")
async def boom(turn: Turn) -> None:
    await turn.say("Почти готово")
    raise RuntimeError("a defect in a step")


@failing.command("refused")
async def refused(turn: Turn) -> None:
    raise AccessDenied()


class Harness:
    def __init__(self, fake: FakeMax, runner: MaxUpdates) -> None:
        self.fake = fake
        self.runner = runner
        self.marker: int | None = None

    async def handle(self) -> list[MaxCall]:
        """What the fake holds, fetched as polling does and handled as one batch; the
        requests the bot made meanwhile (GET /updates left out)."""
        since = len(self.fake.calls)
        answer = await self.runner.bot.get_updates(marker=self.marker, timeout=0)
        self.marker = answer["marker"]
        await self.runner.handle_batch(answer["updates"])
        return [c for c in self.fake.calls[since:] if c.path != "/updates"]

    async def send(self, user: MaxUser, text: str) -> list[MaxCall]:
        self.fake.send_text(user, text)
        return await self.handle()

    async def press(self, user: MaxUser, payload: str, message: MaxCall | None) -> list[MaxCall]:
        self.fake.press(user, payload, message)
        return await self.handle()


def sent(calls: list[MaxCall]) -> list[MaxCall]:
    return [c for c in calls if (c.method, c.path) == ("POST", "/messages")]


def texts(calls: list[MaxCall]) -> list[str]:
    return [c.text for c in sent(calls)]


def notices(calls: list[MaxCall]) -> list[str]:
    return [c.body.get("notification", "") for c in calls if c.path == "/answers"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeMax]:
    server = FakeMax(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def max_bot(fake: FakeMax) -> AsyncIterator[Any]:
    bot = make_bot(TOKEN, api_base=fake.base_url, retries=0)
    yield bot
    await close_bot(bot)


@pytest.fixture
def storage(session_factory: async_sessionmaker[AsyncSession]) -> SqlStorage:
    return SqlStorage(session_factory)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def harness(
    fake: FakeMax,
    max_bot: Any,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    storage: SqlStorage,
    metrics: Metrics,
) -> Harness:
    runner = MaxUpdates(
        max_bot,
        session_factory=session_factory,
        translator=translator,
        settings=load_settings(_env_file=None),
        storage=storage,
        events_isolation=SimpleEventIsolation(),
        features=(failing, *FEATURES),
        counted=metrics.max_updates,
        failed=metrics.max_errors,
    )
    return Harness(fake, runner)


async def test_an_update_delivered_twice_is_handled_once(
    harness: Harness, session: AsyncSession, translator: Translator
) -> None:
    raw = harness.fake.send_text(ANNA, "/help")
    harness.fake.push_update(raw)  # MAX gives it again (a marker not confirmed, a retry)
    assert texts(await harness.handle()) == [translator.get("ru", "help-text")]
    assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
    # Another message with the same words is another update.
    assert texts(await harness.send(ANNA, "/help")) == [translator.get("ru", "help-text")]


async def test_the_participant_is_found_by_their_max_account(
    harness: Harness, session: AsyncSession, translator: Translator
) -> None:
    await participants.visit(session, Channel.MAX, ANNA.user_id, "en")
    # MAX says the person reads Russian; the stored choice counts.
    assert texts(await harness.send(ANNA, "/help")) == [translator.get("en", "help-text")]
    # Someone else on MAX, and the same number on Telegram, are other people.
    await participants.visit(session, Channel.TELEGRAM, BORIS.user_id, "en")
    assert texts(await harness.send(BORIS, "/help")) == [translator.get("ru", "help-text")]


async def test_a_director_registers_by_invite_across_updates(
    harness: Harness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    storage: SqlStorage,
    translator: Translator,
) -> None:
    t = translator
    schools = await load_schools(session)
    invite = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    harness.fake.start_bot(ANNA, payload=invite.code)  # https://max.ru/<bot>?start=<code>
    _welcome, consent = sent(await harness.handle())
    assert consent.text == t.get("ru", "consent-text")
    accepted = await harness.press(ANNA, ConsentCb(accept=True).pack(), consent)
    role = t.get("ru", "role-director")
    assert texts(accepted) == [
        t.get("ru", "join-invite-accepted", role=role),
        t.get("ru", "join-ask-name"),
    ]
    # The wizard's step is kept in the FSM storage, under a key of MAX's own.
    key = StorageKey(bot_id=9000, chat_id=ANNA.user_id, user_id=ANNA.user_id, destiny=DESTINY)
    assert await storage.get_state(key) is not None
    [card] = sent(await harness.send(ANNA, "Иванова Анна Сергеевна"))
    assert "Иванова Анна Сергеевна" in card.text
    labels = {b["text"]: b["payload"] for row in card.keyboard() for b in row}
    done = await harness.press(ANNA, labels[t.get("ru", "button-confirm")], card)
    assert texts(done)[0] == t.get("ru", "join-done")
    async with session_factory() as fresh:
        director = await participants.current(fresh, Channel.MAX, ANNA.user_id, "ru")
    assert (director.role, director.full_name) == (Role.DIRECTOR, "Иванова Анна Сергеевна")
    assert await storage.get_state(key) is None


async def test_a_command_typed_in_a_wizard_ends_it(
    harness: Harness, session: AsyncSession, translator: Translator
) -> None:
    t = translator
    harness.fake.start_bot(ANNA)
    consent = sent(await harness.handle())[-1]
    await harness.press(ANNA, ConsentCb(accept=True).pack(), consent)  # the wizard's first step
    assert texts(await harness.send(ANNA, "/help")) == [
        t.get("ru", "wizard-interrupted"),
        t.get("ru", "help-text"),
    ]
    # The step is gone: a typed line is no answer to it any more.
    assert texts(await harness.send(ANNA, "Киришский")) == [t.get("ru", "fallback-text")]


async def test_a_failing_step_is_logged_without_the_text_and_apologised_for(
    harness: Harness, translator: Translator, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = texts(await harness.send(ANNA, "/boom secret words"))
    assert replies == ["Почти готово", translator.get("ru", "error-apology")]
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert "secret words" not in caplog.text
    count = metrics.registry.get_sample_value
    assert count("participants_bot_max_errors_total") == 1
    assert count("participants_bot_max_updates_total") == 1
    # The bot goes on.
    assert texts(await harness.send(ANNA, "/help")) == [translator.get("ru", "help-text")]


async def test_a_refused_action_says_why(harness: Harness, translator: Translator) -> None:
    assert texts(await harness.send(ANNA, "/refused")) == [
        translator.get("ru", "error-access-denied")
    ]


async def test_forged_and_outdated_presses_are_answered_that_the_button_is_gone(
    harness: Harness, translator: Translator
) -> None:
    gone = translator.get("ru", "fallback-callback")
    [menu] = sent(await harness.send(ANNA, "/help"))
    forged = SchoolCb(purpose="card", id=1).pack().removesuffix(":1") + ":99999999999"
    calls = await harness.press(ANNA, forged, menu)
    assert (sent(calls), notices(calls)) == ([], [gone])
    calls = await harness.press(ANNA, "junk", menu)
    assert notices(calls) == [gone]
    calls = await harness.press(ANNA, ConsentCb(accept=True).pack(), None)  # message gone
    assert (sent(calls), notices(calls)) == ([], [gone])


async def test_a_group_chat_reaches_no_step(harness: Harness) -> None:
    raw = harness.fake.send_text(ANNA, "/help")
    raw["message"]["recipient"]["chat_type"] = "chat"
    assert await harness.handle() == []


async def test_the_update_keys_name_each_kind(fake: FakeMax) -> None:
    keys = []
    message = fake.send_text(ANNA, "/help")
    for raw in (fake.start_bot(ANNA, payload="x"), message, fake.press(ANNA, "menu:main")):
        update = update_of(raw)
        assert update is not None
        keys.append(key_of(update))
    assert str(keys[0]).startswith(f"started:{ANNA.user_id}:")
    assert keys[1:] == [f"message:{message['message']['body']['mid']}", "callback:cb1"]


async def test_the_webhook_route_checks_the_secret_and_the_body(
    harness: Harness, translator: Translator
) -> None:
    web_app = web.Application()
    MaxWebhook(harness.runner, "right-secret", concurrency=2).register(web_app, "/max")
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    update = harness.fake.message_update(ANNA, "/help")
    try:
        async with ClientSession() as http:
            url = f"http://127.0.0.1:{port}/max"
            async with http.post(url, json=update) as response:
                assert response.status == 401
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 401
            headers = {SECRET_HEADER: "right-secret"}
            async with http.post(url, data=b"\xff not json", headers=headers) as response:
                assert response.status == 400
            async with http.post(url, json=[1, 2], headers=headers) as response:
                assert response.status == 400
            assert harness.fake.served("POST", "/messages") == []
            for _ in range(2):  # the second: MAX's retry, handled once
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
    assert texts(harness.fake.calls) == [translator.get("ru", "help-text")]


async def test_an_invite_made_in_the_chat_on_max_carries_maxs_link(
    harness: Harness, session: AsyncSession, translator: Translator
) -> None:
    t = translator
    await person(
        session, Role.ADMIN, name="Админова Алла", telegram_id=ANNA.user_id, channel=Channel.MAX
    )
    [menu] = sent(await harness.send(ANNA, "/menu"))
    [roles] = sent(await harness.press(ANNA, MenuCb(item="invite").pack(), menu))
    assert roles.text == t.get("ru", "invite-choose-role")
    chosen = RoleCb(purpose="invite", role=Role.REGIONAL_COORDINATOR).pack()
    [created] = sent(await harness.press(ANNA, chosen, roles))
    code = created.text.split("<code>")[1].split("</code>")[0]
    # The same code opens the bot on MAX: `bot_started` carries it.
    assert f"https://max.ru/{harness.fake.username}?start={code}" in created.text
    assert "t.me" not in created.text
