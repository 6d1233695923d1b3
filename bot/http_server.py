"""The bot's HTTP routes beside the webhook: `/healthz` and `/metrics` (Prometheus).

In webhook mode they are served by the webhook server (bot/telegram/webhook.py); with `HTTP_PORT`
set, by a server of their own as well (in polling mode the only one). `add_routes` is
the one place that puts routes on either server: another feature served over HTTP adds
its routes there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.types import TelegramObject
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import calendar_feed
from bot.services.errors import DomainError
from bot.settings import Mode
from storage.db import ping
from storage.models import OutboxStatus
from storage.repositories.outbox import OutboxRepository
from storage.types import utcnow

if TYPE_CHECKING:
    import maxapi

    from bot.app import Application

logger = logging.getLogger(__name__)

# A message due longer than this and still not sent means delivery is stuck: a broadcast
# to 10,000 people at 25 a second takes under 7 minutes.
BACKLOG_STALE = timedelta(minutes=15)
# A messenger's answer to getMe (Telegram) or GET /me (MAX) is trusted this long, so that
# a monitor polling /healthz every few seconds does not become a stream of API calls.
TELEGRAM_CHECK_EVERY = 30.0
TELEGRAM_TIMEOUT = 5.0
MAX_CHECK_EVERY = TELEGRAM_CHECK_EVERY
MAX_TIMEOUT = TELEGRAM_TIMEOUT
# Seconds of one send by the delivery loop (a Bot API round trip, a file upload at most).
SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Metrics:
    """The process's numbers, in a registry of its own (a test may build several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "participants_bot_updates",
            "Telegram updates handled",
            registry=self.registry,
        )
        self.errors = Counter(
            "participants_bot_errors",
            "Updates whose handler failed (refused actions are not errors)",
            registry=self.registry,
        )
        # MAX's, counted by bot.max.runner: the same numbers, a name of their own.
        self.max_updates = Counter(
            "participants_bot_max_updates",
            "MAX updates handled",
            registry=self.registry,
        )
        self.max_errors = Counter(
            "participants_bot_max_errors",
            "MAX updates whose handling failed (refused actions are not errors)",
            registry=self.registry,
        )
        self.outbox = Gauge(
            "participants_bot_outbox_messages",
            "Outbox messages by status",
            ["status"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "participants_bot_outbox_oldest_due_seconds",
            "How long the oldest message due and not yet sent has waited",
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "participants_bot_send_seconds",
            "Duration of one send by the delivery loop",
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )
        self.leader = Gauge(
            "participants_bot_leader",
            "1 while this replica is the elected leader (runs the scheduler and delivery)",
            registry=self.registry,
        )

    def install(self, dispatcher: Dispatcher) -> None:
        """Counts every update (registered first, so a group's update counts too) and
        every update whose handler failed."""

        async def count_update(
            handler: Handler, event: TelegramObject, data: dict[str, Any]
        ) -> Any:
            try:
                return await handler(event, data)
            finally:
                self.updates.inc()

        async def count_error(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
            if not isinstance(getattr(event, "exception", None), DomainError):
                self.errors.inc()
            return await handler(event, data)

        dispatcher.update.outer_middleware(count_update)
        dispatcher.errors.outer_middleware(count_error)


class SchedulerState(StrEnum):
    RUNNING = "running"
    STARTING = "starting"  # waiting for a messenger's first answer
    STOPPED = "stopped"  # the scheduler or the delivery loop has died
    FOLLOWING = "following"  # another replica was elected to run them (scheduler/leader.py)
    ELSEWHERE = "elsewhere"  # RUN_SCHEDULER=false: another process runs them


# A replica that follows, or was told not to run them, is as healthy as the leader.
RUNS_OR_NEED_NOT = (SchedulerState.RUNNING, SchedulerState.FOLLOWING, SchedulerState.ELSEWHERE)


@dataclass(frozen=True)
class Backlog:
    due: int  # messages due now, not yet sent
    oldest_seconds: float | None  # how long the oldest of them has waited

    @property
    def stale(self) -> bool:
        return (
            self.oldest_seconds is not None and self.oldest_seconds > BACKLOG_STALE.total_seconds()
        )


def _answer(answers: bool | None) -> str:
    """A messenger in /healthz: None is one the deployment does not use (its token unset)."""
    if answers is None:
        return "not configured"
    return "ok" if answers else "unreachable"


@dataclass(frozen=True)
class Health:
    database: bool
    telegram: bool | None  # None: Telegram is off (BOT_TOKEN unset)
    backlog: Backlog | None  # None when the database did not answer
    scheduler: SchedulerState
    max_api: bool | None = None  # None: MAX is off (MAX_TOKEN unset)

    @property
    def healthy(self) -> bool:
        """Every part that runs answers: a messenger that is off is no failure, and one
        down is, though the other serves (the monitor is to see it)."""
        delivering = self.scheduler is SchedulerState.RUNNING
        return (
            self.database
            and self.telegram is not False
            and self.max_api is not False
            and self.scheduler in RUNS_OR_NEED_NOT
            # A backlog is this process's fault only when it is the one delivering.
            and not (delivering and self.backlog is not None and self.backlog.stale)
        )

    def as_json(self) -> dict[str, Any]:
        delivery: dict[str, Any] = {"status": "unknown"}
        if self.backlog is not None:
            delivery = {
                "status": "behind" if self.backlog.stale else "ok",
                "backlog": self.backlog.due,
                "oldest_seconds": (
                    None
                    if self.backlog.oldest_seconds is None
                    else round(self.backlog.oldest_seconds, 1)
                ),
            }
        return {
            "status": "ok" if self.healthy else "error",
            "database": "ok" if self.database else "unavailable",
            "telegram": _answer(self.telegram),
            "max": _answer(self.max_api),
            "delivery": delivery,
            "scheduler": self.scheduler.value,
        }


class Monitor:
    """What /healthz and /metrics report, asked afresh at each request (the messengers'
    answers excepted, see TELEGRAM_CHECK_EVERY). `bot` is Telegram's, `max_bot` MAX's
    (None: that messenger is off); neither should wait patiently (the background ones)."""

    def __init__(
        self,
        engine: AsyncEngine,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot | None,
        metrics: Metrics,
        *,
        runs_scheduler: bool,
        clock: Callable[[], float] = time.monotonic,
        max_bot: maxapi.Bot | None = None,
    ) -> None:
        self._engine = engine
        self._session_factory = session_factory
        self._bot = bot
        self._max_bot = max_bot
        self._max: tuple[float, bool] | None = None
        self.metrics = metrics
        self._runs_scheduler = runs_scheduler
        self._clock = clock
        self._telegram: tuple[float, bool] | None = None
        # Set while this replica leads and its scheduler and delivery loop run (bot/app.py).
        self.scheduler_alive: Callable[[], bool] | None = None
        # Set once this replica has lost an election: another one leads.
        self.following = False

    async def health(self) -> Health:
        database = True
        backlog = None
        try:
            await ping(self._engine)
            backlog = await self.backlog()
        except Exception:  # whatever the driver raised, the answer is "unavailable"
            logger.warning("Health check: the database does not answer", exc_info=True)
            database = False
        telegram, max_api = await asyncio.gather(self.telegram_answers(), self.max_answers())
        return Health(database, telegram, backlog, self.scheduler_state(), max_api)

    def scheduler_state(self) -> SchedulerState:
        if not self._runs_scheduler:
            return SchedulerState.ELSEWHERE
        if self.scheduler_alive is not None:
            return SchedulerState.RUNNING if self.scheduler_alive() else SchedulerState.STOPPED
        return SchedulerState.FOLLOWING if self.following else SchedulerState.STARTING

    def follows(self) -> None:
        """This replica does not lead (lost an election, or its leadership)."""
        self.scheduler_alive = None
        self.following = True

    async def telegram_answers(self) -> bool | None:
        """Whether Telegram answers getMe (None: Telegram is off)."""
        bot = self._bot
        if bot is None:
            return None
        self._telegram = await self._asked(
            "Telegram", self._telegram, lambda: bot.get_me(), TELEGRAM_CHECK_EVERY, TELEGRAM_TIMEOUT
        )
        return self._telegram[1]

    async def max_answers(self) -> bool | None:
        """Whether MAX answers GET /me (None: MAX is off)."""
        bot = self._max_bot
        if bot is None:
            return None
        self._max = await self._asked(
            "MAX", self._max, lambda: bot.get_me(), MAX_CHECK_EVERY, MAX_TIMEOUT
        )
        return self._max[1]

    async def _asked(
        self,
        name: str,
        last: tuple[float, bool] | None,
        call: Callable[[], Awaitable[object]],
        every: float,
        timeout: float,
    ) -> tuple[float, bool]:
        """The last answer while it is younger than `every` seconds, else a new one."""
        now = self._clock()
        if last is not None and now - last[0] < every:
            return last
        try:
            await asyncio.wait_for(call(), timeout)
        except Exception as error:  # unreachable, 5xx, a refused token: all "unreachable"
            logger.warning("Health check: %s does not answer (%s)", name, type(error).__name__)
            return now, False
        return now, True

    async def backlog(self) -> Backlog:
        now = utcnow()
        async with self._session_factory() as session:
            due, oldest = await OutboxRepository(session).backlog(now)
        return Backlog(due, None if oldest is None else (now - oldest).total_seconds())

    async def metrics_text(self) -> bytes:
        """The registry in Prometheus' text format, the outbox counts read now."""
        try:
            async with self._session_factory() as session:
                counts = await OutboxRepository(session).count_by_status()
            backlog = await self.backlog()
        except Exception:
            logger.warning("Metrics: the database does not answer", exc_info=True)
        else:
            for status in OutboxStatus:
                self.metrics.outbox.labels(status=status.value).set(counts.get(status, 0))
            self.metrics.outbox_oldest.set(backlog.oldest_seconds or 0)
        self.metrics.leader.set(1 if self.scheduler_alive is not None else 0)
        return generate_latest(self.metrics.registry)


def add_routes(web_app: web.Application, app: Application, monitor: Monitor) -> None:
    """Every route but the webhook's own, on whichever server serves them."""

    async def healthz(_request: web.Request) -> web.Response:
        health = await monitor.health()
        return web.json_response(health.as_json(), status=200 if health.healthy else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(
            body=await monitor.metrics_text(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    calendar_feed.add_routes(web_app, app.session_factory, app.settings)


async def start_http_server(app: Application, monitor: Monitor) -> web.AppRunner:
    """The server on HTTP_HOST:HTTP_PORT."""
    settings = app.settings
    assert settings.http_port is not None
    web_app = web.Application()
    add_routes(web_app, app, monitor)
    if app.max is not None and app.max.webhook is not None and settings.mode is not Mode.WEBHOOK:
        # MAX's webhook, when no Telegram webhook server takes it (bot/telegram/webhook.py).
        app.max.webhook.register(web_app, settings.max_webhook_path)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    logger.info("Monitoring on %s:%s (/healthz, /metrics)", settings.http_host, settings.http_port)
    return runner
