from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.db import INSERTS
from storage.models import ProcessedUpdate
from storage.types import utcnow

# Built once per engine kind: every update is claimed (see storage.db.INSERTS).
_CLAIM = {
    name: insert(ProcessedUpdate)
    .values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
    for name, insert in INSERTS.items()
}
_SEEN = select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == bindparam("update_id"))


def claim_in(session: Session, update_id: int) -> bool:
    """Record the update as processed in the session's transaction; False when it already
    was. Synchronous: it also runs inside a commit (see bot.services.updates)."""
    connection = session.connection()  # a plain INSERT: no ORM needed
    result = connection.execute(
        _CLAIM[connection.dialect.name], {"update_id": update_id, "processed_at": utcnow()}
    )
    return bool(result.rowcount)


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, update_id: int) -> bool:
        """Record the update as processed; False when it already was."""
        return await self._session.run_sync(claim_in, update_id)

    async def is_processed(self, update_id: int) -> bool:
        connection = await self._session.connection()
        return (await connection.execute(_SEEN, {"update_id": update_id})).first() is not None

    async def newest(self) -> int | None:
        return await self._session.scalar(select(func.max(ProcessedUpdate.update_id)))

    async def prune(self, older_than: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
