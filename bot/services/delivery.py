"""The outbox: every message the bot sends on its own initiative goes through here.

Callers enqueue; the delivery loop (`scheduler/delivery.py`) claims due rows, sends them
under Telegram's limits and records the outcome. The unique key (kind, reference,
participant) makes enqueueing idempotent: a restart or a double click never sends twice.

A row is marked `sending` (committed) just before its request goes out, one statement for
the messages whose turn has come together with the outcomes that came back meanwhile, and
stays so until its outcome is written. So after a kill only the requests that were on the
wire (at most the loop's concurrency) are `sending`; the next start marks them `ambiguous`
rather than sending them again (at most once for those few: a duplicate announcement is
worse for a director than one that has to be resent), the author sees them counted and
resends them in one tap. Everything else is pending and goes out after the restart.

Server and network errors are retried with doubling pauses, capped, for a time window
(`RetryPolicy`): a Telegram outage of minutes fails nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage.models import Channel, OutboxMessage, OutboxStatus, Participant
from storage.repositories.outbox import OutboxRepository
from storage.repositories.people import PeopleRepository
from storage.types import utcnow


@dataclass(frozen=True)
class RetryPolicy:
    """How long server and network errors are retried: the pause after the n-th failed
    try is `first` doubled n-1 times, at most `longest` (DELIVERY_RETRY_MAX_PAUSE); a
    failure is final once the pauses before it add up to `retry_for` (DELIVERY_RETRY_FOR),
    so tries go on for at least that long. Counted from the tries, not the clock: the
    outbox keeps no first-failure time, and slow tries (timeouts) only lengthen it."""

    retry_for: timedelta = timedelta(hours=1)
    longest: timedelta = timedelta(minutes=5)
    first: timedelta = timedelta(seconds=2)

    def pause(self, failures: int) -> timedelta:
        """The pause after the `failures`-th failed try (1, 2, ...)."""
        doublings = min(failures - 1, 40)  # beyond 2**40 s every cap has been reached
        return min(self.first * (1 << doublings), self.longest)

    def waited(self, failures: int) -> timedelta:
        """The pauses after the first `failures` failed tries, added up."""
        total, failure = timedelta(), 1
        while failure <= failures and self.pause(failure) < self.longest:
            total += self.pause(failure)
            failure += 1
        return total + self.longest * max(0, failures - failure + 1)

    def gives_up(self, failures: int) -> bool:
        """Whether the `failures`-th failed try is the last."""
        return self.waited(failures - 1) >= self.retry_for


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True)
class PayloadFile:
    """The file a message carries: a stored file (`stored_files`) by its id, never its
    bytes; each channel's sender sends it by that channel's reference or uploads it
    (`bot.services.files`). `missing` is the line said instead, in the recipient's
    language, where the file cannot be sent (a file kept before MAX, with no bytes)."""

    id: int
    kind: Literal["document", "photo"] = "document"
    missing: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "missing": self.missing}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PayloadFile:
        kind: Literal["document", "photo"] = "photo" if data.get("kind") == "photo" else "document"
        return cls(int(data["id"]), kind, str(data.get("missing") or ""))


@dataclass(frozen=True)
class Payload:
    """What to send: text (HTML), inline buttons, an optional stored file."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    file: PayloadFile | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in self.buttons],
            "file": self.file.as_json() if self.file is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Payload:
        buttons = [[Button(b["text"], b["data"]) for b in row] for row in data.get("buttons", [])]
        file = data.get("file")
        return cls(data["text"], buttons, PayloadFile.from_json(file) if file else None)


@dataclass(frozen=True)
class Outgoing:
    participant: Participant
    payload: Payload


async def enqueue(
    session: AsyncSession,
    kind: str,
    reference: str,
    messages: Sequence[Outgoing],
    *,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """`queue`, then commits: for messages that nothing else changes with."""
    added = await queue(session, kind, reference, messages, due_at=due_at, expires_at=expires_at)
    await session.commit()
    return added


async def queue(
    session: AsyncSession,
    kind: str,
    reference: str,
    messages: Sequence[Outgoing],
    *,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Adds messages in one statement (skipping people none of whose accounts is
    reachable, and those who already have this (kind, reference)) to the session's
    transaction, without committing: the change that causes them commits with them, so
    neither is kept without the other. Each goes to the person's reachable contact
    (`Participant.reachable_contact`: its channel and chat), so someone who blocked the
    bot on one messenger still gets it on another. Returns how many are new; the
    delivery loop is woken once they are committed."""
    due = due_at or utcnow()
    rows: list[dict[str, Any]] = []
    for message in messages:
        contact = message.participant.reachable_contact
        if contact is None:
            continue
        rows.append(
            {
                "kind": kind,
                "reference": reference,
                "participant_id": message.participant.id,
                "channel": contact.channel,
                "chat_id": contact.external_id,
                "payload": message.payload.as_json(),
                "due_at": due,
                "expires_at": expires_at,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
            }
        )
    added = await OutboxRepository(session).add_many(rows)
    if added:
        session.info[_QUEUED] = True
    return added


_WAKE = "wake_delivery"
_QUEUED = "delivery_queued"


def wake_on_enqueue(factory: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Sessions made by `factory` call `wake` once they have queued something, so the
    delivery loop of this process sends it now rather than after its idle pause (another
    replica's loop finds it on its next look)."""
    factory.configure(info={_WAKE: wake})


@event.listens_for(Session, "after_commit")
def _wake_delivery(session: Session) -> None:
    # After the commit, not at the insert: woken earlier, the loop would look, find
    # nothing yet and sleep its idle pause.
    if session.info.pop(_QUEUED, False):
        wake = session.info.get(_WAKE)
        if wake is not None:
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


async def withdraw(session: AsyncSession, kind: str, reference: str, *, exact: bool = False) -> int:
    """Drops the pending messages of `reference` (or of every reference starting with it)
    in the session's transaction (the caller commits it with the change that makes them
    moot): those on the wire (`sending`) cannot be called back."""
    return await OutboxRepository(session).withdraw(kind, reference, exact=exact)


@dataclass
class Due:
    ready: list[OutboxMessage] = field(default_factory=list)
    expired: list[OutboxMessage] = field(default_factory=list)


async def due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    skip: Set[int],
    *,
    channels: Sequence[Channel] | None = None,
    other_than: Sequence[Channel] = (),
) -> Due:
    """Up to `limit` due rows not in `skip` (those the loop holds already), left pending:
    each is claimed only when its turn to go out has come. The expired ones are dropped.
    `channels`: only rows going out on these; `other_than`: only rows on none of these
    (the loop reads each messenger's rows apart, so that one's backlog never holds up
    another's)."""
    repository = OutboxRepository(session)
    found = Due()
    rows = await repository.due(now, limit + len(skip), channels=channels, other_than=other_than)
    for row in rows:
        if row.id in skip:
            continue
        target = found.expired if row.expires_at and row.expires_at <= now else found.ready
        target.append(row)
    if found.expired:
        await repository.drop([r.id for r in found.expired], "expired")
        await session.commit()
    found.ready = found.ready[:limit]
    return found


async def recover_interrupted(session: AsyncSession) -> int:
    """Rows left `sending` by a killed process become `ambiguous`: not sent again."""
    count = await OutboxRepository(session).interrupted()
    await session.commit()
    return count


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message."""

    row_id: int
    participant_id: int
    status: OutboxStatus
    attempts: int
    due_at: datetime
    message_id: int | None = None
    sent_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class Refusal:
    """What a failed send comes to, as its messenger's sender tells it: the outcome, and
    how long that messenger's rate limiter holds every send back (a 429)."""

    outcome: Outcome
    pause: float = 0.0


def retry_or_fail(row: OutboxMessage, error: str, now: datetime, policy: RetryPolicy) -> Outcome:
    """A server or network error: pending again after the policy's pause, or failed for
    good once its window is spent."""
    attempts = row.attempts + 1
    status = OutboxStatus.FAILED if policy.gives_up(attempts) else OutboxStatus.PENDING
    due_at = now + policy.pause(attempts)
    return Outcome(row.id, row.participant_id, status, attempts, due_at, error=error[:500])


def given_up(row: OutboxMessage, status: OutboxStatus, error: str) -> Outcome:
    """Sending again will not help: failed for good, or blocked (the person blocked the
    bot); the try is counted."""
    return Outcome(
        row.id, row.participant_id, status, row.attempts + 1, row.due_at, error=error[:500]
    )


def retry_after(row: OutboxMessage, error: str, due_at: datetime) -> Outcome:
    """The messenger asked to wait (429): pending until then, no try counted."""
    return Outcome(
        row.id, row.participant_id, OutboxStatus.PENDING, row.attempts, due_at, error=error[:500]
    )


async def record_and_claim(
    session: AsyncSession, outcomes: Sequence[Outcome], claim: Sequence[int], now: datetime
) -> set[int]:
    """Writes the outcomes that came back and claims the rows about to go out, in one
    transaction; which of `claim` were still pending (the rest were withdrawn). The
    account a message was refused on (403: the person blocked the bot there) becomes
    unreachable, so nothing more is queued for it; their other accounts are untouched."""
    repository = OutboxRepository(session)
    if outcomes:
        await repository.update_many(
            [
                {
                    "id": o.row_id,
                    "status": o.status,
                    "attempts": o.attempts,
                    "due_at": o.due_at,
                    "message_id": o.message_id,
                    "sent_at": o.sent_at,
                    "last_error": o.error,
                }
                for o in outcomes
            ]
        )
        blocked = [o.row_id for o in outcomes if o.status == OutboxStatus.BLOCKED]
        await PeopleRepository(session).mark_unreachable(blocked, now)
    claimed = await repository.claim(claim)
    await session.commit()
    return claimed


async def resend(session: AsyncSession, kind: str, reference: str, now: datetime) -> int:
    """The failed and ambiguous copies of (kind, reference) go out again once the
    session's transaction commits (the caller's, with what it records of it); how many."""
    requeued = await OutboxRepository(session).requeue(
        kind, reference, (OutboxStatus.FAILED, OutboxStatus.AMBIGUOUS), now
    )
    if requeued:
        session.info[_QUEUED] = True
    return requeued


async def counts(
    session: AsyncSession, kind: str, reference: str, *, exact: bool = False
) -> dict[str, int]:
    """Messages by status, of `reference` (`exact`) or of every reference starting with it."""
    return await OutboxRepository(session).counts(kind, reference, exact=exact)
