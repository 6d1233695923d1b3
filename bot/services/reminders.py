"""Reminders a coordinator sends by hand («Напомнить неответившим», «Напомнить не
ознакомившимся»). Each one is numbered per subject and noted in the audit log; a second
press within REPEAT_WITHIN of the last reminder that reached the same people sends nothing
until it is confirmed, and a confirmation pressed twice sends once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from storage.models import AuditEntry, Participant

# Half a working day: a reminder sent in the morning is not repeated by the afternoon's
# press without a question.
REPEAT_WITHIN = timedelta(hours=12)
ACTION = "reminder.sent"


@dataclass(frozen=True)
class Reminded:
    number: int  # this reminder's number for the subject (what a confirmation sends)
    queued: int | None  # messages queued; None: not sent, the repeat needs confirming
    last_at: datetime | None  # the latest earlier reminder that reached the same people
    duplicate: bool = False  # the confirmation had already been acted on


def _overlaps(theirs: int | None, mine: int | None) -> bool:
    """Scopes are the region (None) or one municipality: both reach someone in common."""
    return theirs is None or mine is None or theirs == mine


async def send(
    session: AsyncSession,
    actor: Participant,
    subject: str,
    scope: int | None,
    now: datetime,
    deliver: Callable[[int], Awaitable[int]],
    confirmed: int | None = None,
) -> Reminded:
    """`deliver(number)` queues reminder `number` and commits (with the audit entry);
    `confirmed`: the number the coordinator confirmed, None for a first press."""
    entries = list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == ACTION, AuditEntry.subject == subject)
            .order_by(AuditEntry.id)
        )
    )
    number = len(entries) + 1
    reaching = [e for e in entries if _overlaps(e.details.get("municipality"), scope)]
    last_at = reaching[-1].at if reaching else None
    if confirmed is None:
        if last_at is not None and now - last_at < REPEAT_WITHIN:
            return Reminded(number, None, last_at)
    elif confirmed < number:
        return Reminded(confirmed, 0, last_at, duplicate=True)
    audit.record(session, actor, ACTION, subject, at=now, municipality=scope, number=number)
    return Reminded(number, await deliver(number), last_at)
