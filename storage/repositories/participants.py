from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Participant

# Built once: every update looks its participant up (see storage.db.prepared).
_BY_TELEGRAM_ID = select(Participant).where(Participant.telegram_id == bindparam("telegram_id"))


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_telegram_id(self, telegram_id: int) -> Participant | None:
        result = await self._session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
        return result.scalar_one_or_none()

    async def get_or_create(self, telegram_id: int, locale: str) -> Participant:
        """The participant with this Telegram id, created with `locale` if new.

        Safe when two updates of a new user race: the insert ignores the conflict.
        """
        existing = await self.by_telegram_id(telegram_id)
        if existing is not None:
            return existing
        statement = insert_for(self._session, Participant).values(
            telegram_id=telegram_id, locale=locale
        )
        await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["telegram_id"])
        )
        participant = await self.by_telegram_id(telegram_id)
        assert participant is not None
        return participant
