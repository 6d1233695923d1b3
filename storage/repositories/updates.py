from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import ProcessedUpdate
from storage.types import utcnow


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, update_id: int) -> bool:
        """Record the update as processed; False when it already was."""
        statement = (
            insert_for(self._session, ProcessedUpdate)
            .values(update_id=update_id, processed_at=utcnow())
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self._session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self, older_than: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
