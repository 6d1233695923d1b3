"""The outbox: every message the bot sends on its own initiative goes through here.

Callers enqueue; the delivery loop (`scheduler/delivery.py`) claims due rows, sends them
under Telegram's limits and records the outcome. The unique key (kind, reference,
participant) makes enqueueing idempotent: a restart or a double click never sends twice.

Delivery is at most once: a row is marked `sending` (committed) before the request goes
out, and a process killed in that instant leaves it `sending`; on the next start such rows
are marked failed ("interrupted") rather than sent again. A duplicate announcement is worse
for a director than one lost in a crash, and the report shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Participant
from storage.repositories.outbox import OutboxRepository
from storage.repositories.people import PeopleRepository
from storage.types import utcnow

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True)
class Payload:
    """What to send: text (HTML), inline buttons, an optional document or photo given by
    its Telegram file id."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    document: str | None = None
    photo: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in self.buttons],
            "document": self.document,
            "photo": self.photo,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Payload:
        buttons = [[Button(b["text"], b["data"]) for b in row] for row in data.get("buttons", [])]
        return cls(data["text"], buttons, data.get("document"), data.get("photo"))


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
    """Adds messages in one statement (skipping unreachable people and those who already
    have this (kind, reference)); commits; returns how many are new."""
    due = due_at or utcnow()
    rows = [
        {
            "kind": kind,
            "reference": reference,
            "participant_id": message.participant.id,
            "chat_id": message.participant.telegram_id,
            "payload": message.payload.as_json(),
            "due_at": due,
            "expires_at": expires_at,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
        }
        for message in messages
        if message.participant.unreachable_at is None
    ]
    added = await OutboxRepository(session).add_many(rows)
    await session.commit()
    return added


async def withdraw(session: AsyncSession, kind: str, reference_prefix: str) -> int:
    withdrawn = await OutboxRepository(session).withdraw(kind, reference_prefix)
    await session.commit()
    return withdrawn


@dataclass
class Claimed:
    ready: list[OutboxMessage] = field(default_factory=list)
    expired: list[OutboxMessage] = field(default_factory=list)


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> Claimed:
    """Due rows, marked `sending` and committed before anything is sent."""
    repository = OutboxRepository(session)
    claimed = Claimed()
    for row in await repository.due(now, limit):
        target = claimed.expired if row.expires_at and row.expires_at <= now else claimed.ready
        target.append(row)
    await repository.mark([r.id for r in claimed.ready], OutboxStatus.SENDING)
    await repository.mark(
        [r.id for r in claimed.expired], OutboxStatus.DROPPED, last_error="expired"
    )
    await session.commit()
    return claimed


async def recover_interrupted(session: AsyncSession) -> int:
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


def retry_or_fail(row: OutboxMessage, error: str, due_at: datetime, count_attempt: bool) -> Outcome:
    """Back to pending until `due_at`; after MAX_ATTEMPTS counted failures, failed for good."""
    attempts = row.attempts + (1 if count_attempt else 0)
    status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
    return Outcome(row.id, row.participant_id, status, attempts, due_at, error=error[:500])


async def record(session: AsyncSession, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Writes a batch of outcomes in one transaction; people who blocked the bot (403)
    become unreachable, so nothing more is queued for them."""
    if not outcomes:
        return
    repository = OutboxRepository(session)
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
    blocked = [o.participant_id for o in outcomes if o.status == OutboxStatus.BLOCKED]
    await PeopleRepository(session).mark_unreachable(blocked, now)
    await session.commit()


async def counts(session: AsyncSession, kind: str, reference_prefix: str) -> dict[str, int]:
    return await OutboxRepository(session).counts(kind, reference_prefix)
