"""MAX's updates through the conversation, each handled as a Telegram one is.

One update's path (the Telegram side's middlewares, in the same order, docs/architecture.md):
the update read and turned into an event (group chats left out: `event_of`), the person's
lock (the same `events_isolation`, on a `StorageKey` of MAX's own), one database session
and the update's claim (`bot.services.updates.handled_once`), the participant by their MAX
account and their localizer, the wizard's state from the same FSM storage, a command ending
an open wizard, the step (`bot.max.updates.dispatch`), and the error handling: a refusal
says why, anything else is logged (the update's key and the traceback, never its text)
and apologised for.

Updates arrive by long polling (`poll`: GET /updates with the marker, a batch handled
before the next is asked for) or the webhook (bot/max/webhook.py), both through `handle`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiohttp import ClientError
from maxapi import Bot
from maxapi.exceptions import InvalidToken, MaxApiError, MaxConnection, MaxError
from maxapi.types import BotStarted, MessageCallback, MessageCreated, UpdateUnion
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import patience
from bot.conversation import wizards
from bot.conversation.routes import Routes
from bot.conversation.screens import Screen
from bot.conversation.turn import Turn
from bot.i18n import Localizer, Translator
from bot.max.chat import MaxChat
from bot.max.updates import MaxEvent, dispatch, event_of, update_of
from bot.patience import BACKOFF_CAP_SECONDS, unless_stopped
from bot.services import participants, updates
from bot.services.errors import DomainError
from bot.settings import Settings
from bot.views import apology, error_text
from storage.models import Channel

logger = logging.getLogger(__name__)

# The FSM storage's `destiny` of MAX conversations: with the MAX bot's id as `bot_id`, a
# key no Telegram chat has (Telegram's are the destiny "default" and Telegram's bot id).
DESTINY = "max"
# GET /updates waits this long for an update before answering empty (MAX allows 90).
POLL_SECONDS = 30
BATCH_LIMIT = 100  # MAX's largest batch


class Counter(Protocol):
    """What `Metrics` counts with (a prometheus Counter has this shape)."""

    def inc(self, amount: float = 1) -> None: ...


@dataclass
class _Progress:
    """What an update's handling had reached, for its error handling."""

    chat: MaxChat | None = None
    t: Localizer | None = None


def key_of(update: UpdateUnion) -> str | None:
    """The name MAX gives no update: a press's callback id, a message's id, the person
    and the moment for `bot_started` (MAX sends one per opening of the bot)."""
    if isinstance(update, MessageCallback):
        return f"callback:{update.callback.callback_id}"
    if isinstance(update, MessageCreated) and update.message.body is not None:
        return f"message:{update.message.body.mid}"
    if isinstance(update, BotStarted):
        return f"started:{update.user.user_id}:{update.timestamp}"
    return None


class MaxUpdates:
    """Handles MAX's updates with the conversation's `features` (handlers.features)."""

    def __init__(
        self,
        bot: Bot,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        translator: Translator,
        settings: Settings,
        storage: BaseStorage,
        events_isolation: BaseEventIsolation,
        features: Iterable[Routes] | None = None,
        counted: Counter | None = None,
        failed: Counter | None = None,
    ) -> None:
        if features is None:
            from handlers.features import FEATURES

            features = FEATURES
        self.bot = bot
        self._session_factory = session_factory
        self._translator = translator
        self._settings = settings
        self._storage = storage
        self._isolation = events_isolation
        self._features = tuple(features)
        self._counted = counted
        self._failed = failed

    async def handle(self, raw: dict[str, Any]) -> None:
        """One raw update, from GET /updates or the webhook; never raises but for
        cancellation (a failure is logged and apologised for)."""
        if self._counted is not None:
            self._counted.inc()
        update = update_of(raw)
        if update is None:
            return
        event = event_of(update)
        key = key_of(update)
        if event is None or key is None:  # a group's or a channel's: nothing reaches a step
            return
        storage_key = StorageKey(
            bot_id=await self._bot_id(),
            chat_id=event.user_id,
            user_id=event.user_id,
            destiny=DESTINY,
        )
        update_id = updates.number_of(Channel.MAX, key)
        progress = _Progress()
        async with self._isolation.lock(storage_key):
            try:
                # A webhook's retry may come at any time: every update is looked up.
                await updates.handled_once(
                    self._session_factory,
                    update_id,
                    updates.ANY_UPDATE,
                    lambda session: self._turn(session, event, storage_key, progress),
                )
            except DomainError as error:
                await self._refuse(event, progress, error, key)
            except Exception as error:
                if self._failed is not None:
                    self._failed.inc()
                await self._apologise(event, progress, error, key)

    async def handle_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        """A batch from GET /updates: each person's updates in the order they came, up to
        UPDATES_CONCURRENCY people's at once."""
        per_person: dict[object, list[dict[str, Any]]] = {}
        for raw in batch:
            per_person.setdefault(_person_of(raw), []).append(raw)
        slots = asyncio.Semaphore(self._settings.updates_concurrency)

        async def in_order(raws: list[dict[str, Any]]) -> None:
            async with slots:
                for raw in raws:
                    await self.handle(raw)

        await asyncio.gather(*(in_order(raws) for raws in per_person.values()))

    async def poll(self, stopping: asyncio.Event, *, timeout: int = POLL_SECONDS) -> None:
        """Long polling until `stopping` is set. The marker moves on only once a batch has
        been handled: a crash before that gets the batch again, and the claims drop what
        had been handled. A failed request is logged in one line and tried again after 1,
        2, 4 … 60 s."""
        marker: int | None = None
        delay = 1.0
        logger.info("Polling MAX for updates")
        while not stopping.is_set():
            fetching = asyncio.ensure_future(
                self.bot.get_updates(limit=BATCH_LIMIT, timeout=timeout, marker=marker)
            )
            try:
                if not await unless_stopped(fetching, stopping):
                    return
                answer: dict[str, Any] = fetching.result()
            except (MaxError, ClientError, TimeoutError, ValueError) as error:
                logger.warning(
                    "MAX updates not received (%s); next attempt in %g s", _described(error), delay
                )
                with suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
                delay = min(delay * 2, BACKOFF_CAP_SECONDS)
                continue
            delay = 1.0
            await self.handle_batch(answer.get("updates") or [])
            if isinstance(answer.get("marker"), int):
                marker = answer["marker"]

    async def _bot_id(self) -> int:
        if self.bot.me is None:
            self.bot.me = await self.bot.get_me()
        return int(self.bot.me.user_id)

    async def _turn(
        self,
        session: AsyncSession,
        event: MaxEvent,
        storage_key: StorageKey,
        progress: _Progress,
    ) -> None:
        translator = self._translator
        participant = await participants.current(
            session, Channel.MAX, event.user_id, translator.resolve_locale(event.locale)
        )
        t = progress.t = translator.for_locale(participant.locale)
        chat = progress.chat = self._chat(event)
        if event.callback_id is not None and event.pressed is None:
            # The pressed message is gone (MAX sends none): every step works on it.
            await chat.toast(t("fallback-callback"), alert=True)
            await chat.answer()
            return
        state = FSMContext(storage=self._storage, key=storage_key)
        state_name = await state.get_state()
        received = event.received
        typed = received.text if received.file is None else None
        if await wizards.end_for_command(
            typed or "", state_name, state, t, lambda text: chat.show(Screen(text))
        ):
            state_name = None
        turn = Turn(
            session=session,
            participant=participant,
            t=t,
            translator=translator,
            settings=self._settings,
            state=state,
            chat=chat,
            state_name=state_name,
        )
        await dispatch(self._features, event, turn)

    async def _refuse(
        self, event: MaxEvent, progress: _Progress, error: DomainError, key: str
    ) -> None:
        """A refused action (no right, forged or stale ids, a used code): say why."""
        logger.info("MAX update %s refused: %s", key, error.reason)
        t = progress.t or self._translator.for_locale(self._translator.default_locale)
        chat = progress.chat or self._chat(event)
        with suppress(MaxError, ClientError, TimeoutError):
            if event.callback_id is not None:
                await chat.toast(error_text(t, error), alert=True)
                await chat.answer()
            else:
                await chat.show(Screen(error_text(t, error)))

    async def _apologise(
        self, event: MaxEvent, progress: _Progress, error: Exception, key: str
    ) -> None:
        # Only the update's key and the traceback: never its text (personal data).
        if isinstance(error, MaxApiError | MaxConnection):
            # MAX failed the call (after maxapi's own retries): its traceback only maxapi's.
            logger.error(
                "Unhandled error while processing MAX update %s: %s", key, _described(error)
            )
        else:
            logger.error("Unhandled error while processing MAX update %s", key, exc_info=error)
        chat = progress.chat or self._chat(event)
        with suppress(MaxError, ClientError, TimeoutError):
            if event.callback_id is not None:
                chat.forget_toast()  # one asked for before the failure is not shown
                await chat.answer()
            await chat.show(Screen(apology(self._translator, progress.t)))

    def _chat(self, event: MaxEvent) -> MaxChat:
        return MaxChat(
            self.bot,
            event.user_id,
            self._translator,
            pressed=event.pressed,
            callback_id=event.callback_id,
        )


def _person_of(raw: dict[str, Any]) -> object:
    """Whose update this is, to keep each person's in order (None: nobody's in particular)."""
    for path in (("user",), ("callback", "user"), ("message", "sender")):
        found: Any = raw
        for name in path:
            found = found.get(name) if isinstance(found, dict) else None
        if isinstance(found, dict) and found.get("user_id") is not None:
            return found["user_id"]
    return None


def _described(error: BaseException) -> str:
    """One line: the kind of failure and MAX's code, never a person's data."""
    if isinstance(error, MaxApiError):
        return f"MaxApiError {error.code}"
    if isinstance(error, InvalidToken):
        return "InvalidToken (the token is refused)"
    return type(error).__name__


def _transient(error: BaseException) -> float | None:
    """An outage worth waiting out at start-up: the network, 429 and 5xx (a refused token
    or another 4xx is raised: waiting will not change it)."""
    if isinstance(error, MaxConnection | ClientError | TimeoutError):
        return 0.0
    if isinstance(error, MaxApiError) and (error.code == 429 or error.code >= 500):
        return 0.0
    return None


async def until_max_answers(
    step: Callable[[], Awaitable[object]], stopping: asyncio.Event, *, first: float = 1.0
) -> bool:
    """MAX's start-up calls under the same patience as Telegram's (bot.patience)."""
    return await patience.until_answered(
        step,
        stopping,
        service="MAX Bot API",
        transient=_transient,
        describe=_described,
        first=first,
    )
