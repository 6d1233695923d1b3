from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Account,
    Assignment,
    Attendance,
    Broadcast,
    Channel,
    EventAnswer,
    Invite,
    JoinRequest,
    Municipality,
    OutboxMessage,
    Participant,
    RequestStatus,
    Role,
    School,
)
from storage.repositories.accounts import AccountRepository


class PeopleRepository:
    """Participants' roles, schools, invites and join requests."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def participant(self, participant_id: int) -> Participant | None:
        return await self._session.get(Participant, participant_id)

    async def holding(self, roles: Sequence[Role]) -> Sequence[Participant]:
        """Registered participants with one of `roles`."""
        result = await self._session.scalars(
            select(Participant)
            .where(Participant.role.in_(roles), Participant.registered_at.is_not(None))
            .order_by(Participant.id)
        )
        return result.all()

    async def schools_of(self, participant_id: int) -> Sequence[School]:
        result = await self._session.scalars(
            select(School)
            .join(Assignment, Assignment.school_id == School.id)
            .where(Assignment.participant_id == participant_id)
            .order_by(School.short_name)
        )
        return result.all()

    async def schools_of_many(self, participant_ids: Sequence[int]) -> dict[int, list[School]]:
        """Each participant's schools (by short name), in one statement."""
        found: dict[int, list[School]] = {each: [] for each in participant_ids}
        if not participant_ids:
            return found
        rows = await self._session.execute(
            select(Assignment.participant_id, School)
            .join(School, School.id == Assignment.school_id)
            .where(Assignment.participant_id.in_(list(participant_ids)))
            .order_by(School.short_name)
        )
        for participant_id, school in rows:
            found[participant_id].append(school)
        return found

    async def municipalities_of(self, participant_ids: Sequence[int]) -> dict[int, set[int]]:
        """Each participant's municipalities: a coordinator's own and their schools' ones
        (archived schools too: the person still belongs there until unassigned)."""
        found: dict[int, set[int]] = {each: set() for each in participant_ids}
        if not participant_ids:
            return found
        rows = await self._session.execute(
            select(Assignment.participant_id, School.municipality_id)
            .join(School, School.id == Assignment.school_id)
            .where(Assignment.participant_id.in_(list(participant_ids)))
        )
        for participant_id, municipality_id in rows.all():
            found[participant_id].add(municipality_id)
        own = await self._session.execute(
            select(Participant.id, Participant.municipality_id).where(
                Participant.id.in_(list(participant_ids)), Participant.municipality_id.is_not(None)
            )
        )
        for coordinator_id, own_id in own.all():
            if own_id is not None:
                found[coordinator_id].add(own_id)
        return found

    async def assign(self, participant_id: int, school_id: int) -> None:
        exists = await self._session.get(Assignment, (participant_id, school_id))
        if exists is None:
            self._session.add(Assignment(participant_id=participant_id, school_id=school_id))

    async def unassign_all(self, participant_id: int) -> None:
        await self._session.execute(
            delete(Assignment).where(Assignment.participant_id == participant_id)
        )

    async def director_of(self, school_id: int) -> Participant | None:
        return await self._session.scalar(
            select(Participant)
            .join(Assignment, Assignment.participant_id == Participant.id)
            .where(
                Assignment.school_id == school_id,
                Participant.role == Role.DIRECTOR,
                Participant.registered_at.is_not(None),
            )
        )

    async def curators_in(self, municipality_id: int) -> Sequence[Participant]:
        """Registered curators with at least one school in the municipality."""
        result = await self._session.scalars(
            select(Participant)
            .join(Assignment, Assignment.participant_id == Participant.id)
            .join(School, School.id == Assignment.school_id)
            .where(
                School.municipality_id == municipality_id,
                Participant.role == Role.CURATOR,
                Participant.registered_at.is_not(None),
            )
            .distinct()
            .order_by(Participant.full_name)
        )
        return result.all()

    async def coordinators_of(self, municipality_id: int) -> Sequence[Participant]:
        """Who decides requests there: its municipal coordinators, then the regional team."""
        result = await self._session.scalars(
            select(Participant)
            .where(
                Participant.registered_at.is_not(None),
                or_(
                    (Participant.role == Role.MUNICIPAL_COORDINATOR)
                    & (Participant.municipality_id == municipality_id),
                    Participant.role.in_([Role.REGIONAL_COORDINATOR, Role.ADMIN]),
                ),
            )
            .order_by(Participant.role, Participant.id)
        )
        return result.all()

    async def invite_by_hash(self, code_hash: str) -> Invite | None:
        return await self._session.scalar(select(Invite).where(Invite.code_hash == code_hash))

    async def usable_invites(self, now: datetime) -> Sequence[Invite]:
        result = await self._session.scalars(
            select(Invite)
            .where(
                Invite.revoked_at.is_(None),
                Invite.expires_at > now,
                or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses),
            )
            .order_by(Invite.id)
        )
        return result.all()

    async def use_invite(self, invite_id: int) -> bool:
        """Counts one use unless the invite is used up; atomic against a concurrent use."""
        result = await self._session.execute(
            update(Invite)
            .where(
                Invite.id == invite_id,
                or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses),
            )
            .values(uses=Invite.uses + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def join_request(self, request_id: int) -> JoinRequest | None:
        return await self._session.get(JoinRequest, request_id)

    async def pending_request_of(self, participant_id: int) -> JoinRequest | None:
        return await self._session.scalar(
            select(JoinRequest).where(
                JoinRequest.participant_id == participant_id,
                JoinRequest.status == RequestStatus.PENDING,
            )
        )

    async def pending_requests(self, municipality_id: int | None) -> Sequence[JoinRequest]:
        statement = (
            select(JoinRequest)
            .join(School, School.id == JoinRequest.school_id)
            .where(JoinRequest.status == RequestStatus.PENDING)
            .order_by(JoinRequest.created_at)
        )
        if municipality_id is not None:
            statement = statement.where(School.municipality_id == municipality_id)
        result = await self._session.scalars(statement)
        return result.all()

    async def members(
        self,
        roles: Sequence[Role],
        municipality_ids: Sequence[int],
        school_ids: Sequence[int] | None,
        only: int | None = None,
        declined_event: int | None = None,
    ) -> Sequence[Participant]:
        """Registered, reachable participants with one of `roles` (any when empty), in one of
        the municipalities (any when empty) and at one of the schools (any when None)."""
        statement = select(Participant).where(
            Participant.registered_at.is_not(None), Participant.id.in_(_reachable())
        )
        if only is not None:
            statement = statement.where(Participant.id == only)
        if roles:
            statement = statement.where(Participant.role.in_(list(roles)))
        if municipality_ids:
            in_municipality = (
                select(Assignment.participant_id)
                .join(School, School.id == Assignment.school_id)
                .where(School.municipality_id.in_(list(municipality_ids)))
            )
            statement = statement.where(
                or_(
                    Participant.municipality_id.in_(list(municipality_ids)),
                    Participant.id.in_(in_municipality),
                )
            )
        if declined_event is not None:
            declined = select(EventAnswer.participant_id).where(
                EventAnswer.event_id == declined_event, EventAnswer.answer == Attendance.NO
            )
            statement = statement.where(Participant.id.in_(declined))
        if school_ids is not None:
            at_schools = select(Assignment.participant_id).where(
                Assignment.school_id.in_(list(school_ids))
            )
            statement = statement.where(Participant.id.in_(at_schools))
        result = await self._session.scalars(statement.order_by(Participant.id))
        return result.all()

    async def municipality_names(self, participant_ids: Sequence[int]) -> dict[int, str]:
        """Each participant's municipality (a coordinator's own, else their school's)."""
        names: dict[int, str] = {}
        schools = await self._session.execute(
            select(Assignment.participant_id, Municipality.short_name)
            .join(School, School.id == Assignment.school_id)
            .join(Municipality, Municipality.id == School.municipality_id)
            .where(Assignment.participant_id.in_(participant_ids))
        )
        names.update(dict(schools.all()))
        coordinators = await self._session.execute(
            select(Participant.id, Municipality.short_name)
            .join(Municipality, Municipality.id == Participant.municipality_id)
            .where(Participant.id.in_(participant_ids))
        )
        names.update(dict(coordinators.all()))
        return names

    async def unreachable_in(self, municipality_id: int) -> Sequence[Participant]:
        """Registered people of the municipality (its coordinators and the staff of its
        schools) whom no messenger delivers to: every account of theirs refused."""
        at_schools = (
            select(Assignment.participant_id)
            .join(School, School.id == Assignment.school_id)
            .where(School.municipality_id == municipality_id)
        )
        result = await self._session.scalars(
            select(Participant)
            .where(
                Participant.registered_at.is_not(None),
                Participant.id.in_(select(Account.participant_id)),
                Participant.id.not_in(_reachable()),
                or_(
                    Participant.municipality_id == municipality_id,
                    Participant.id.in_(at_schools),
                ),
            )
            .order_by(Participant.full_name)
        )
        return result.all()

    async def mark_unreachable(self, outbox_ids: Sequence[int], when: datetime) -> None:
        """The accounts the outbox messages `outbox_ids` were refused on (403) become
        unreachable; the people's other accounts stay as they are."""
        if outbox_ids:
            refused = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.id.in_(list(outbox_ids)),
                    OutboxMessage.participant_id == Account.participant_id,
                    OutboxMessage.channel == Account.channel,
                    OutboxMessage.chat_id == Account.external_id,
                )
                .exists()
            )
            await self._session.execute(
                update(Account)
                .where(Account.unreachable_at.is_(None), refused)
                .values(unreachable_at=when)
            )

    async def delete_participant(self, participant: Participant) -> None:
        """The row and what cascades from it (their accounts among it); copies of their
        ids go too: the progress messages of their announcements are in their chats
        (on MAX a dialog's chat id is not the person's id: found by the author)."""
        telegram_chats = [
            account.external_id
            for account in participant.accounts
            if account.channel == Channel.TELEGRAM
        ]
        theirs = Broadcast.author_id == participant.id
        if telegram_chats:
            theirs = or_(
                theirs,
                and_(
                    Broadcast.progress_channel == Channel.TELEGRAM,
                    Broadcast.progress_chat_id.in_(telegram_chats),
                ),
            )
        await self._session.execute(
            update(Broadcast)
            .where(theirs)
            .values(
                progress_channel=None,
                progress_chat_id=None,
                progress_message_id=None,
                progress_reference=None,
            )
        )
        # Failed link codes counted per account (bot.services.accounts) hold the ids too.
        await AccountRepository(self._session).forget_attempts_of(participant.accounts)
        await self._session.delete(participant)


def _reachable() -> Select[int]:
    """The people with an account the bot can still write to."""
    return select(Account.participant_id).where(Account.unreachable_at.is_(None))
