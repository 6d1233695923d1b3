"""Joining the bot: consent, invite codes, requests to coordinators, and leaving it.

Roles are granted, never self-declared: a person gets a role from an invite code made by
someone allowed to grant it, from a coordinator's approval, or from ADMIN_IDS (Telegram
ids) and MAX_ADMIN_IDS (MAX's).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, delivery, directory, participants
from bot.services.access import Action, can, can_everywhere
from bot.services.delivery import Outgoing, Payload
from bot.services.errors import AccessDenied, DomainError, NotFound
from storage.models import (
    Channel,
    Invite,
    JoinRequest,
    Municipality,
    Participant,
    RequestStatus,
    Role,
    School,
)
from storage.repositories.directory import MunicipalityRepository, SchoolRepository
from storage.repositories.people import PeopleRepository
from storage.types import utcnow

INVITE_TTL = timedelta(days=14)
SCHOOL_ROLES = (Role.DIRECTOR, Role.CURATOR)
# The roles that decide and manage (with a command menu of their own, bot/telegram/commands.py).
COORDINATOR_ROLES = (Role.MUNICIPAL_COORDINATOR, Role.REGIONAL_COORDINATOR, Role.ADMIN)


# The messages to other people, one per recipient in their language: built by the views
# (bot.notices) and passed in, so this module makes no text while they commit with the change.
# The request to a coordinator who decides it; the decision to the applicant.
RequestNotice = Callable[[JoinRequest, Participant], Payload]
# The revocation to the person whose role was taken.
RevokeNotice = Callable[[Participant], Payload]


def has_own_menu(participant: Participant) -> bool:
    """Coordinators have a command menu of their own (with /requests)."""
    return participant.is_registered and participant.role in COORDINATOR_ROLES


# Telegram allows 1-64 of [A-Za-z0-9_-] in a deep link's start parameter.
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*\.?$")


# -- consent and names ---------------------------------------------------------------------


async def give_consent(session: AsyncSession, participant: Participant) -> Participant:
    """Consent stores the person (from then on, until /forget); the stored participant."""
    participant = await participants.keep(session, participant)
    participant.consent_at = utcnow()
    await session.commit()
    return participant


def clean_full_name(text: str) -> str:
    """A person's name as given: letters with spaces, hyphens, dots; 3 to 100 characters."""
    name = " ".join(text.split())
    if not 3 <= len(name) <= 100 or not _NAME_RE.match(name):
        raise DomainError("bad-name")
    return name


async def change_name(session: AsyncSession, participant: Participant, text: str) -> None:
    participant.full_name = clean_full_name(text)
    await session.commit()


# -- invite codes --------------------------------------------------------------------------


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    return bool(_CODE_RE.match(text.strip()))


@dataclass(frozen=True)
class NewInvite:
    code: str
    invite: Invite
    # What the code is for, to name it to its author: the schools, else the municipality
    # (neither: the whole region).
    schools: list[School] = field(default_factory=list)
    municipality: Municipality | None = None

    @property
    def multi_use(self) -> bool:
        """Whether more than one person may join with the code."""
        return self.invite.max_uses is None or self.invite.max_uses > 1


class Uses(Enum):
    """`create_invite`'s default number of uses: decided by what the code is for."""

    BY_SCOPE = "by scope"


async def create_invite(
    session: AsyncSession,
    actor: Participant | None,
    role: Role,
    *,
    municipality_id: int | None = None,
    school_ids: Sequence[int] = (),
    max_uses: int | Uses | None = Uses.BY_SCOPE,
    ttl: timedelta = INVITE_TTL,
) -> NewInvite:
    """A new code; `actor` None is the operator at the command line (trusted). `max_uses`
    (None: any number) follows from the scope unless given: a school role's code for a
    whole municipality is passed around, so many may use it; any other is for one person."""
    schools = [await directory.school(session, school_id) for school_id in school_ids]
    if schools:
        municipalities = {school.municipality_id for school in schools}
        if len(municipalities) > 1 or (municipality_id not in (None, *municipalities)):
            raise DomainError("invite-mixed-municipalities")
        municipality_id = schools[0].municipality_id
    municipality = None
    if municipality_id is not None:
        municipality = await directory.municipality(session, municipality_id)
    if role in SCHOOL_ROLES and municipality_id is None:
        raise DomainError("invite-needs-school")
    if role is Role.DIRECTOR and len(schools) > 1:
        raise DomainError("invite-one-school")
    if role is Role.MUNICIPAL_COORDINATOR and (municipality_id is None or schools):
        raise DomainError("invite-needs-municipality")
    if role in (Role.REGIONAL_COORDINATOR, Role.ADMIN):
        municipality_id, municipality, schools = None, None, []
    if max_uses is Uses.BY_SCOPE:
        max_uses = None if role in SCHOOL_ROLES and not schools else 1
    if max_uses is not None and max_uses < 1:
        raise DomainError("invite-bad-uses")
    if actor is not None and not can(
        actor, Action.INVITE, municipality_id=municipality_id, role=role
    ):
        raise AccessDenied()
    code = secrets.token_urlsafe(12)
    invite = Invite(
        code_hash=hash_code(code),
        role=role,
        municipality_id=municipality_id,
        school_ids=[school.id for school in schools],
        max_uses=max_uses,
        expires_at=utcnow() + ttl,
        created_by_id=actor.id if actor else None,
    )
    session.add(invite)
    await session.flush()
    audit.record(
        session,
        actor,
        "invite.created",
        f"invite:{invite.id}",
        role=role.value,
        municipality_id=municipality_id,
        school_ids=invite.school_ids,
    )
    await session.commit()
    return NewInvite(code, invite, schools, municipality)


async def usable_invites(session: AsyncSession) -> Sequence[Invite]:
    return await PeopleRepository(session).usable_invites(utcnow())


@dataclass(frozen=True)
class InviteListing:
    """A usable invite with what it is for, as people name it (school codes and names, the
    municipality's name); `missing_school_ids` are schools deleted from the directory."""

    invite: Invite
    schools: list[School]
    missing_school_ids: list[int]
    municipality: Municipality | None


async def list_invites(session: AsyncSession) -> list[InviteListing]:
    invites = await usable_invites(session)
    wanted = sorted({school_id for invite in invites for school_id in invite.school_ids})
    schools = await SchoolRepository(session).by_ids(wanted) if wanted else {}
    municipalities = {m.id: m for m in await MunicipalityRepository(session).all()}
    return [
        InviteListing(
            invite,
            [schools[i] for i in invite.school_ids if i in schools],
            [i for i in invite.school_ids if i not in schools],
            municipalities.get(invite.municipality_id) if invite.municipality_id else None,
        )
        for invite in invites
    ]


async def revoke_invite(session: AsyncSession, actor: Participant | None, invite_id: int) -> None:
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.revoked_at is not None:
        raise NotFound("invite-unknown")
    if actor is not None and not can(
        actor, Action.INVITE, municipality_id=invite.municipality_id, role=Role(invite.role)
    ):
        raise AccessDenied()
    invite.revoked_at = utcnow()
    audit.record(session, actor, "invite.revoked", f"invite:{invite.id}")
    await session.commit()


@dataclass(frozen=True)
class InviteOffer:
    """What a valid code grants: the role and the schools to pick from (or all of them)."""

    invite_id: int
    role: Role
    municipality: Municipality | None
    schools: Sequence[School]  # fixed schools of the invite; empty: choose in the municipality

    @property
    def needs_school_choice(self) -> bool:
        return self.role in SCHOOL_ROLES and not self.schools


async def check_invite(
    session: AsyncSession, code: str, now: datetime | None = None
) -> InviteOffer:
    """The offer behind a code, or a DomainError saying why it cannot be used."""
    if not looks_like_code(code):
        raise DomainError("invite-unknown")
    invite = await PeopleRepository(session).invite_by_hash(hash_code(code))
    if invite is None:
        raise DomainError("invite-unknown")
    if invite.revoked_at is not None:
        raise DomainError("invite-revoked")
    if invite.expires_at <= (now or utcnow()):
        raise DomainError("invite-expired")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise DomainError("invite-used")
    schools = []
    for school_id in invite.school_ids:
        try:
            schools.append(await directory.school(session, school_id))
        except NotFound:
            raise DomainError("invite-school-removed") from None
    municipality = (
        await directory.municipality(session, invite.municipality_id)
        if invite.municipality_id is not None
        else None
    )
    return InviteOffer(invite.id, Role(invite.role), municipality, schools)


async def join_with_invite(
    session: AsyncSession,
    participant: Participant,
    code: str,
    full_name: str,
    school_id: int | None = None,
) -> Participant:
    """Registers the participant with the role and schools of the code (one use of it)."""
    _must_be_new(participant)
    offer = await check_invite(session, code)
    schools = list(offer.schools)
    if offer.needs_school_choice:
        if school_id is None:
            raise DomainError("invite-needs-school")
        chosen = await directory.school(session, school_id)
        if offer.municipality is None or chosen.municipality_id != offer.municipality.id:
            raise AccessDenied()
        schools = [chosen]
    people = PeopleRepository(session)
    if not await people.use_invite(offer.invite_id):
        raise DomainError("invite-used")
    await _grant(
        session,
        participant,
        offer.role,
        full_name,
        schools,
        offer.municipality.id if offer.municipality else None,
        actor=None,
        how=f"invite:{offer.invite_id}",
    )
    await session.commit()
    return participant


def named_admin(
    participant: Participant, admin_ids: Sequence[int], max_admin_ids: Sequence[int] = ()
) -> bool:
    """Whether the settings name the person a first admin: ADMIN_IDS holds Telegram ids,
    MAX_ADMIN_IDS MAX's (a MAX-only deployment's first admin)."""
    telegram_id = participant.external_id(Channel.TELEGRAM)
    max_id = participant.external_id(Channel.MAX)
    return (telegram_id is not None and telegram_id in admin_ids) or (
        max_id is not None and max_id in max_admin_ids
    )


async def join_as_admin(
    session: AsyncSession,
    participant: Participant,
    full_name: str,
    admin_ids: Sequence[int],
    max_admin_ids: Sequence[int] = (),
) -> Participant:
    """The first admins come from the ADMIN_IDS and MAX_ADMIN_IDS settings."""
    _must_be_new(participant)
    if not named_admin(participant, admin_ids, max_admin_ids):
        raise AccessDenied()
    await _grant(session, participant, Role.ADMIN, full_name, [], None, None, "settings")
    await session.commit()
    return participant


def _must_be_new(participant: Participant) -> None:
    if participant.consent_at is None:
        raise DomainError("consent-needed")
    if participant.is_registered:
        raise DomainError("already-registered")


async def _grant(
    session: AsyncSession,
    participant: Participant,
    role: Role,
    full_name: str,
    schools: Sequence[School],
    municipality_id: int | None,
    actor: Participant | None,
    how: str,
) -> None:
    people = PeopleRepository(session)
    if role is Role.DIRECTOR:
        for school in schools:
            current = await people.director_of(school.id)
            if current is not None and current.id != participant.id:
                raise DomainError("school-has-director")
    participant.full_name = clean_full_name(full_name)
    participant.role = role
    participant.municipality_id = municipality_id if role is Role.MUNICIPAL_COORDINATOR else None
    participant.registered_at = utcnow()
    for school in schools:
        await people.assign(participant.id, school.id)
    audit.record(
        session,
        actor,
        "role.granted",
        f"participant:{participant.id}",
        role=role.value,
        schools=[school.code for school in schools],
        municipality_id=municipality_id,
        via=how,
    )


async def join_card_places(
    session: AsyncSession, role: Role, school_id: int | None, municipality_id: int | None
) -> tuple[School | None, Municipality | None]:
    """The school and municipality a joining person's card names: a municipal
    coordinator's own municipality, otherwise the school's."""
    school = await directory.school(session, school_id) if school_id else None
    if municipality_id and role == Role.MUNICIPAL_COORDINATOR:
        return school, await directory.municipality(session, municipality_id)
    return school, school.municipality if school else None


@dataclass(frozen=True)
class Joined:
    """How a confirmed card ended: registered at once (no request), or a request sent
    (queued to the coordinators who are to decide it)."""

    request: JoinRequest | None = None


async def finish_joining(
    session: AsyncSession,
    participant: Participant,
    *,
    full_name: str,
    role: Role,
    code: str,
    school_id: int | None,
    as_admin: bool,
    admin_ids: Sequence[int],
    notice: RequestNotice,
    max_admin_ids: Sequence[int] = (),
) -> Joined:
    """The person confirmed their card: an admin from the settings or a code's holder
    joins at once, anyone else asks the coordinators (`notice`, see `request_to_join`).
    A refusal (DomainError) leaves nothing of the attempt behind."""
    try:
        if as_admin:
            await join_as_admin(session, participant, full_name, admin_ids, max_admin_ids)
        elif code:
            await join_with_invite(session, participant, code, full_name, school_id)
        else:
            if school_id is None:
                raise AccessDenied()
            request = await request_to_join(
                session, participant, school_id, role, full_name, notice=notice
            )
            return Joined(request)
    except DomainError:
        await session.rollback()
        raise
    return Joined()


# -- requests without a code ---------------------------------------------------------------


async def request_to_join(
    session: AsyncSession,
    participant: Participant,
    school_id: int,
    role: Role,
    full_name: str,
    *,
    notice: RequestNotice,
) -> JoinRequest:
    """The request, and its `notice` (with the buttons to decide it) queued to each of its
    deciders, in one commit: a crash or an outage after it loses no coordinator's copy."""
    _must_be_new(participant)
    if role not in SCHOOL_ROLES:
        raise AccessDenied()
    school = await directory.school(session, school_id)
    people = PeopleRepository(session)
    if await people.pending_request_of(participant.id) is not None:
        raise DomainError("request-pending")
    if role is Role.DIRECTOR and await people.director_of(school.id) is not None:
        raise DomainError("school-has-director")
    request = JoinRequest(
        participant_id=participant.id,
        role=role,
        school_id=school.id,
        full_name=clean_full_name(full_name),
    )
    session.add(request)
    await session.flush()  # its id, for the buttons and the outbox reference
    await session.refresh(request)  # its school, for the notice
    outgoing = [Outgoing(p, notice(request, p)) for p in await deciders(session, request)]
    await delivery.queue(session, "join-request", f"request:{request.id}", outgoing)
    await session.commit()
    return request


async def join_request(session: AsyncSession, request_id: int) -> JoinRequest:
    request = await PeopleRepository(session).join_request(request_id)
    if request is None:
        raise NotFound("request-unknown")
    return request


async def pending_request(session: AsyncSession, participant: Participant) -> JoinRequest | None:
    return await PeopleRepository(session).pending_request_of(participant.id)


async def deciders(session: AsyncSession, request: JoinRequest) -> Sequence[Participant]:
    """Who is asked to decide a request: the school's municipal and the regional coordinators."""
    return await PeopleRepository(session).coordinators_of(request.school.municipality_id)


async def pending_requests(
    session: AsyncSession, actor: Participant, municipality_id: int | None
) -> Sequence[JoinRequest]:
    """Open requests in a municipality (None: the whole region, for the regional team)."""
    action = Action.VIEW_MUNICIPALITY if municipality_id else Action.CHOOSE_MUNICIPALITY
    if not can(actor, action, municipality_id=municipality_id):
        raise AccessDenied()
    return await PeopleRepository(session).pending_requests(municipality_id)


async def decide(
    session: AsyncSession,
    actor: Participant,
    request_id: int,
    approve: bool,
    *,
    notice: RequestNotice,
) -> tuple[JoinRequest, Participant | None]:
    """Approves or rejects a pending request, the applicant's `notice` of the decision
    queued in the same commit; the applicant (None if they left the bot)."""
    people = PeopleRepository(session)
    request = await join_request(session, request_id)
    if not can(actor, Action.DECIDE_REQUEST, municipality_id=request.school.municipality_id):
        raise AccessDenied()
    if request.status != RequestStatus.PENDING:
        raise DomainError("request-decided")
    applicant = await people.participant(request.participant_id)
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    if approve and applicant is not None and not applicant.is_registered:
        await _grant(
            session,
            applicant,
            Role(request.role),
            request.full_name,
            [request.school],
            None,
            actor,
            f"request:{request.id}",
        )
        request.status = RequestStatus.APPROVED
    else:
        request.status = RequestStatus.REJECTED
        audit.record(session, actor, "request.rejected", f"request:{request.id}")
    # The request's copies still waiting for other coordinators (an outage kept them) would
    # only say it was decided: dropped with the decision.
    await delivery.withdraw(session, "join-request", f"request:{request.id}", exact=True)
    if applicant is not None:
        told = [Outgoing(applicant, notice(request, applicant))]
        await delivery.queue(session, "join-decision", f"request:{request.id}", told)
    await session.commit()
    return request, applicant


# -- a person's data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    participant: Participant
    schools: Sequence[School]
    municipality: Municipality | None


async def profile(session: AsyncSession, participant: Participant) -> Profile:
    schools = await PeopleRepository(session).schools_of(participant.id)
    municipality_id = participant.municipality_id or (
        schools[0].municipality_id if schools else None
    )
    municipality = (
        await directory.municipality(session, municipality_id) if municipality_id else None
    )
    return Profile(participant, schools, municipality)


async def forget(session: AsyncSession, participant: Participant) -> None:
    """Deletes the person: name, role, schools, requests, answers to events, the messages
    queued for them, all their accounts, and every copy of their ids (an announcement's progress
    message in their chat). What they answered in surveys stays, detached from them
    (foreign keys to participants are SET NULL); the audit log keeps their row's id only.
    Nothing writes them again until they consent anew (see bot.services.participants)."""
    if not participants.is_stored(participant):
        return  # never consented: nothing is kept
    audit.record(session, participant, "participant.forgotten", f"participant:{participant.id}")
    await PeopleRepository(session).delete_participant(participant)
    await session.commit()


async def may_manage(
    session: AsyncSession, actor: Participant, action: Action, targets: Sequence[Participant]
) -> set[int]:
    """The ids of `targets` the actor may do `action` to (REVOKE: to their role): those
    whose every municipality is in the actor's scope."""
    spans = await PeopleRepository(session).municipalities_of([target.id for target in targets])
    return {
        target.id
        for target in targets
        if target.role is not None
        and target.id != actor.id
        and can_everywhere(actor, action, spans[target.id], role=Role(target.role))
    }


async def coordinators(session: AsyncSession) -> Sequence[Participant]:
    """Municipal and regional coordinators and admins: the people with a menu of their own."""
    return await PeopleRepository(session).holding(COORDINATOR_ROLES)


async def revoke(
    session: AsyncSession, actor: Participant, participant_id: int, *, notice: RevokeNotice
) -> Participant:
    """Takes a person's role and schools away; they keep nothing but their Telegram id.
    Their `notice` is queued in the same commit."""
    people = PeopleRepository(session)
    target = await people.participant(participant_id)
    if target is None or target.registered_at is None or target.role is None:
        raise NotFound("participant-unknown")
    if target.id not in await may_manage(session, actor, Action.REVOKE, [target]):
        raise AccessDenied()
    audit.record(session, actor, "role.revoked", f"participant:{target.id}", role=str(target.role))
    # One notice per grant taken away: the grant's time tells a later revocation (after a
    # new grant) from a repeat of this one.
    reference = f"participant:{target.id}:{target.registered_at.isoformat()}"
    await delivery.queue(session, "role-revoked", reference, [Outgoing(target, notice(target))])
    target.role = None
    target.registered_at = None
    target.municipality_id = None
    await people.unassign_all(target.id)
    await session.commit()
    return target


async def assign_curator(
    session: AsyncSession, actor: Participant, curator_id: int, school_id: int
) -> None:
    """Adds a school to a curator's. A municipal coordinator may do so only for a curator
    all of whose schools, and the new one, are in their municipality."""
    school = await directory.school(session, school_id)
    if not can(actor, Action.ASSIGN_CURATOR, municipality_id=school.municipality_id):
        raise AccessDenied()
    people = PeopleRepository(session)
    curator = await people.participant(curator_id)
    if curator is None or curator.role != Role.CURATOR or not curator.is_registered:
        raise NotFound("participant-unknown")
    if curator.id not in await may_manage(session, actor, Action.ASSIGN_CURATOR, [curator]):
        raise AccessDenied()
    await people.assign(curator.id, school.id)
    audit.record(
        session, actor, "curator.assigned", f"participant:{curator.id}", school=school.code
    )
    await session.commit()


async def curators_in(
    session: AsyncSession, actor: Participant, municipality_id: int
) -> Sequence[Participant]:
    """The curators with a school in the municipality whom the actor may assign."""
    if not can(actor, Action.VIEW_MUNICIPALITY, municipality_id=municipality_id):
        raise AccessDenied()
    curators = await PeopleRepository(session).curators_in(municipality_id)
    allowed = await may_manage(session, actor, Action.ASSIGN_CURATOR, curators)
    return [curator for curator in curators if curator.id in allowed]
