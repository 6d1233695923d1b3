"""Webinars from a CSV/XLSX file: date, time, title, link, audience (see docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import directory, events
from bot.services.audience import Audience
from bot.services.errors import DomainError
from bot.services.numbers import whole_number
from bot.services.school_import import RowError, read_table_async
from storage.models import Role

HEADERS = {
    "date": ("date", "дата"),
    "time": ("time", "время"),
    "title": ("title", "название", "тема"),
    "link": ("link", "ссылка"),
    "audience": ("audience", "аудитория", "участники"),
    "duration": ("duration", "длительность"),
}
REQUIRED = ("date", "time", "title", "link")
_ROLE_WORDS = {
    "директора": Role.DIRECTOR,
    "директор": Role.DIRECTOR,
    "directors": Role.DIRECTOR,
    "кураторы": Role.CURATOR,
    "куратор": Role.CURATOR,
    "curators": Role.CURATOR,
    "координаторы": Role.MUNICIPAL_COORDINATOR,
}
_EVERYONE = {"", "все", "всем", "all", "everyone"}


@dataclass(frozen=True)
class WebinarRow:
    row: int
    title: str
    starts_at: datetime
    duration_minutes: int
    link: str
    audience: Audience


@dataclass
class EventImport:
    webinars: list[WebinarRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class RowProblem(Exception):
    """Why a row cannot become a webinar; shown as `import-row-<reason>`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def preview(
    session: AsyncSession, filename: str, content: bytes, zone: ZoneInfo, now: datetime
) -> EventImport:
    """Every webinar the file describes, and every problem of each bad row (one RowError
    per problem, in the order of the columns), so a row is fixed in one go."""
    names = await directory.matcher(session)
    result = EventImport()
    for number, values in await read_table_async(filename, content, HEADERS, REQUIRED):
        webinar, problems = _webinar(number, values, names, zone, now)
        if webinar is not None:
            result.webinars.append(webinar)
        result.errors.extend(
            RowError(number, problem.reason, values.get("title", "")) for problem in problems
        )
    return result


def _webinar(
    number: int,
    values: dict[str, str],
    names: directory.MunicipalityMatcher,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[WebinarRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    if not values.get("title"):
        problems.append(RowProblem("empty-title"))
    day = _date(values["date"])
    if day is None:
        problems.append(RowProblem("bad-date"))
    clock: tuple[int, int] | None = None
    try:
        clock = events.parse_time(values["time"])
    except DomainError:
        problems.append(RowProblem("bad-time"))
    starts_at = None
    if day is not None and clock is not None:
        starts_at = day.replace(hour=clock[0], minute=clock[1], tzinfo=zone)
        if starts_at <= now:
            problems.append(RowProblem("in-past"))
    try:
        link = events.check_link(values["link"])
    except DomainError:
        problems.append(RowProblem("bad-link"))
    duration = values.get("duration") or "90"
    minutes = whole_number(duration)
    if minutes is None or not 10 <= minutes <= 600:
        problems.append(RowProblem("bad-duration"))
    try:
        audience = _audience(values.get("audience", ""), names)
    except RowProblem as problem:
        problems.append(problem)
    if problems or starts_at is None or minutes is None:
        return None, problems
    webinar = WebinarRow(number, values["title"][:300], starts_at, minutes, link, audience)
    return webinar, []


def _date(text: str) -> datetime | None:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


def _audience(text: str, names: directory.MunicipalityMatcher) -> Audience:
    """ "директора", "кураторы Киришский", "500+", "все"... words joined by commas."""
    roles: list[Role] = []
    municipalities: list[int] = []
    programmes: list[str] = []
    for word in (w.strip() for w in text.split(",")):
        key = word.casefold()
        if key in _EVERYONE:
            continue
        if key in _ROLE_WORDS:
            roles.append(_ROLE_WORDS[key])
        elif (municipality := names.match(word)) is not None:
            municipalities.append(municipality.id)
        elif any(ch.isdigit() for ch in word) or word.isupper():
            programmes.append(word)  # "500+", "ШМР", "ВОР"
        else:
            raise RowProblem("bad-audience")
    return Audience(tuple(roles), tuple(programmes), tuple(municipalities))


async def apply(
    session: AsyncSession, filename: str, content: bytes, zone: ZoneInfo, now: datetime
) -> EventImport:
    result = await preview(session, filename, content, zone, now)
    if result.errors:
        raise DomainError("import-has-errors", count=len(result.errors))
    for row in result.webinars:
        await events.create_webinar(
            session,
            None,
            title=row.title,
            starts_at=row.starts_at,
            link=row.link,
            now=now,
            duration_minutes=row.duration_minutes,
            audience=row.audience,
        )
    return result
