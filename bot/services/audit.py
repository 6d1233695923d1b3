"""The audit log: grants, revocations, imports, renames and deletions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Participant


def record(
    session: AsyncSession,
    actor: Participant | None,
    action: str,
    subject: str,
    **details: Any,
) -> None:
    """Adds an entry to the caller's transaction (it commits with the change it describes)."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None, action=action, subject=subject, details=details
        )
    )


async def recent(session: AsyncSession, limit: int = 50) -> Sequence[AuditEntry]:
    result = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return result.all()
