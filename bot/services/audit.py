"""The audit log: grants, revocations, imports, renames and deletions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Participant
from storage.types import utcnow


def record(
    session: AsyncSession,
    actor: Participant | None,
    action: str,
    subject: str,
    *,
    at: datetime | None = None,
    **details: Any,
) -> None:
    """Adds an entry to the caller's transaction (it commits with the change it describes);
    `at`: the moment of the change when the caller has one (else the clock's)."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            action=action,
            subject=subject,
            details=details,
            at=at or utcnow(),
        )
    )


async def recent(session: AsyncSession, limit: int = 50) -> Sequence[AuditEntry]:
    result = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return result.all()
