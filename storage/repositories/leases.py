"""Leases (`leases`): work only one process may do at a time, held by renewing a row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Lease


class LeaseRepository:
    """Each call commits: a lease is only worth anything once the others can see it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take(
        self, name: str, holder: str, now: datetime, until: datetime, *, stale: str | None = None
    ) -> bool:
        """Takes the lease until `until` when it is free, run out, held by `holder` already
        or by `stale` (a holder known to be gone); whether `holder` now holds it."""
        await self._session.execute(
            insert_for(self._session, Lease)
            .values(name=name, holder=None, expires_at=None)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        free = [Lease.holder.is_(None), Lease.expires_at.is_(None), Lease.expires_at <= now]
        free.append(Lease.holder == holder)
        if stale is not None:
            free.append(Lease.holder == stale)
        result = await self._session.execute(
            update(Lease)
            .where(Lease.name == name, or_(*free))
            .values(holder=holder, expires_at=until)
        )
        await self._session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew(self, name: str, holder: str, until: datetime) -> bool:
        """Moves the end of `holder`'s lease to `until`; False when it holds it no more."""
        result = await self._session.execute(
            update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=until)
        )
        await self._session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, name: str, holder: str) -> None:
        await self._session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(holder=None, expires_at=None)
        )
        await self._session.commit()

    async def holder(self, name: str) -> str | None:
        """Who took the lease last (it may have run out since); None when nobody holds it."""
        return await self._session.scalar(select(Lease.holder).where(Lease.name == name))
