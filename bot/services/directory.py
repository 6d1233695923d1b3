"""The directory: municipalities, schools, and who is registered at each school."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.access import Action, can
from bot.services.errors import AccessDenied, DomainError, NotFound
from storage.models import Municipality, Participant, Role, School
from storage.repositories.directory import MunicipalityRepository, SchoolRepository
from storage.repositories.people import PeopleRepository

PAGE_SIZE = 8
_NOISE = {
    "муниципальный",
    "муниципального",
    "муниципальное",
    "образование",
    "район",
    "района",
    "округ",
    "городской",
    "мо",
    "мр",
    "го",
    "г",
    "ленинградской",
    "области",
    "municipal",
    "district",
    "city",
}


def normalize(text: str) -> str:
    """Case-folded, ё→е, quotes and punctuation dropped, spaces collapsed."""
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[«»\"'`“”„.,;:()№#-]", " ", text)
    return " ".join(text.split())


def school_search_text(full_name: str, short_name: str, code: str) -> str:
    return f"{normalize(full_name)} | {normalize(short_name)} | {code.casefold()}"


class MunicipalityMatcher:
    """Finds a municipality by any usual spelling: «Киришский», «Киришский район»,
    «киришский муниципальный район», «Кириши», its code."""

    def __init__(self, municipalities: Sequence[Municipality]) -> None:
        self._by_key: dict[str, Municipality] = {}
        for municipality in municipalities:
            names = [municipality.code, municipality.name, municipality.short_name]
            for name in [*names, *municipality.aliases]:
                self._by_key[self._key(name)] = municipality

    @staticmethod
    def _key(text: str) -> str:
        return " ".join(word for word in normalize(text).split() if word not in _NOISE)

    def match(self, text: str) -> Municipality | None:
        return self._by_key.get(self._key(text)) if text.strip() else None


async def municipalities(session: AsyncSession) -> Sequence[Municipality]:
    return await MunicipalityRepository(session).all()


async def municipality(session: AsyncSession, municipality_id: int) -> Municipality:
    found = await MunicipalityRepository(session).get(municipality_id)
    if found is None:
        raise NotFound("unknown-municipality")
    return found


async def matcher(session: AsyncSession) -> MunicipalityMatcher:
    return MunicipalityMatcher(await municipalities(session))


async def school(session: AsyncSession, school_id: int) -> School:
    found = await SchoolRepository(session).get(school_id)
    if found is None or found.archived_at is not None:
        raise NotFound("unknown-school")
    return found


@dataclass(frozen=True)
class SchoolPage:
    schools: Sequence[School]
    page: int
    pages: int
    total: int


async def search_schools(
    session: AsyncSession, municipality_id: int, query: str, page: int = 0
) -> SchoolPage:
    """Schools of a municipality matching the typed words, a page at a time."""
    words = normalize(query).split()
    repository = SchoolRepository(session)
    page = max(page, 0)
    schools, total = await repository.search(municipality_id, words, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:  # a stale "next" button after schools were removed: show the last page
        page = pages - 1
        schools, total = await repository.search(
            municipality_id, words, page * PAGE_SIZE, PAGE_SIZE
        )
    return SchoolPage(schools, page, pages, total)


@dataclass
class SchoolRoster:
    school: School
    director: Participant | None = None
    curators: list[Participant] = field(default_factory=list)


async def roster(
    session: AsyncSession, actor: Participant, municipality_id: int
) -> list[SchoolRoster]:
    """Every school of the municipality with its registered director and curators."""
    if not can(actor, Action.VIEW_MUNICIPALITY, municipality_id=municipality_id):
        raise AccessDenied()
    repository = SchoolRepository(session)
    schools = await repository.of_municipality(municipality_id)
    rosters = {school.id: SchoolRoster(school) for school in schools}
    for school_id, person in await repository.staff(list(rosters)):
        if person.role == Role.DIRECTOR:
            rosters[school_id].director = person
        else:
            rosters[school_id].curators.append(person)
    return list(rosters.values())


async def school_roster(session: AsyncSession, actor: Participant, school_id: int) -> SchoolRoster:
    found = await school(session, school_id)
    for entry in await roster(session, actor, found.municipality_id):
        if entry.school.id == school_id:
            return entry
    raise NotFound("unknown-school")


async def rename_municipality(
    session: AsyncSession, actor: Participant, municipality_id: int, new_name: str
) -> Municipality:
    if not can(actor, Action.RENAME_MUNICIPALITY, municipality_id=municipality_id):
        raise AccessDenied()
    name = " ".join(new_name.split())
    if not 3 <= len(name) <= 200:
        raise DomainError("bad-municipality-name")
    found = await municipality(session, municipality_id)
    audit.record(session, actor, "municipality.renamed", found.code, old=found.name, new=name)
    found.name = name
    await session.commit()
    return found


async def programmes(session: AsyncSession) -> list[str]:
    """Every programme some active school takes part in, sorted."""
    names = {
        programme
        for school in await SchoolRepository(session).all()
        if school.archived_at is None
        for programme in school.programmes
    }
    return sorted(names)


async def unreachable(
    session: AsyncSession, actor: Participant, municipality_id: int
) -> Sequence[Participant]:
    """Who in the municipality has blocked the bot: reminders and announcements stop there."""
    if not can(actor, Action.VIEW_MUNICIPALITY, municipality_id=municipality_id):
        raise AccessDenied()
    return await PeopleRepository(session).unreachable_in(municipality_id)


async def schools_by_codes(
    session: AsyncSession, codes: Sequence[str]
) -> tuple[list[School], list[str]]:
    """The active schools with these codes, and the codes that match none."""
    found = await SchoolRepository(session).by_codes(list(codes))
    schools = [found[c] for c in codes if c in found and found[c].archived_at is None]
    missing = [c for c in codes if c not in found or found[c].archived_at is not None]
    return schools, missing


async def archive_school(session: AsyncSession, actor: Participant | None, code: str) -> School:
    """The school leaves the programme: it disappears from searches and rosters, its invites
    stop working; its people keep their data. Importing it again brings it back."""
    if actor is not None and not can(actor, Action.IMPORT_SCHOOLS):
        raise AccessDenied()
    found = await SchoolRepository(session).by_code(code)
    if found is None or found.archived_at is not None:
        raise NotFound("unknown-school")
    found.archived_at = datetime.now(UTC)
    audit.record(session, actor, "school.archived", found.code)
    await session.commit()
    return found
