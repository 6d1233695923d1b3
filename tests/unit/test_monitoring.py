"""The health verdict, the backlog and the metrics of bot/http_server.py, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import GetMe, SendMessage
from aiogram.types import Update
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.http_server import Backlog, Health, Metrics, Monitor, SchedulerState
from bot.i18n import Translator
from bot.max.client import close_bot, make_bot
from bot.services import delivery
from bot.services.delivery import Outgoing, Payload
from bot.settings import Settings
from scheduler.delivery import DeliveryLoop
from storage.db import create_engine, create_session_factory
from storage.fsm import SqlStorage
from storage.models import Role
from storage.types import utcnow
from tests.support.fake_max import FakeMax
from tests.support.people import person
from tests.support.recording import RecordingSession, recording_bot
from tests.support.updates import TelegramUser, message_update

FRESH = Backlog(due=2, oldest_seconds=3.0)
STALE = Backlog(due=40, oldest_seconds=16 * 60.0)
RUNNING, ELSEWHERE = SchedulerState.RUNNING, SchedulerState.ELSEWHERE
MAX_TOKEN = "max-token-of-the-fake"


@pytest.mark.parametrize(
    ("health", "healthy"),
    [
        (Health(True, True, FRESH, RUNNING), True),
        (Health(True, True, Backlog(0, None), RUNNING), True),
        (Health(False, True, None, RUNNING), False),
        (Health(True, False, FRESH, RUNNING), False),
        (Health(True, True, FRESH, SchedulerState.STOPPED), False),
        (Health(True, True, FRESH, SchedulerState.STARTING), False),
        (Health(True, True, STALE, RUNNING), False),
        # Another process delivers: its backlog is not this one's failure.
        (Health(True, True, STALE, ELSEWHERE), True),
        (Health(True, True, STALE, SchedulerState.FOLLOWING), True),  # another was elected
        # A messenger that is off is no failure; one that does not answer is.
        (Health(True, None, FRESH, RUNNING, max_api=True), True),
        (Health(True, True, FRESH, RUNNING, max_api=True), True),
        (Health(True, True, FRESH, RUNNING, max_api=False), False),
        (Health(True, None, FRESH, RUNNING, max_api=False), False),
    ],
)
def test_the_verdict_needs_every_part(health: Health, healthy: bool) -> None:
    assert health.healthy is healthy
    body = health.as_json()
    assert body["status"] == ("ok" if healthy else "error")


def test_the_body_names_each_part() -> None:
    assert Health(False, False, None, SchedulerState.STOPPED).as_json() == {
        "status": "error",
        "database": "unavailable",
        "telegram": "unreachable",
        "max": "not configured",
        "delivery": {"status": "unknown"},
        "scheduler": "stopped",
    }
    on_max_alone = Health(True, None, FRESH, RUNNING, max_api=True).as_json()
    assert (on_max_alone["telegram"], on_max_alone["max"]) == ("not configured", "ok")
    both = Health(True, True, FRESH, RUNNING, max_api=False).as_json()
    assert (both["status"], both["telegram"], both["max"]) == ("error", "ok", "unreachable")
    assert Health(True, True, STALE, RUNNING).as_json()["delivery"] == {
        "status": "behind",
        "backlog": 40,
        "oldest_seconds": 960.0,
    }


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def monitor_for(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[Monitor, RecordingSession, Ticks]:
    bot, recording = recording_bot()
    ticks = Ticks()
    monitor = Monitor(engine, session_factory, bot, Metrics(), runs_scheduler=True, clock=ticks)
    return monitor, recording, ticks


async def test_the_backlog_is_what_is_due_and_how_long_the_oldest_waited(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    monitor, _, _ = monitor_for(engine, session_factory)
    assert await monitor.backlog() == Backlog(0, None)
    people = [
        await person(session, Role.REGIONAL_COORDINATOR, name=f"Координатор {n}") for n in "АБВ"
    ]
    now = utcnow()
    payload = Payload("Напоминание")
    await delivery.enqueue(
        session, "test", "old", [Outgoing(people[0], payload)], due_at=now - timedelta(minutes=20)
    )
    await delivery.enqueue(
        session,
        "test",
        "new",
        [Outgoing(p, payload) for p in people[1:]],
        due_at=now - timedelta(seconds=5),
    )
    await delivery.enqueue(
        session, "test", "later", [Outgoing(people[0], payload)], due_at=now + timedelta(hours=1)
    )
    backlog = await monitor.backlog()
    assert backlog.due == 3  # not the one due in an hour
    assert backlog.oldest_seconds is not None
    assert 20 * 60 <= backlog.oldest_seconds < 21 * 60
    assert backlog.stale


async def test_health_asks_telegram_at_most_every_30_seconds(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    monitor, recording, ticks = monitor_for(engine, session_factory)
    monitor.scheduler_alive = lambda: True
    health = await monitor.health()
    assert health == Health(True, True, Backlog(0, None), RUNNING)
    assert health.healthy
    recording.fail_next(GetMe, TelegramNetworkError(GetMe(), "unreachable"))
    ticks.now += 10
    assert (await monitor.health()).telegram  # the answer of 10 s ago still holds
    ticks.now += 25
    assert not (await monitor.health()).telegram
    assert sum(isinstance(r, GetMe) for r in recording.requests) == 2
    ticks.now += 31
    assert (await monitor.health()).telegram


async def test_health_asks_max_at_most_every_30_seconds_and_telegram_off_is_not_configured(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    fake = FakeMax(MAX_TOKEN)
    await fake.start()
    max_bot = make_bot(MAX_TOKEN, api_base=fake.base_url, retries=0)
    ticks = Ticks()
    monitor = Monitor(
        engine,
        session_factory,
        None,  # MAX alone: no Telegram to ask
        Metrics(),
        runs_scheduler=True,
        clock=ticks,
        max_bot=max_bot,
    )
    monitor.scheduler_alive = lambda: True
    try:
        health = await monitor.health()
        assert health == Health(True, None, Backlog(0, None), RUNNING, max_api=True)
        assert health.healthy
        assert health.as_json()["telegram"] == "not configured"
        fake.fail_next("GET", "/me", 502)
        ticks.now += 10
        assert (await monitor.health()).max_api  # the answer of 10 s ago still holds
        ticks.now += 25
        down = await monitor.health()
        assert down.max_api is False
        assert not down.healthy
        assert down.as_json()["max"] == "unreachable"
        assert len(fake.served("GET", "/me")) == 2
        ticks.now += 31
        assert (await monitor.health()).max_api
    finally:
        await close_bot(max_bot)
        await fake.stop()


async def test_health_and_metrics_say_whether_this_replica_leads(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    monitor, _, _ = monitor_for(engine, session_factory)

    def leader_gauge(text: bytes) -> float:
        (family,) = [
            f
            for f in text_string_to_metric_families(text.decode())
            if f.name == "participants_bot_leader"
        ]
        return float(family.samples[0].value)

    assert monitor.scheduler_state() is SchedulerState.STARTING  # no election yet
    monitor.follows()  # lost the first election
    assert (await monitor.health()).scheduler is SchedulerState.FOLLOWING
    assert (await monitor.health()).healthy
    assert leader_gauge(await monitor.metrics_text()) == 0
    monitor.scheduler_alive = lambda: True  # elected: its scheduler runs
    assert (await monitor.health()).scheduler is RUNNING
    assert leader_gauge(await monitor.metrics_text()) == 1
    monitor.follows()  # leadership lost: the scheduler stopped
    assert (await monitor.health()).as_json()["scheduler"] == "following"
    assert leader_gauge(await monitor.metrics_text()) == 0


async def test_health_reports_a_database_that_does_not_answer() -> None:
    nowhere = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    monitor = Monitor(
        nowhere, create_session_factory(nowhere), recording_bot()[0], Metrics(), runs_scheduler=True
    )
    monitor.scheduler_alive = lambda: False
    try:
        health = await monitor.health()
    finally:
        await nowhere.dispose()
    assert not health.database
    assert health.backlog is None
    assert health.scheduler is SchedulerState.STOPPED
    assert not health.healthy


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_count_updates_errors_outbox_and_send_latency(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    translator: Translator,
) -> None:
    monitor, _, _ = monitor_for(engine, session_factory)
    metrics = monitor.metrics
    settings = Settings(database_url="sqlite+aiosqlite://")
    dispatcher = build_dispatcher(
        session_factory=session_factory,
        translator=translator,
        settings=settings,
        storage=SqlStorage(session_factory),
        events_isolation=SimpleEventIsolation(),
        metrics=metrics,
    )
    bot, recording = recording_bot()
    user = TelegramUser(id=7001, first_name="Ирина", language_code="ru")
    await dispatcher.feed_update(bot, Update.model_validate(message_update(1, user, "/help")))
    recording.fail_next(SendMessage, RuntimeError("a defect"))
    await dispatcher.feed_update(bot, Update.model_validate(message_update(2, user, "/help")))

    people = [
        await person(session, Role.REGIONAL_COORDINATOR, name=f"Координатор {n}") for n in "АБ"
    ]
    await delivery.enqueue(session, "test", "one", [Outgoing(p, Payload("Текст")) for p in people])
    loop = DeliveryLoop(bot, session_factory, rate=1000, observe_send=metrics.send_latency.observe)
    assert await loop.drain_once() == 2
    await delivery.enqueue(session, "test", "two", [Outgoing(people[0], Payload("Ещё"))])

    found = samples(await monitor.metrics_text())
    assert found[("participants_bot_updates_total", ())] == 2
    assert found[("participants_bot_errors_total", ())] == 1
    assert found[("participants_bot_outbox_messages", (("status", "sent"),))] == 2
    assert found[("participants_bot_outbox_messages", (("status", "pending"),))] == 1
    assert found[("participants_bot_outbox_messages", (("status", "failed"),))] == 0
    assert found[("participants_bot_send_seconds_count", ())] == 2
    assert found[("participants_bot_send_seconds_bucket", (("le", "+Inf"),))] == 2


def test_http_port_cannot_be_the_webhook_port() -> None:
    from bot.settings import SettingsError, load_settings

    webhook = {
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_secret": "s3cret",
        "database_url": "sqlite+aiosqlite://",
    }
    with pytest.raises(SettingsError, match="HTTP_PORT must differ"):
        load_settings(**webhook, webhook_port=8080, http_port=8080)
    assert load_settings(**webhook, webhook_port=8080, http_port=9090).http_port == 9090
    assert load_settings(database_url="sqlite+aiosqlite://", http_port=8080).http_port == 8080


def test_the_http_port_server_serves_the_calendar_feed_at_the_public_url() -> None:
    """In polling mode the feed needs a server (HTTP_PORT) and an address (PUBLIC_URL)."""
    from types import SimpleNamespace
    from typing import cast

    from aiohttp import web

    from bot.app import Application
    from bot.http_server import add_routes
    from bot.settings import load_settings

    polling = {"database_url": "sqlite+aiosqlite://", "public_url": "https://bot.example.org/"}
    settings = load_settings(**polling, http_port=8081)
    assert settings.calendar_feed_base == "https://bot.example.org"
    assert load_settings(**polling).calendar_feed_base is None  # nothing would serve it
    web_app = web.Application()
    app = SimpleNamespace(settings=settings, session_factory=None)
    add_routes(web_app, cast(Application, app), cast(Monitor, None))
    paths = {route.resource.canonical for route in web_app.router.routes() if route.resource}
    assert {"/healthz", "/metrics", "/calendar/{token}.ics"} <= paths
