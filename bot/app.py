"""Assembly of Bot and Dispatcher, and the run loop (polling or webhook)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiogram.methods
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods.base import Response, TelegramMethod
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.commands import set_commands
from bot.i18n import Translator
from bot.middlewares import (
    AnswerAfterHandling,
    DbSessionMiddleware,
    ParticipantMiddleware,
)
from bot.runtime import settle_after_start
from bot.services import updates
from bot.services.delivery import RetryPolicy
from bot.settings import Mode, Settings
from handlers import get_routers
from scheduler import build_scheduler
from scheduler.delivery import DeliveryLoop
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.fsm import SqlStorage

logger = logging.getLogger(__name__)


# aiogram reads every Bot API answer with `Response[<the method's result type>]`, a pydantic
# generic model. pydantic keeps such models only weakly, so once collected each call built
# its model again (about 0.35 ms of CPU per sendMessage or editMessageText). Held here,
# built once.
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


def build_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to build the bot")
    keep_response_models()
    session = None
    if settings.telegram_api_base is not None:
        base = str(settings.telegram_api_base).rstrip("/")
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
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
) -> Dispatcher:
    # events_isolation serialises the updates of one user: two quick presses cannot race.
    dispatcher = Dispatcher(storage=storage, events_isolation=events_isolation)
    dispatcher["translator"] = translator
    dispatcher["settings"] = settings
    dispatcher["session_factory"] = session_factory
    # Outer middlewares run in this order, inside aiogram's own (errors, user context, FSM).
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory, redeliveries))
    dispatcher.update.outer_middleware(ParticipantMiddleware(translator))
    dispatcher.callback_query.middleware(AnswerAfterHandling())
    dispatcher.include_routers(*get_routers())
    run_filters_in_loop(dispatcher)
    return dispatcher


def run_filters_in_loop(router: Router) -> None:
    """Plain (not async) filters of the router's handlers run in the event loop.

    aiogram runs a plain filter callable, such as a `State` or `F.text`, in a worker thread
    (`asyncio.to_thread`) each time an update reaches its handler: a button press checked
    some 25 of them on its way to the surveys router, milliseconds of thread hand-offs for
    checks that take microseconds. Every filter here is such a cheap, pure check.
    """
    for each in router.chain_tail:
        for observer in each.observers.values():
            for handler in observer.handlers:
                for item in handler.filters or ():
                    if not item.awaitable:
                        item.callback = _in_loop(item.callback)
                        item.awaitable = True


def _in_loop(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run


def build_fsm(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when REDIS_URL is set (several replicas share it), else the bot's database."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        redis_storage = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True)
        )
        return redis_storage, redis_storage.create_isolation()
    return SqlStorage(session_factory), SimpleEventIsolation()


@dataclass
class Application:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    translator: Translator
    bot: Bot
    dispatcher: Dispatcher


@asynccontextmanager
async def application(settings: Settings) -> AsyncIterator[Application]:
    """Everything `run` needs, migrated and ready; closed in reverse order on exit."""
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        session_factory = create_session_factory(engine)
        translator = Translator(settings.default_locale)
        storage, isolation = build_fsm(settings, session_factory)
        redeliveries = updates.ANY_UPDATE  # a webhook's retry may come at any time
        if settings.mode is Mode.POLLING:
            async with session_factory() as session:
                redeliveries = await updates.redeliveries_after_restart(session)
        dispatcher = build_dispatcher(
            session_factory=session_factory,
            translator=translator,
            settings=settings,
            storage=storage,
            events_isolation=isolation,
            redeliveries=redeliveries,
        )
        bot = build_bot(settings)
        try:
            yield Application(settings, engine, session_factory, translator, bot, dispatcher)
        finally:
            await dispatcher.storage.close()
            await dispatcher.fsm.events_isolation.close()
            await bot.session.close()
    finally:
        await engine.dispose()


async def run(settings: Settings) -> None:
    async with application(settings) as app:
        scheduler = build_scheduler(settings, app.session_factory, app.translator, app.bot)
        settle_after_start()
        stop_delivery = asyncio.Event()
        delivery_task = None
        if settings.run_scheduler:
            scheduler.start()
            retry = RetryPolicy(
                retry_for=timedelta(seconds=settings.delivery_retry_for),
                longest=timedelta(seconds=settings.delivery_retry_max_pause),
            )
            loop = DeliveryLoop(
                app.bot, app.session_factory, rate=settings.delivery_rate, retry=retry
            )
            delivery_task = asyncio.create_task(loop.run(stop_delivery), name="delivery")
        try:
            await set_commands(app.bot, app.translator)
            if settings.mode is Mode.WEBHOOK:
                await _serve_webhook(app)
            else:
                await app.bot.delete_webhook(drop_pending_updates=False)
                logger.info("Polling for updates")
                await app.dispatcher.start_polling(
                    app.bot,
                    allowed_updates=app.dispatcher.resolve_used_update_types(),
                    handle_signals=True,
                    close_bot_session=False,
                    tasks_concurrency_limit=settings.updates_concurrency,
                )
        finally:
            stop_delivery.set()
            if delivery_task is not None:
                await delivery_task
            if scheduler.running:
                scheduler.shutdown(wait=False)
    logger.info("Stopped")


async def _serve_webhook(app: Application) -> None:
    from bot.webhook import start_webhook_server

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = await start_webhook_server(app)
    try:
        await stop.wait()
        logger.info("Stopping the webhook server")
    finally:
        await runner.cleanup()
