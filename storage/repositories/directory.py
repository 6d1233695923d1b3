from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Assignment, Municipality, Participant, Role, School


class MunicipalityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> Sequence[Municipality]:
        result = await self._session.scalars(select(Municipality).order_by(Municipality.short_name))
        return result.all()

    async def get(self, municipality_id: int) -> Municipality | None:
        return await self._session.get(Municipality, municipality_id)


class SchoolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, school_id: int) -> School | None:
        return await self._session.get(School, school_id)

    async def by_code(self, code: str) -> School | None:
        return await self._session.scalar(select(School).where(School.code == code))

    async def by_codes(self, codes: Sequence[str]) -> dict[str, School]:
        result = await self._session.scalars(select(School).where(School.code.in_(codes)))
        return {school.code: school for school in result}

    async def by_ids(self, ids: Sequence[int]) -> dict[int, School]:
        result = await self._session.scalars(select(School).where(School.id.in_(ids)))
        return {school.id: school for school in result}

    async def all(self) -> Sequence[School]:
        result = await self._session.scalars(select(School).order_by(School.code))
        return result.all()

    async def search(
        self, municipality_id: int, words: Sequence[str], offset: int, limit: int
    ) -> tuple[Sequence[School], int]:
        """Active schools of a municipality whose names contain every (normalised) word,
        and how many there are in all."""
        condition = [School.municipality_id == municipality_id, School.archived_at.is_(None)]
        condition += [School.search_text.contains(word, autoescape=True) for word in words]
        total = await self._session.scalar(
            select(func.count()).select_from(School).where(*condition)
        )
        result = await self._session.scalars(
            select(School).where(*condition).order_by(School.short_name).offset(offset).limit(limit)
        )
        return result.all(), int(total or 0)

    async def of_municipality(self, municipality_id: int) -> Sequence[School]:
        result = await self._session.scalars(
            select(School)
            .where(School.municipality_id == municipality_id, School.archived_at.is_(None))
            .order_by(School.short_name)
        )
        return result.all()

    async def staff(self, school_ids: Sequence[int]) -> Sequence[tuple[int, Participant]]:
        """(school id, registered director or curator) pairs for these schools."""
        result = await self._session.execute(
            select(Assignment.school_id, Participant)
            .join(Participant, Participant.id == Assignment.participant_id)
            .where(
                Assignment.school_id.in_(school_ids),
                Participant.registered_at.is_not(None),
                Participant.role.in_([Role.DIRECTOR, Role.CURATOR]),
            )
            .order_by(Participant.full_name)
        )
        return [(row[0], row[1]) for row in result.all()]
