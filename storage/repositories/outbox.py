from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import LONG_RUNNING, insert_for
from storage.models import Account, Channel, OutboxMessage, OutboxStatus


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """One INSERT for all rows; a row whose (kind, reference, participant) exists is
        skipped. How many were new."""
        if not rows:
            return 0
        statement = (
            insert_for(self._session, OutboxMessage)
            .on_conflict_do_nothing(index_elements=["kind", "reference", "participant_id"])
            .returning(OutboxMessage.id)
        )
        # Executemany: SQLAlchemy batches the rows into multi-row INSERTs ("insertmanyvalues"),
        # and RETURNING counts only the rows that were new.
        result = await self._session.execute(statement, list(rows))
        return len(result.all())

    async def due(
        self,
        now: datetime,
        limit: int,
        *,
        channels: Sequence[Channel] | None = None,
        other_than: Sequence[Channel] = (),
    ) -> Sequence[OutboxMessage]:
        statement = select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
        )
        if channels is not None:
            statement = statement.where(OutboxMessage.channel.in_(list(channels)))
        if other_than:
            statement = statement.where(OutboxMessage.channel.not_in(list(other_than)))
        result = await self._session.scalars(
            statement.order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit)
        )
        return result.all()

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many messages are due and waiting, and since when the oldest of them."""
        row = (
            await self._session.execute(
                select(func.count(), func.min(OutboxMessage.due_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
                )
            )
        ).one()
        # MIN() keeps the column's type: an aware UTC datetime on both engines.
        return int(row[0]), row[1]

    async def count_by_status(self) -> dict[str, int]:
        """Rows per status. Sent rows pile up over a year: counted off the event loop."""
        rows = await self._session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status),
            execution_options=LONG_RUNNING,
        )
        return {str(status): int(count) for status, count in rows.all()}

    async def drop(self, ids: Sequence[int], reason: str) -> None:
        """Drops the rows among `ids` that are still pending (e.g. too late to send)."""
        if ids:
            await self._session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.DROPPED, last_error=reason)
            )

    async def claim(self, ids: Sequence[int]) -> set[int]:
        """Marks `sending` those of `ids` that are still pending (not withdrawn meanwhile);
        which ones."""
        if not ids:
            return set()
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING)
            .returning(OutboxMessage.id)
        )
        return set(result.scalars().all())

    async def update_many(self, values: Sequence[dict[str, Any]]) -> None:
        """One executemany UPDATE by primary key; each dict holds "id" and the new values.
        A row deleted meanwhile (its recipient used /forget while it was on the wire) is
        skipped: the ORM's bulk UPDATE would raise StaleDataError for it, on every retry."""
        if values:
            table = cast(Table, OutboxMessage.__table__)
            statement = update(table).where(table.c.id == bindparam("row_id"))
            rows = [
                {"row_id": v["id"], **{k: x for k, x in v.items() if k != "id"}} for v in values
            ]
            await self._session.execute(statement, rows)

    async def withdraw(self, kind: str, reference: str, *, exact: bool = False) -> int:
        """Drops pending messages whose reference is `reference` (`exact`) or starts with it
        (e.g. every reminder of an event that moved)."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.kind == kind,
                _reference_is(reference, exact),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.DROPPED, last_error="withdrawn")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def interrupted(self) -> int:
        """Messages a killed process had on the wire: they may or may not have arrived."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(
                status=OutboxStatus.AMBIGUOUS,
                last_error="interrupted: may or may not have been delivered",
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def requeue(
        self, kind: str, reference: str, statuses: Sequence[OutboxStatus], now: datetime
    ) -> int:
        """Back to pending, due now and with a fresh retry window, the rows of
        (kind, reference) in `statuses` whose account is still reachable."""
        reachable = (
            select(Account.id)
            .where(
                Account.participant_id == OutboxMessage.participant_id,
                Account.channel == OutboxMessage.channel,
                Account.external_id == OutboxMessage.chat_id,
                Account.unreachable_at.is_(None),
            )
            .exists()
        )
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.kind == kind,
                OutboxMessage.reference == reference,
                OutboxMessage.status.in_(list(statuses)),
                reachable,
            )
            .values(status=OutboxStatus.PENDING, attempts=0, due_at=now, last_error=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self, kind: str, reference: str, *, exact: bool = False) -> dict[str, int]:
        result = await self._session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == kind, _reference_is(reference, exact))
            .group_by(OutboxMessage.status)
        )
        return {str(status): int(count) for status, count in result.all()}


def _reference_is(reference: str, exact: bool) -> ColumnElement[bool]:
    # A prefix without a closing separator matches more than it says: "broadcast:1" is a
    # prefix of "broadcast:12" too. Announcements are matched exactly.
    if exact:
        return OutboxMessage.reference == reference
    return OutboxMessage.reference.startswith(reference, autoescape=True)
