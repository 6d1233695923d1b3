"""A person's accounts: link codes, failed attempts, and moving accounts between rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Account,
    Acknowledgement,
    Channel,
    EventAnswer,
    JoinRequest,
    LinkAttempt,
    LinkCode,
    OutboxMessage,
    OutboxStatus,
    Participant,
    RequestStatus,
    SurveyResponse,
)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- codes -----------------------------------------------------------------------------

    async def code_of(self, participant_id: int) -> LinkCode | None:
        return await self._session.get(LinkCode, participant_id)

    async def code_by_hash(self, code_hash: str) -> LinkCode | None:
        return await self._session.scalar(select(LinkCode).where(LinkCode.code_hash == code_hash))

    async def hash_taken(self, code_hash: str) -> bool:
        return bool(
            await self._session.scalar(select(exists().where(LinkCode.code_hash == code_hash)))
        )

    async def use_code(self, code: LinkCode, moment: datetime) -> bool:
        """Marks the code used, unless another update did first (two accounts entering it
        at once): one conditional UPDATE, so only one of them links."""
        result = await self._session.execute(
            update(LinkCode)
            .where(LinkCode.participant_id == code.participant_id, LinkCode.used_at.is_(None))
            .values(used_at=moment)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return False
        code.used_at = moment
        return True

    # -- attempts --------------------------------------------------------------------------

    async def attempts_of(self, channel: Channel, external_id: int) -> LinkAttempt | None:
        return await self._session.get(LinkAttempt, (channel, external_id))

    async def forget_attempts_before(self, moment: datetime) -> None:
        """Windows that began before `moment` are over: their counts go."""
        await self._session.execute(delete(LinkAttempt).where(LinkAttempt.since < moment))

    async def forget_attempts_of(self, accounts: Sequence[Account]) -> None:
        if not accounts:
            return
        await self._session.execute(
            delete(LinkAttempt).where(
                or_(
                    *(
                        (LinkAttempt.channel == account.channel)
                        & (LinkAttempt.external_id == account.external_id)
                        for account in accounts
                    )
                )
            )
        )

    # -- people ----------------------------------------------------------------------------

    async def has_records(self, participant: Participant) -> bool:
        """Whether the person has anything of their own besides accounts, consent and
        language: a role (or had one), answers to events or surveys, an acknowledged
        announcement, a join request waiting. One statement."""
        if participant.role is not None or participant.registered_at is not None:
            return True
        pid = participant.id
        found = await self._session.scalar(
            select(
                exists().where(EventAnswer.participant_id == pid)
                | exists().where(SurveyResponse.participant_id == pid)
                | exists().where(Acknowledgement.participant_id == pid)
                | exists().where(
                    JoinRequest.participant_id == pid,
                    JoinRequest.status == RequestStatus.PENDING,
                )
            )
        )
        return bool(found)

    async def move_accounts(self, source: Participant, target: Participant) -> None:
        """Every account of `source` becomes `target`'s, and `source`'s row goes with what
        cascades from it (consent, language, queued messages). Statements, not the unit of
        work: the ORM would delete the moved accounts with the row they leave."""
        await self._session.execute(
            update(Account)
            .where(Account.participant_id == source.id)
            .values(participant_id=target.id)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(
            delete(Participant)
            .where(Participant.id == source.id)
            .execution_options(synchronize_session=False)
        )
        self._session.expunge(source)  # and its accounts (the cascade's "all")
        await self._session.refresh(target, ["accounts"])

    async def add_account(
        self, participant: Participant, channel: Channel, external_id: int
    ) -> None:
        self._session.add(
            Account(participant_id=participant.id, channel=channel, external_id=external_id)
        )
        await self._session.flush()
        await self._session.refresh(participant, ["accounts"])

    async def remove_account(self, participant: Participant, account: Account) -> None:
        await self._session.execute(delete(Account).where(Account.id == account.id))
        self._session.expunge(account)
        await self._session.refresh(participant, ["accounts"])

    async def redirect_pending(self, participant: Participant, old: Account, new: Account) -> int:
        """Messages still waiting for `old` go to `new` instead; how many."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.participant_id == participant.id,
                OutboxMessage.channel == old.channel,
                OutboxMessage.chat_id == old.external_id,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(channel=new.channel, chat_id=new.external_id)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
