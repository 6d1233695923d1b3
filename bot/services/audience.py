"""Who a reminder, digest or announcement goes to: roles, programmes, municipalities,
schools. Empty parts mean "any"; the parts combine with AND, values within a part with OR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Action, can
from bot.services.errors import AccessDenied, DomainError
from storage.models import Participant, Role
from storage.repositories.directory import SchoolRepository
from storage.repositories.people import PeopleRepository


@dataclass(frozen=True)
class Audience:
    roles: tuple[Role, ...] = ()
    programmes: tuple[str, ...] = ()
    municipality_ids: tuple[int, ...] = ()
    school_ids: tuple[int, ...] = ()
    # Only those who answered «Не смогу» to this event.
    declined_event_id: int | None = None
    # Only those asked by this survey whose answer is not submitted.
    unsubmitted_survey_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "roles": [role.value for role in self.roles],
            "programmes": list(self.programmes),
            "municipality_ids": list(self.municipality_ids),
            "school_ids": list(self.school_ids),
            "declined_event_id": self.declined_event_id,
            "unsubmitted_survey_id": self.unsubmitted_survey_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            roles=tuple(Role(role) for role in data.get("roles", [])),
            programmes=tuple(data.get("programmes", [])),
            municipality_ids=tuple(int(i) for i in data.get("municipality_ids", [])),
            school_ids=tuple(int(i) for i in data.get("school_ids", [])),
            declined_event_id=data.get("declined_event_id"),
            unsubmitted_survey_id=data.get("unsubmitted_survey_id"),
        )

    def within(self, municipality_id: int) -> Audience:
        """The same audience, limited to one municipality."""
        return replace(self, municipality_ids=(municipality_id,))


async def _school_filter(session: AsyncSession, audience: Audience) -> list[int] | None:
    """The schools the audience is limited to (None: no limit). Programmes are a list on
    each school, matched here rather than in SQL so it reads the same on every engine."""
    if not audience.programmes:
        return list(audience.school_ids) if audience.school_ids else None
    wanted = set(audience.programmes)
    schools = [
        school.id
        for school in await SchoolRepository(session).all()
        if school.archived_at is None and wanted & set(school.programmes)
    ]
    if audience.school_ids:
        schools = [school for school in schools if school in set(audience.school_ids)]
    return schools


async def members(session: AsyncSession, audience: Audience) -> Sequence[Participant]:
    found = await PeopleRepository(session).members(
        audience.roles,
        audience.municipality_ids,
        await _school_filter(session, audience),
        declined_event=audience.declined_event_id,
    )
    if audience.unsubmitted_survey_id is None:
        return found
    waiting = await _unsubmitted(session, audience.unsubmitted_survey_id)
    return [person for person in found if person.id in waiting]


async def _unsubmitted(session: AsyncSession, survey_id: int) -> set[int]:
    from bot.services import surveys  # surveys build on the directory; import when needed

    survey = await surveys.get(session, survey_id)
    return {
        item.participant.id
        for item in await surveys.assignments(session, survey)
        if item.response is None or item.response.status != "submitted"
    }


async def includes(session: AsyncSession, audience: Audience, participant: Participant) -> bool:
    if not participant.is_registered:
        # Audiences are of registered people; and someone not stored (a first visit) has
        # no id, with which `only=None` would not narrow and «everyone» would match.
        return False
    found = await PeopleRepository(session).members(
        audience.roles,
        audience.municipality_ids,
        await _school_filter(session, audience),
        only=participant.id,
        declined_event=audience.declined_event_id,
    )
    if found and audience.unsubmitted_survey_id is not None:
        return participant.id in await _unsubmitted(session, audience.unsubmitted_survey_id)
    return bool(found)


def scoped(actor: Participant | None, audience: Audience) -> Audience:
    """What `actor` may reach of `audience`: a municipal coordinator only their own
    municipality; the regional team and the operator (None) anything."""
    if actor is None or can(actor, Action.CHOOSE_MUNICIPALITY):
        return audience
    if actor.role != Role.MUNICIPAL_COORDINATOR or actor.municipality_id is None:
        raise AccessDenied()
    return audience.within(actor.municipality_id)


async def check_chosen(session: AsyncSession, actor: Participant, audience: Audience) -> None:
    """Refuses an audience a municipal coordinator names outside their municipality (another
    municipality, another's schools). `scoped` would narrow it silently: the author would
    believe it went where it did not."""
    if can(actor, Action.CHOOSE_MUNICIPALITY):
        return
    if any(m != actor.municipality_id for m in audience.municipality_ids):
        raise AccessDenied()  # no button offers it: forged
    schools = SchoolRepository(session)
    elsewhere = []
    for school_id in audience.school_ids:
        school = await schools.get(school_id)
        if school is None or school.municipality_id != actor.municipality_id:
            elsewhere.append(school.code if school else str(school_id))
    if elsewhere:
        raise DomainError("audience-schools-elsewhere", codes=", ".join(elsewhere))
