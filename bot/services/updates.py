"""Update ids already processed: a redelivered update is handled once.

Telegram delivers an update again when the bot did not confirm it (a crash between
handling and the next poll) or, with a webhook, when its answer did not arrive. An update
is claimed in the same transaction as the first change it makes, so its changes and its
claim are committed together or not at all: a redelivered update finds its claim and is
dropped, and one interrupted before its commit is handled afresh. An update that changes
nothing is claimed after its handler.

MAX numbers no update: a MAX update is named by a key of its own (`bot.max.runner`), made
a number here (`number_of`) in a range Telegram's ids never reach, so both share one table.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage.models import Channel
from storage.repositories import ProcessedUpdateRepository
from storage.repositories.updates import claim_in
from storage.types import utcnow

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Telegram redelivers an unacknowledged update for at most a day.
KEEP_PROCESSED_FOR = timedelta(days=1)

_PENDING = "update_to_claim"


class Redeliveries:
    """Which updates may have been processed already, and are looked up before handling.

    When polling, Telegram numbers updates in order and gives them to one poller at a time,
    which confirms each batch by asking for the next: an update newer than every one seen
    before (claimed before this process started, or received since) has reached no one,
    and is not looked up. Any other one is: a redelivery after a crash, a repeat. A
    webhook's retry may come at any time (to any replica): every update is looked up.
    Either way the claim made with the first commit keeps a change from being made twice.
    """

    def __init__(self, newest_seen: int | None = None) -> None:
        self._newest = newest_seen  # None: look up every update

    def possible(self, update_id: int) -> bool:
        if self._newest is not None and update_id > self._newest:
            self._newest = update_id
            return False
        return True


ANY_UPDATE = Redeliveries()


async def redeliveries_after_restart(session: AsyncSession) -> Redeliveries:
    """For polling: the updates this process may receive again."""
    newest = await ProcessedUpdateRepository(session).newest()
    return Redeliveries(newest if newest is not None else -1)


def number_of(channel: Channel, key: str) -> int:
    """The update id of an update that comes without one (MAX's), from a key that names
    it (a press's callback id, a message's id): 62 bits of a hash, negated. Telegram's
    ids are positive, so the two never meet, and the newest Telegram id stays the
    largest. Two of MAX's keys share a number with a chance of about n²/2⁶³ among the n
    kept for a day: for a million updates a day, one in ten million."""
    digest = hashlib.blake2b(f"{channel.value}:{key}".encode(), digest_size=8).digest()
    return -(int.from_bytes(digest, "big") & (2**62 - 1)) - 1


async def handled_once(
    session_factory: async_sessionmaker[AsyncSession],
    update_id: int,
    redeliveries: Redeliveries,
    work: Callable[[AsyncSession], Awaitable[T]],
) -> T | None:
    """Runs `work` with one session for the update, unless it was processed already
    (None); its claim goes with the first commit, or after `work` when nothing committed,
    and when `work` failed too (its changes rolled back: the person got an apology, and a
    redelivery would not fare better), before the error is raised on."""
    async with session_factory() as session:
        if redeliveries.possible(update_id) and await was_processed(session, update_id):
            logger.info("Update %s was already processed: dropped", update_id)
            return None
        claim_with_first_commit(session, update_id)
        try:
            result = await work(session)
        except AlreadyProcessed:
            logger.info("Update %s was processed meanwhile: dropped", update_id)
            return None
        except BaseException:
            with suppress(Exception):  # the handler's error is the one to report
                await claim_unless_committed(session)
            raise
        await claim_unless_committed(session)
        return result


class AlreadyProcessed(Exception):
    """The update was claimed meanwhile by another delivery: nothing of this one is kept."""


async def was_processed(session: AsyncSession, update_id: int) -> bool:
    return await ProcessedUpdateRepository(session).is_processed(update_id)


def claim_with_first_commit(session: AsyncSession, update_id: int) -> None:
    """The session's next commit claims the update (AlreadyProcessed if it was claimed)."""
    session.info[_PENDING] = update_id


async def claim_unless_committed(session: AsyncSession) -> None:
    """Claims the update now if no commit did: after a handler that changed nothing, or
    failed (whatever it left uncommitted is rolled back first)."""
    if _PENDING in session.info:
        await session.rollback()
        try:
            await session.commit()
        except AlreadyProcessed:  # by another delivery, which stands
            await session.rollback()


@event.listens_for(Session, "before_commit")
def _claim_pending(session: Session) -> None:
    update_id: Any = session.info.pop(_PENDING, None)
    if update_id is not None and not claim_in(session, update_id):
        raise AlreadyProcessed(update_id)


async def prune(session: AsyncSession, now: datetime | None = None) -> int:
    removed = await ProcessedUpdateRepository(session).prune((now or utcnow()) - KEEP_PROCESSED_FOR)
    await session.commit()
    return removed
