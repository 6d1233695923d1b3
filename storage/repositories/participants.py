from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from storage.db import insert_for
from storage.models import Account, Channel, Participant

# Built once: every update looks its participant up (see storage.db.prepared). One
# statement brings the person and all their accounts: the account matched is joined under
# an alias, the collection eagerly beside it.
_matched = aliased(Account)
_BY_ACCOUNT = (
    select(Participant)
    .join(_matched, _matched.participant_id == Participant.id)
    .where(
        _matched.channel == bindparam("channel"), _matched.external_id == bindparam("external_id")
    )
    .options(joinedload(Participant.accounts))
)


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_account(self, channel: Channel, external_id: int) -> Participant | None:
        result = await self._session.execute(
            _BY_ACCOUNT, {"channel": channel, "external_id": external_id}
        )
        return result.unique().scalar_one_or_none()

    async def get_or_create(self, channel: Channel, external_id: int, locale: str) -> Participant:
        """The person with this account, created with `locale` if new.

        Safe when two updates of a new user race: the account's insert ignores the
        conflict, and the loser's person row goes again."""
        existing = await self.by_account(channel, external_id)
        if existing is not None:
            return existing
        participant = Participant(locale=locale)
        self._session.add(participant)
        await self._session.flush()
        inserted = await self._session.execute(
            insert_for(self._session, Account)
            .values(participant_id=participant.id, channel=channel, external_id=external_id)
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(Account.id)
        )
        if inserted.scalar_one_or_none() is None:  # another update made the account first
            await self._session.delete(participant)
            await self._session.flush()
        else:
            # The collection was loaded empty at the flush: it gets the account just made.
            self._session.expire(participant, ["accounts"])
        found = await self.by_account(channel, external_id)
        assert found is not None
        return found
