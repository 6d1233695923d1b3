"""Assembly of Bot and Dispatcher, and the run loop (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiogram.methods
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods.base import Response, TelegramMethod
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli import EXIT_CONFIG, EXIT_UNAVAILABLE
from bot.http_server import Metrics, Monitor
from bot.i18n import Translator
from bot.patience import unless_stopped
from bot.runtime import settle_after_start
from bot.services import registration, updates
from bot.services.delivery import RetryPolicy, wake_on_enqueue
from bot.settings import Mode, Settings
from bot.telegram.bot_api import PatientRequests, until_answered
from bot.telegram.commands import set_commands
from bot.telegram.middlewares import (
    AnswerAfterHandling,
    CommandsEndWizards,
    DbSessionMiddleware,
    ParticipantMiddleware,
    PrivateChatsOnly,
)
from bot.telegram.routing import routers
from bot.views import database_failure
from scheduler import build_scheduler, leader
from scheduler.delivery import DeliveryLoop, Sender
from scheduler.jobs import Edit
from storage import migrate
from storage.db import create_engine, create_session_factory, ping
from storage.db import describe as describe_database
from storage.fsm import SqlStorage
from storage.models import Channel

if TYPE_CHECKING:
    import maxapi

    from bot.max.runner import MaxUpdates
    from bot.max.webhook import MaxWebhook

logger = logging.getLogger(__name__)


# aiogram reads every Bot API answer with `Response[<the method's result type>]`, a pydantic
# generic model. pydantic keeps such models only weakly, so once collected each call built
# its model again (measured 2026-12-02: 5.5 ms to build `Response[Message]` anew, against
# 0.002 ms held). Held here, built once; only public names are used.
_RESPONSE_MODELS: dict[str, Any] = {}


def keep_response_models() -> None:
    if _RESPONSE_MODELS:
        return
    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        returning = getattr(method, "__returning__", None)
        if (
            inspect.isclass(method)
            and issubclass(method, TelegramMethod)
            and method is not TelegramMethod
            and returning is not None
        ):
            _RESPONSE_MODELS.setdefault(repr(returning), Response[returning])  # type: ignore[valid-type]


def build_bot(settings: Settings, *, patient: bool = True) -> Bot:
    """The bot handlers reply with is `patient` (bot.telegram.bot_api.PatientRequests): a 429 is
    waited out and a call that cannot have reached Telegram is made again. The scheduler
    and the delivery loop take one that is not: they pace themselves, and a call that
    fails is made again on their next round."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to build the bot")
    keep_response_models()
    api = PRODUCTION
    if settings.telegram_api_base is not None:
        api = TelegramAPIServer.from_base(str(settings.telegram_api_base).rstrip("/"))
    session = AiohttpSession(api=api)
    if patient:
        session.middleware(PatientRequests())
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    settings: Settings,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    redeliveries: updates.Redeliveries = updates.ANY_UPDATE,
    metrics: Metrics | None = None,
) -> Dispatcher:
    # events_isolation serialises the updates of one user: two quick presses cannot race.
    dispatcher = Dispatcher(storage=storage, events_isolation=events_isolation)
    if metrics is not None:
        metrics.install(dispatcher)  # first: every update counts, a group's too
    dispatcher["translator"] = translator
    dispatcher["settings"] = settings
    dispatcher["session_factory"] = session_factory
    # Outer middlewares run in this order, inside aiogram's own (errors, user context, FSM).
    dispatcher.update.outer_middleware(PrivateChatsOnly(translator))  # groups stop here
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory, redeliveries))
    dispatcher.update.outer_middleware(ParticipantMiddleware(translator))
    dispatcher.message.outer_middleware(CommandsEndWizards())  # before any state filter
    dispatcher.callback_query.middleware(AnswerAfterHandling())
    dispatcher.include_routers(*routers())
    return dispatcher


# Each update handled at once holds a Redis connection for a command at a time (state,
# data, the per-user lock); the scheduler's and the delivery loop's need few more.
REDIS_CONNECTIONS = 50
REDIS_WAIT_SECONDS = 30


def build_fsm(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when REDIS_URL is set (several replicas share it), else the bot's database."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        # A blocking pool: when every connection is taken an update waits for one, where
        # redis-py's default pool raises "Too many connections" and the update fails.
        pool = BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS
        )
        redis_storage = RedisStorage(
            Redis(connection_pool=pool), key_builder=DefaultKeyBuilder(with_destiny=True)
        )
        return redis_storage, redis_storage.create_isolation()
    return SqlStorage(session_factory), SimpleEventIsolation()


class CannotStart(Exception):
    """Start-up met something the operator has to fix outside the bot. `str()` is the one
    line to show them, in the configured locale; `status` the exit status, as `check`
    gives it (3: a service does not answer, 2: a setting is wrong)."""

    def __init__(self, line: str, status: int) -> None:
        super().__init__(line)
        self.status = status


@dataclass
class MaxSide:
    """The bot on MAX (MAX_TOKEN): the handlers' and the poller's client, the delivery
    loop's (no retries of maxapi's own: the loop retries), the updates' pipeline and,
    with MAX_WEBHOOK_URL, its webhook route."""

    bot: maxapi.Bot
    background_bot: maxapi.Bot
    updates: MaxUpdates
    webhook: MaxWebhook | None = None


@dataclass
class Application:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    translator: Translator
    # Telegram's (BOT_TOKEN; None in a MAX-only deployment): the handlers' is patient, the
    # background one the scheduler's and the delivery loop's (see build_bot).
    bot: Bot | None
    background_bot: Bot | None
    dispatcher: Dispatcher
    metrics: Metrics = field(default_factory=Metrics)
    max: MaxSide | None = None  # MAX_TOKEN set


def build_max(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    metrics: Metrics | None = None,
) -> MaxSide:
    """The MAX side over the same database, translations, FSM storage and per-user lock
    as Telegram's; a MAX_CA_FILE that cannot be read stops the start (status 2)."""
    from bot.max.client import CaFileError, make_bot
    from bot.max.runner import MaxUpdates
    from bot.max.webhook import MaxWebhook

    assert settings.max_token is not None
    token = settings.max_token.get_secret_value()
    base = str(settings.max_api_base).rstrip("/") if settings.max_api_base else None
    try:
        bot = make_bot(token, api_base=base, ca_file=settings.max_ca_file)
        background = make_bot(token, api_base=base, ca_file=settings.max_ca_file, retries=0)
    except CaFileError:
        line = translator.get(
            settings.default_locale, "startup-max-ca-file", file=str(settings.max_ca_file)
        )
        raise CannotStart(line, EXIT_CONFIG) from None
    max_updates = MaxUpdates(
        bot,
        session_factory=session_factory,
        translator=translator,
        settings=settings,
        storage=storage,
        events_isolation=events_isolation,
        counted=metrics.max_updates if metrics else None,
        failed=metrics.max_errors if metrics else None,
    )
    webhook = None
    if settings.max_webhook_url is not None:
        assert settings.max_webhook_secret is not None
        webhook = MaxWebhook(
            max_updates,
            settings.max_webhook_secret.get_secret_value(),
            concurrency=settings.updates_concurrency,
        )
    return MaxSide(bot, background, max_updates, webhook)


@asynccontextmanager
async def application(settings: Settings) -> AsyncIterator[Application]:
    """Everything `run` needs, migrated and ready; closed in reverse order on exit."""
    translator = Translator(settings.default_locale)
    engine = create_engine(settings.database_url, in_loop=settings.sqlite_in_loop)
    try:
        await _reach_database(engine, settings, translator)
        await migrate.upgrade(engine)
        session_factory = create_session_factory(engine)
        storage, isolation = build_fsm(settings, session_factory)
        redeliveries = updates.ANY_UPDATE  # a webhook's retry may come at any time
        if settings.mode is Mode.POLLING:
            async with session_factory() as session:
                redeliveries = await updates.redeliveries_after_restart(session)
        metrics = Metrics()
        dispatcher = build_dispatcher(
            session_factory=session_factory,
            translator=translator,
            settings=settings,
            storage=storage,
            events_isolation=isolation,
            redeliveries=redeliveries,
            metrics=metrics,
        )
        telegram = settings.bot_token is not None
        bot = build_bot(settings) if telegram else None
        background_bot = build_bot(settings, patient=False) if telegram else None
        max_side = None
        if settings.max_token is not None:
            max_side = build_max(
                settings,
                session_factory=session_factory,
                translator=translator,
                storage=storage,
                events_isolation=isolation,
                metrics=metrics,
            )
        try:
            yield Application(
                settings,
                engine,
                session_factory,
                translator,
                bot,
                background_bot,
                dispatcher,
                metrics,
                max_side,
            )
        finally:
            await dispatcher.storage.close()
            await dispatcher.fsm.events_isolation.close()
            for telegram_bot in (bot, background_bot):
                if telegram_bot is not None:
                    await telegram_bot.session.close()
            if max_side is not None:
                from bot.max.client import close_bot

                await close_bot(max_side.bot)
                await close_bot(max_side.background_bot)
    finally:
        await engine.dispose()


async def _reach_database(engine: AsyncEngine, settings: Settings, translator: Translator) -> None:
    """A database that does not answer stops the start with one line naming it (without
    its password), rather than the migration's traceback."""
    try:
        await ping(engine)
    except Exception as error:  # whatever the driver raised, its reason is in the line
        line = translator.get(
            settings.default_locale,
            "startup-database-unavailable",
            database=describe_database(settings.database_url),
            reason=database_failure(
                translator.for_locale(settings.default_locale), error, settings.database_url
            ),
        )
        raise CannotStart(line, EXIT_UNAVAILABLE) from None


async def run(settings: Settings) -> None:
    async with application(settings) as app:
        # SIGTERM or Ctrl+C while start-up waits for Telegram, or while the webhook
        # serves; once polling, aiogram's own handlers take over.
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        # The background bots ask the messengers for /healthz: no patient waits there.
        monitor = Monitor(
            app.engine,
            app.session_factory,
            app.background_bot,
            app.metrics,
            runs_scheduler=settings.run_scheduler,
            max_bot=app.max.background_bot if app.max is not None else None,
        )
        runners = []
        try:
            if settings.mode is Mode.WEBHOOK:
                from bot.telegram.webhook import start_webhook_server

                # Listening before Telegram is told the URL: it may post at once.
                runners.append(await start_webhook_server(app, monitor))
            if settings.http_port is not None:
                from bot.http_server import start_http_server

                # Before Telegram answers, so a monitor sees a start that waits (503).
                runners.append(await start_http_server(app, monitor))
            await _serve(app, monitor, stopping)
        finally:
            for runner in reversed(runners):
                await runner.cleanup()
    logger.info("Stopped")


async def _serve(app: Application, monitor: Monitor, stopping: asyncio.Event) -> None:
    """Each messenger serves as soon as its own start-up calls have answered: one that does
    not answer holds up nothing of the other's. The replica takes part in the election of
    the one that runs the scheduler and the delivery loop (unless RUN_SCHEDULER=false) once
    the first has answered; the delivery loop keeps a lane per messenger, so one down
    delays only its own messages. A messenger that stops (SIGTERM, or its start refused)
    stops the others; a refusal (`CannotStart`) is raised once all have stopped."""
    answered = asyncio.Event()
    stop_leading = asyncio.Event()
    electing = None
    if app.settings.run_scheduler:
        electing = asyncio.create_task(
            _lead_once_answered(app, monitor, answered, stop_leading), name="leader-election"
        )
    messengers = []
    if app.bot is not None:
        messengers.append(
            asyncio.create_task(
                _messenger(
                    lambda: until_answered(lambda: _introduce(app), stopping),
                    lambda: _serve_telegram(app, stopping),
                    answered,
                    stopping,
                ),
                name="telegram",
            )
        )
    if app.max is not None:
        from bot.max.runner import until_max_answers

        side = app.max
        messengers.append(
            asyncio.create_task(
                _messenger(
                    lambda: until_max_answers(lambda: _introduce_max(app, side), stopping),
                    lambda: _serve_max(side, stopping),
                    answered,
                    stopping,
                ),
                name="max",
            )
        )
    try:
        outcomes = await asyncio.gather(*messengers, return_exceptions=True)
    finally:
        stopping.set()
        stop_leading.set()
        if electing is not None:
            await electing
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def _messenger(
    introduced: Callable[[], Awaitable[bool]],
    serve: Callable[[], Awaitable[None]],
    answered: asyncio.Event,
    stopping: asyncio.Event,
) -> None:
    """One messenger: its start-up calls under their patience, then its updates, until
    `stopping`; its end, whatever ended it, stops the others."""
    try:
        if not await introduced():
            return  # stopped while waiting
        if not answered.is_set():
            settle_after_start()  # once: the code is loaded by the first messenger's start
            answered.set()
        await serve()
    finally:
        stopping.set()


async def _lead_once_answered(
    app: Application, monitor: Monitor, answered: asyncio.Event, stop: asyncio.Event
) -> None:
    """The election, from the first messenger's answer on: before, this replica could
    neither send nor edit anything."""
    if await unless_stopped(answered.wait(), stop):
        await _lead_when_elected(app, monitor, stop)


async def _serve_telegram(app: Application, stopping: asyncio.Event) -> None:
    """Telegram's updates: its webhook (registered at start-up) or polling, until `stopping`
    is set, or aiogram's own signal handlers end its polling."""
    assert app.bot is not None
    if app.settings.mode is Mode.WEBHOOK:
        await stopping.wait()
        logger.info("Stopping the webhook server")
        return
    if stopping.is_set():
        return
    logger.info("Polling for updates")
    polling = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
            handle_signals=True,
            close_bot_session=False,
            tasks_concurrency_limit=app.settings.updates_concurrency,
        ),
        name="telegram-polling",
    )
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not polling.done():
            # Stopped by the other messenger (its start refused): aiogram's own way out.
            with contextlib.suppress(RuntimeError):  # its polling had ended meanwhile
                await app.dispatcher.stop_polling()
        await polling


async def _serve_max(side: MaxSide, stopping: asyncio.Event) -> None:
    """MAX's updates: long polling, or its webhook (served since the start) until `stopping`."""
    if side.webhook is None:
        await side.updates.poll(stopping)
    else:
        await stopping.wait()
        logger.info("Stopping MAX's webhook")


async def _lead_when_elected(app: Application, monitor: Monitor, stop: asyncio.Event) -> None:
    """Until `stop`: runs the leader's work while this replica is the elected leader."""
    settings = app.settings
    elector = leader.elector_for(
        app.engine,
        app.session_factory,
        lease=settings.leader_lease_seconds,
        renew=settings.leader_renew_seconds,
    )

    def changed(leads: bool) -> None:
        if not leads:
            monitor.follows()

    await leader.lead(
        elector,
        lambda until: _leaders_work(app, monitor, until),
        stop,
        retry_every=settings.leader_retry_seconds,
        on_change=changed,
    )


# How long a leader that stops waits for the requests on the wire to come back and their
# outcomes to be written before it gives up on them (they are `ambiguous` then).
STOP_DELIVERY_SECONDS = 30.0


async def _leaders_work(app: Application, monitor: Monitor, until: asyncio.Event) -> None:
    """The scheduler and the delivery loop, until `until` is set (the process stops, or
    leadership is lost) or the delivery loop ends by itself."""
    settings = app.settings
    scheduler = build_scheduler(
        settings, app.session_factory, app.translator, app.background_bot, editors=_max_editors(app)
    )
    scheduler.start()
    retry = RetryPolicy(
        retry_for=timedelta(seconds=settings.delivery_retry_for),
        longest=timedelta(seconds=settings.delivery_retry_max_pause),
    )
    delivery = DeliveryLoop(
        app.background_bot,
        app.session_factory,
        rate=settings.delivery_rate,
        retry=retry,
        observe_send=app.metrics.send_latency.observe,
        senders=_max_senders(app),
    )
    wake_on_enqueue(app.session_factory, delivery.wake)
    delivering = asyncio.create_task(delivery.run(until), name="delivery")
    monitor.scheduler_alive = lambda: scheduler.running and not delivering.done()
    ending = asyncio.ensure_future(until.wait())
    try:
        await asyncio.wait({delivering, ending}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ending.cancel()
        scheduler.shutdown(wait=False)
        until.set()  # the delivery loop starts nothing more
        done, _ = await asyncio.wait({delivering}, timeout=STOP_DELIVERY_SECONDS)
        if not done:
            logger.warning("The delivery loop did not stop in time: cancelled")
            delivering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivering
        monitor.follows()
        if delivering.done() and not delivering.cancelled():
            delivering.result()  # a failure of the loop is the work's failure


def _max_senders(app: Application) -> dict[Channel, Sender]:
    """MAX's lane of the delivery loop, through the bot that leaves retrying to the loop."""
    if app.max is None:
        return {}
    from bot.max.delivery import max_sender
    from bot.services.files import ChannelFiles

    files = ChannelFiles(app.session_factory)
    rate = app.settings.max_delivery_rate
    return {Channel.MAX: max_sender(app.max.background_bot, files, rate=rate)}


def _max_editors(app: Application) -> dict[Channel, Edit]:
    """Who edits the progress messages of announcements composed on MAX."""
    if app.max is None:
        return {}
    from bot.max.delivery import max_editor

    return {Channel.MAX: max_editor(app.max.bot)}


async def _introduce_max(app: Application, side: MaxSide) -> None:
    """MAX's start-up calls, each harmless to repeat: who the bot is (a refused token
    stops the start, status 2), the command menu, where its updates go (the webhook's
    subscription, or none for polling)."""
    from maxapi.exceptions import InvalidToken

    from bot.max.chat import set_menu

    settings = app.settings
    try:
        side.bot.me = await side.bot.get_me()
    except InvalidToken:
        line = app.translator.get(settings.default_locale, "startup-max-token-rejected")
        raise CannotStart(line, EXIT_CONFIG) from None
    await set_menu(side.bot, app.translator)
    if side.webhook is not None:
        assert settings.max_webhook_url is not None
        assert settings.max_webhook_secret is not None
        await side.bot.subscribe_webhook(
            str(settings.max_webhook_url), secret=settings.max_webhook_secret.get_secret_value()
        )
    else:
        await side.bot.delete_webhook()  # a subscription left would take the updates


async def _introduce(app: Application) -> None:
    """The start-up calls, each harmless to repeat (`until_answered` runs them again from
    the top until Telegram answers them all): who the bot is, its command menus, where
    its updates go."""
    assert app.bot is not None
    try:
        await app.bot.me()  # kept by aiogram: start_polling asks for it again
    except TelegramUnauthorizedError:
        line = app.translator.get(app.settings.default_locale, "startup-token-rejected")
        raise CannotStart(line, EXIT_CONFIG) from None
    async with app.session_factory() as session:
        coordinators = await registration.coordinators(session)
    await set_commands(app.bot, app.translator, coordinators)
    if app.settings.mode is Mode.WEBHOOK:
        from bot.telegram.webhook import register_webhook

        await register_webhook(app)
    else:
        await app.bot.delete_webhook(drop_pending_updates=False)
