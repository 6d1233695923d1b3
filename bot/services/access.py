"""Who may do what, in one place. Handlers ask `can(...)`; they never decide themselves.

Scope rules: a municipal coordinator acts only inside their municipality; regional
coordinators and admins act anywhere; directors and curators manage nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from storage.models import Participant, Role

COORDINATORS = frozenset({Role.MUNICIPAL_COORDINATOR, Role.REGIONAL_COORDINATOR, Role.ADMIN})
REGIONAL = frozenset({Role.REGIONAL_COORDINATOR, Role.ADMIN})


class Action(StrEnum):
    VIEW_MUNICIPALITY = "view_municipality"  # its schools, who is registered, requests
    DECIDE_REQUEST = "decide_request"
    INVITE = "invite"  # needs the invited role
    REVOKE = "revoke"  # needs the target's role
    ASSIGN_CURATOR = "assign_curator"
    RENAME_MUNICIPALITY = "rename_municipality"
    IMPORT_SCHOOLS = "import_schools"
    CHOOSE_MUNICIPALITY = "choose_municipality"  # the whole region is in scope
    MANAGE_EVENTS = "manage_events"  # webinars; moving and cancelling occurrences
    BROADCAST = "broadcast"  # announcements and their reports
    MANAGE_SURVEYS = "manage_surveys"  # load definitions, open and close windows
    VIEW_ANALYTICS = "view_analytics"  # response rates, distributions, engagement, exports


# Which roles an actor may invite (and so grant) or revoke.
_GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.MUNICIPAL_COORDINATOR: frozenset({Role.DIRECTOR, Role.CURATOR}),
    Role.REGIONAL_COORDINATOR: frozenset(
        {Role.DIRECTOR, Role.CURATOR, Role.MUNICIPAL_COORDINATOR, Role.REGIONAL_COORDINATOR}
    ),
    Role.ADMIN: frozenset(Role),
}

_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW_MUNICIPALITY: COORDINATORS,
    Action.DECIDE_REQUEST: COORDINATORS,
    Action.INVITE: COORDINATORS,
    Action.REVOKE: COORDINATORS,
    Action.ASSIGN_CURATOR: COORDINATORS,
    Action.RENAME_MUNICIPALITY: REGIONAL,
    Action.IMPORT_SCHOOLS: frozenset({Role.ADMIN}),
    Action.CHOOSE_MUNICIPALITY: REGIONAL,
    Action.MANAGE_EVENTS: COORDINATORS,
    Action.BROADCAST: COORDINATORS,
    Action.MANAGE_SURVEYS: REGIONAL,
    Action.VIEW_ANALYTICS: COORDINATORS,
}


def can(
    actor: Participant | None,
    action: Action,
    *,
    municipality_id: int | None = None,
    role: Role | None = None,
) -> bool:
    """Whether `actor` may do `action` in `municipality_id` (for INVITE/REVOKE: to `role`)."""
    if actor is None or not actor.is_registered or actor.role is None:
        return False
    actor_role = Role(actor.role)
    if actor_role not in _ROLES[action]:
        return False
    if action in (Action.INVITE, Action.REVOKE) and (
        role is None or role not in _GRANTABLE.get(actor_role, frozenset())
    ):
        return False
    if actor_role is Role.MUNICIPAL_COORDINATOR:
        # Their own municipality only; an action without one is region-wide.
        return municipality_id is not None and municipality_id == actor.municipality_id
    return True


def can_everywhere(
    actor: Participant | None,
    action: Action,
    municipality_ids: Iterable[int | None],
    *,
    role: Role | None = None,
) -> bool:
    """Whether `actor` may do `action` to something that spans these municipalities (a
    person: their coordinator's municipality and their schools' ones). Every one must be
    in scope, so a municipal coordinator cannot reach a person through the one school they
    share; nothing (a person without schools) is region-wide."""
    spanned = set(municipality_ids) or {None}
    return all(can(actor, action, municipality_id=each, role=role) for each in spanned)


def grantable_roles(actor: Participant) -> list[Role]:
    """The roles `actor` may invite people to, in a stable order."""
    if actor.role is None or not actor.is_registered:
        return []
    allowed = _GRANTABLE.get(Role(actor.role), frozenset())
    return [role for role in Role if role in allowed]
