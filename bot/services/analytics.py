"""The regional analysis of surveys, meetings and announcements: response rates, answer
distributions, the engagement index, directors against curators, rounds side by side.

Every view is scoped: a municipal coordinator sees their municipality, the regional team
(and the operator's CLI) the whole region. The counting is SQL (`AnalyticsRepository`);
this module only combines the small aggregated rows. Views return plain values; words and
formats are the business of `bot.reports.analysis` (tables, Excel, CSV) and
`bot.reports.charts`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import broadcasts, surveys
from bot.services.access import Action, can
from bot.services.audience import Audience

# Re-exported: the analysis' callers name them from here.
from bot.services.engagement_rules import COMPONENTS as COMPONENTS
from bot.services.engagement_rules import EngagementRules as EngagementRules
from bot.services.errors import AccessDenied, NotFound
from bot.services.survey_definitions import Question, SurveyDefinition
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Event,
    EventStatus,
    Municipality,
    Participant,
    ResponseStatus,
    Role,
    School,
    Survey,
)
from storage.repositories.analytics import AnalyticsRepository, ValueCount
from storage.repositories.directory import MunicipalityRepository, SchoolRepository
from storage.repositories.people import PeopleRepository

# Question types with a number to average: a scale, a number, yes (1) / no (0).
NUMERIC = ("scale", "number", "yes_no")
CHOICE = ("single", "multi")


# -- what is analysed, and by whom -------------------------------------------------------------


def scope_of(actor: Participant | None) -> int | None:
    """The municipality the actor's views are limited to; None for the whole region (the
    regional team, and the operator at the console, who passes no actor)."""
    if actor is None or can(actor, Action.CHOOSE_MUNICIPALITY):
        return None
    if can(actor, Action.VIEW_ANALYTICS, municipality_id=actor.municipality_id):
        return actor.municipality_id
    raise AccessDenied()


@dataclass(frozen=True)
class Round:
    """One round of a survey: its versions (a definition changed mid-round) as one."""

    code: str
    number: int
    survey_ids: tuple[int, ...]
    definition: SurveyDefinition  # the latest version's
    opens_at: datetime | None
    closes_at: datetime | None

    @property
    def latest_id(self) -> int:
        return self.survey_ids[-1]


def _rounds_of(versions: Iterable[Survey]) -> list[Round]:
    grouped: dict[tuple[str, int], list[Survey]] = defaultdict(list)
    for survey in sorted(versions, key=lambda s: (s.code, s.version)):
        grouped[(survey.code, survey.round)].append(survey)
    return [
        Round(
            code,
            number,
            tuple(s.id for s in group),
            surveys.definition_of(group[-1]),
            group[-1].opens_at,
            group[-1].closes_at,
        )
        for (code, number), group in sorted(grouped.items())
    ]


async def rounds(session: AsyncSession, code: str) -> list[Round]:
    found = await session.scalars(select(Survey).where(Survey.code == code))
    return _rounds_of(found)


async def opened_rounds(session: AsyncSession) -> list[Round]:
    """Every round that has been opened for answers, the newest first."""
    found = await session.scalars(select(Survey))
    opened = [(r.opens_at, r) for r in _rounds_of(found) if r.opens_at is not None]
    return [r for _, r in sorted(opened, key=lambda pair: pair[0], reverse=True)]


async def round_of(session: AsyncSession, code: str, number: int | None = None) -> Round:
    """The round (the latest when `number` is None)."""
    found = await rounds(session, code)
    chosen = [r for r in found if number is None or r.number == number]
    if not chosen:
        raise NotFound("analysis-no-survey")
    return chosen[-1]


async def round_of_survey(session: AsyncSession, survey_id: int) -> Round:
    """The round a survey version belongs to."""
    survey = await surveys.get(session, survey_id)
    return await round_of(session, survey.code, survey.round)


@dataclass(frozen=True)
class Places:
    """Names of the municipalities and schools in the scope."""

    municipality_id: int | None
    municipalities: dict[int, Municipality]
    schools: dict[int, School]
    # False: only some municipalities' schools (a curator's), though not limited to one.
    whole: bool = True

    def municipality(self, municipality_id: int | None) -> str:
        found = self.municipalities.get(municipality_id) if municipality_id else None
        return found.name if found else "—"

    def ordered_municipalities(self) -> list[Municipality]:
        return sorted(self.municipalities.values(), key=lambda m: m.name)


async def places(session: AsyncSession, municipality_id: int | None) -> Places:
    municipalities = {
        m.id: m
        for m in await MunicipalityRepository(session).all()
        if municipality_id is None or m.id == municipality_id
    }
    schools = {
        s.id: s
        for s in await SchoolRepository(session).all()
        if municipality_id is None or s.municipality_id == municipality_id
    }
    return Places(municipality_id, municipalities, schools)


def _in_audience(definition: SurveyDefinition, school: School, places: Places) -> bool:
    audience = definition.audience
    if school.archived_at is not None:
        return False
    if audience.programmes and not set(audience.programmes) & set(school.programmes):
        return False
    if audience.municipalities:
        names = {name.casefold() for name in audience.municipalities}
        municipality = places.municipalities.get(school.municipality_id)
        if municipality is None or not names & {
            n.casefold() for n in (municipality.name, municipality.short_name, municipality.code)
        }:
            return False
    return True


# -- 1. response rates -------------------------------------------------------------------------


@dataclass
class Rate:
    expected: int = 0
    submitted: int = 0
    in_progress: int = 0
    # Schools of the audience that nobody registered can answer for (no director, or no
    # curator for a per-curator survey): not expected, so not counted as silent.
    unattended: int = 0

    @property
    def not_started(self) -> int:
        return max(self.expected - self.submitted - self.in_progress, 0)

    @property
    def share(self) -> float | None:
        return self.submitted / self.expected if self.expected else None

    def add(self, other: Rate) -> None:
        self.expected += other.expected
        self.submitted += other.submitted
        self.in_progress += other.in_progress
        self.unattended += other.unattended


@dataclass(frozen=True)
class SchoolRate:
    school: School
    rate: Rate
    respondents: tuple[str, ...]  # names of those who answered for the school
    submitted_at: datetime | None  # the latest submission


@dataclass(frozen=True)
class ResponseRates:
    round: Round
    total: Rate
    municipalities: dict[int, Rate]  # every municipality in the scope, even with no answers
    schools: list[SchoolRate]  # per school for school and curator units; empty per person


async def response_rates(session: AsyncSession, where: Places, chosen: Round) -> ResponseRates:
    repository = AnalyticsRepository(session)
    definition = chosen.definition
    counts = await repository.status_counts(chosen.survey_ids, where.municipality_id)
    municipalities = {m: Rate() for m in where.municipalities}
    schools: dict[int, Rate] = {}
    if definition.unit == "person":
        for municipality_id, registered in await repository.registered(
            definition.audience.roles, where.municipality_id
        ):
            if municipality_id in municipalities:
                municipalities[municipality_id].expected += registered
        for row in counts:
            if not where.whole and row.municipality_id not in municipalities:
                continue
            rate = municipalities.setdefault(row.municipality_id or 0, Rate())
            _count(rate, row.status, row.count)
    else:
        schools = {
            i: Rate(expected=n)
            for i, n in (await expected_responses(session, definition, where)).items()
        }
        for row in counts:
            if row.school_id is None or row.school_id not in where.schools:
                continue
            _count(schools.setdefault(row.school_id, Rate()), row.status, row.count)
        for school_id, rate in schools.items():
            # A response from a school no longer in the audience (or whose director has left)
            # still counts as expected.
            rate.expected = max(rate.expected, rate.submitted + rate.in_progress)
            rate.unattended = 1 if rate.expected == 0 else 0
            municipalities.setdefault(where.schools[school_id].municipality_id, Rate()).add(rate)
    total = Rate()
    for rate in municipalities.values():
        total.add(rate)
    names: dict[int, list[str]] = defaultdict(list)
    latest: dict[int, datetime] = {}
    for answering, name, status, at in await repository.respondents(
        chosen.survey_ids, where.municipality_id
    ):
        if answering is None:
            continue
        if name:
            names[answering].append(name)
        if status == ResponseStatus.SUBMITTED and at is not None:
            latest[answering] = max(at, latest.get(answering, at))
    rows = [
        SchoolRate(where.schools[i], rate, tuple(sorted(names.get(i, []))), latest.get(i))
        for i, rate in schools.items()
    ]
    rows.sort(key=lambda r: (where.municipality(r.school.municipality_id), r.school.short_name))
    return ResponseRates(chosen, total, municipalities, rows)


async def scoped_round(
    session: AsyncSession, actor: Participant, survey_id: int
) -> tuple[Places, Round]:
    """The places the actor may see (or AccessDenied) and the round of the survey's
    version `survey_id` (as a button carries it)."""
    where = await places(session, scope_of(actor))
    return where, await round_of_survey(session, survey_id)


async def scoped_engagement(
    session: AsyncSession,
    actor: Participant,
    start: datetime,
    now: datetime,
    rules: EngagementRules,
) -> tuple[Places, Engagement]:
    """The places the actor may see (or AccessDenied) and their engagement from `start`
    until now (see `engagement`)."""
    where = await places(session, scope_of(actor))
    return where, await engagement(session, where, start, now, now, rules)


@dataclass(frozen=True)
class RoundSummary:
    """A round's card: its rates in the actor's places, and the previous round's."""

    where: Places
    rates: ResponseRates
    previous: ResponseRates | None  # None: the first round


async def round_summary(session: AsyncSession, actor: Participant, survey_id: int) -> RoundSummary:
    where, chosen = await scoped_round(session, actor, survey_id)
    rates = await response_rates(session, where, chosen)
    earlier = [r for r in await rounds(session, chosen.code) if r.number < chosen.number]
    previous = await response_rates(session, where, earlier[-1]) if earlier else None
    return RoundSummary(where, rates, previous)


async def expected_responses(
    session: AsyncSession, definition: SurveyDefinition, where: Places
) -> dict[int, int]:
    """The one definition of "expected" for per-school surveys, shared by the status view
    and the analysis: per school of the scope in the survey's audience, how many responses
    the registered people can give (per school: its director, if directors are asked; per
    curator and school: each registered curator). 0: nobody can answer for the school."""
    role = Role.DIRECTOR if definition.unit == "school" else Role.CURATOR
    staff = (
        await AnalyticsRepository(session).staff_per_school(role)
        if role in definition.audience.roles
        else {}
    )
    return {
        school.id: min(staff.get(school.id, 0), 1)
        if role == Role.DIRECTOR
        else staff.get(school.id, 0)
        for school in where.schools.values()
        if _in_audience(definition, school, where)
    }


async def watched_places(session: AsyncSession, actor: Participant) -> Places:
    """The places whose survey progress the actor follows: a curator their schools, a
    municipal coordinator their municipality, the regional team the region."""
    if actor.role != Role.CURATOR:
        return await places(session, scope_of(actor))
    mine = {s.id for s in await PeopleRepository(session).schools_of(actor.id)}
    region = await places(session, None)
    schools = {i: s for i, s in region.schools.items() if i in mine}
    homes = {s.municipality_id for s in schools.values()}
    homes_only = {i: m for i, m in region.municipalities.items() if i in homes}
    return Places(None, homes_only, schools, whole=False)


async def survey_progress(
    session: AsyncSession, actor: Participant, survey_id: int
) -> ResponseRates:
    """«Ход опросов»: the same response rates as the analysis, in the actor's places."""
    where = await watched_places(session, actor)
    return await response_rates(session, where, await round_of_survey(session, survey_id))


def extremes(
    shares: dict[int, float], count: int = 3
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """The municipalities with the lowest and the highest shares, at most `count` each and
    never the same one in both: a place is named at an end only if it differs from the
    other end (when everyone is level, neither is named)."""
    ranked = sorted(shares.items(), key=lambda pair: (pair[1], pair[0]))
    if not ranked:
        return [], []
    size = min(count, len(ranked) // 2)
    bottom, top = ranked[0][1], ranked[-1][1]
    lowest = [pair for pair in ranked[:size] if pair[1] < top]
    highest = [pair for pair in ranked[::-1][:size] if pair[1] > bottom]
    return lowest, highest


def _count(rate: Rate, status: str, count: int) -> None:
    if status == ResponseStatus.SUBMITTED:
        rate.submitted += count
    else:
        rate.in_progress += count


# -- 2. answer distributions ---------------------------------------------------------------------


@dataclass(frozen=True)
class NumberStats:
    count: int
    mean: float
    median: float
    stdev: float  # the sample standard deviation (0 for one answer)
    minimum: float
    maximum: float


def number_stats(histogram: dict[float, int]) -> NumberStats | None:
    """Statistics of a distribution given as {value: how many}: the answers are already
    counted per value by the database, so this walks distinct values, not answers."""
    count = sum(histogram.values())
    if not count:
        return None
    values = sorted(histogram)
    mean = sum(v * n for v, n in histogram.items()) / count
    variance = (
        sum(n * (v - mean) ** 2 for v, n in histogram.items()) / (count - 1) if count > 1 else 0.0
    )
    return NumberStats(
        count, mean, _median(values, histogram, count), math.sqrt(variance), values[0], values[-1]
    )


def _median(values: list[float], histogram: dict[float, int], count: int) -> float:
    def nth(k: int) -> float:  # the k-th smallest answer, from 0
        seen = 0
        for value in values:
            seen += histogram[value]
            if k < seen:
                return value
        return values[-1]

    middle = count // 2
    return nth(middle) if count % 2 else (nth(middle - 1) + nth(middle)) / 2


@dataclass(frozen=True)
class Distribution:
    """One question's answers in one municipality (None: the whole scope)."""

    question: Question
    municipality_id: int | None
    answered: int  # responses that gave a value (not a skip)
    options: dict[str, int]  # choice and yes/no ("yes" / "no"): how many picked each
    stats: NumberStats | None  # scale, number

    def share(self, option_id: str) -> float | None:
        return self.options.get(option_id, 0) / self.answered if self.answered else None


@dataclass(frozen=True)
class Distributions:
    round: Round
    questions: list[Distribution]  # per question: the scope first, then each municipality
    texts: list[tuple[Question, int | None, str | None, str | None, str]]
    # (question, municipality, school, author, text) for free-text answers


async def distributions(session: AsyncSession, where: Places, chosen: Round) -> Distributions:
    repository = AnalyticsRepository(session)
    definition = chosen.definition
    counts = await repository.value_counts(chosen.survey_ids, where.municipality_id)
    answered = await repository.answered(chosen.survey_ids, where.municipality_id)
    by_place: dict[tuple[str, int | None], list[ValueCount]] = defaultdict(list)
    for row in counts:
        by_place[(row.question_id, row.group)].append(row)
        by_place[(row.question_id, None)].append(row)
    answered_by: dict[tuple[str, int | None], int] = defaultdict(int)
    for municipality_id, question_id, n in answered:
        answered_by[(question_id, municipality_id)] += n
        answered_by[(question_id, None)] += n
    result = []
    for question in definition.questions:
        if question.type == "text":
            continue
        for municipality_id in [None, *[m.id for m in where.ordered_municipalities()]]:
            rows = by_place.get((question.id, municipality_id), [])
            result.append(
                _distribution(
                    question, municipality_id, rows, answered_by[(question.id, municipality_id)]
                )
            )
    questions = {q.id: q for q in definition.questions}
    texts = [
        (questions[a.question_id], a.municipality_id, a.school, a.author, a.text)
        for a in await repository.text_answers(chosen.survey_ids, where.municipality_id)
        if a.question_id in questions
    ]
    return Distributions(chosen, result, texts)


def _distribution(
    question: Question, municipality_id: int | None, rows: list[ValueCount], answered: int
) -> Distribution:
    options: dict[str, int] = defaultdict(int)
    histogram: dict[float, int] = defaultdict(int)
    for row in rows:
        if row.option_id is not None:
            options[row.option_id] += row.count
        elif row.flag is not None:
            options["yes" if row.flag else "no"] += row.count
        elif row.number is not None:
            histogram[row.number] += row.count
    stats = number_stats(histogram) if question.type in ("scale", "number") else None
    return Distribution(question, municipality_id, answered, dict(options), stats)


# -- 3. the engagement index ---------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    done: int
    expected: int

    @property
    def value(self) -> float:
        return self.done / self.expected if self.expected else 0.0


@dataclass(frozen=True)
class SchoolEngagement:
    school: School
    components: dict[str, Component]  # only those the school was asked for
    index: float | None  # 0–100; None: nothing was asked of the school in the period
    # False: no director is registered, so nobody could have answered: no index, and
    # the school is listed apart rather than as low-engagement.
    attended: bool = True

    def weak(self, threshold: float) -> list[str]:
        """The components that pull the school down (below the threshold), worst first."""
        low = [(c.value, name) for name, c in self.components.items() if c.value * 100 < threshold]
        return [name for _, name in sorted(low)]


@dataclass(frozen=True)
class Engagement:
    start: datetime
    end: datetime
    rules: EngagementRules
    schools: list[SchoolEngagement]  # lowest index first; schools without one last

    def low(self, bottom: int | None = None) -> list[SchoolEngagement]:
        """Schools below the threshold, or the `bottom` lowest when it is given."""
        rated = [s for s in self.schools if s.index is not None]
        if bottom is not None:
            return rated[:bottom]
        return [s for s in rated if s.index is not None and s.index < self.rules.threshold]

    def unattended(self) -> list[SchoolEngagement]:
        """Schools without a registered director: not rated."""
        return [s for s in self.schools if not s.attended]

    def by_municipality(self) -> dict[int, float]:
        """The mean index of each municipality's rated schools."""
        values: dict[int, list[float]] = defaultdict(list)
        for item in self.schools:
            if item.index is not None:
                values[item.school.municipality_id].append(item.index)
        return {m: sum(v) / len(v) for m, v in values.items()}


def index_of(components: dict[str, Component], rules: EngagementRules) -> float | None:
    """100 × the weighted mean of the components the school was asked for."""
    weights = {name: rules.weights.get(name, 0.0) for name in components}
    total = sum(weights.values())
    if not components or total <= 0:
        return None
    return 100 * sum(weights[name] * c.value for name, c in components.items()) / total


def _school_in_event_audience(audience: Audience, school: School) -> bool:
    if audience.roles and not {Role.DIRECTOR, Role.CURATOR} & set(audience.roles):
        return False
    if audience.programmes and not set(audience.programmes) & set(school.programmes):
        return False
    if audience.municipality_ids and school.municipality_id not in audience.municipality_ids:
        return False
    return not audience.school_ids or school.id in audience.school_ids


async def engagement(
    session: AsyncSession,
    where: Places,
    start: datetime,
    end: datetime,
    now: datetime,
    rules: EngagementRules,
) -> Engagement:
    """Per school of the scope, over [start, end): what was asked of it and what it did.

    - surveys: rounds of surveys answered once per school that closed in the period and
      asked the school; done when the school's response was submitted;
    - timeliness: of the same rounds, those submitted before their last day;
    - events: meetings and webinars held in the period whose audience includes the school;
      done when the school's director answered «Буду»;
    - acknowledgements: announcements asking for «Ознакомлен» that reached the school's
      director in the period; done when the director acknowledged.
    """
    repository = AnalyticsRepository(session)
    until = min(end, now)
    schools = [s for s in where.schools.values() if s.archived_at is None]
    expected: dict[int, dict[str, int]] = {s.id: defaultdict(int) for s in schools}
    done: dict[int, dict[str, int]] = {s.id: defaultdict(int) for s in schools}

    closed = _rounds_of(
        await session.scalars(
            select(Survey).where(Survey.closes_at >= start, Survey.closes_at < until)
        )
    )
    deadlines: dict[int, datetime] = {}
    round_of_version: dict[int, tuple[str, int]] = {}
    for item in closed:
        if item.definition.unit != "school" or item.closes_at is None:
            continue  # the school's own answers; curators' and personal ones are not its
        last_day = item.closes_at - timedelta(days=1)
        for survey_id in item.survey_ids:
            deadlines[survey_id] = max(last_day, item.opens_at) if item.opens_at else last_day
            round_of_version[survey_id] = (item.code, item.number)
        for school in schools:
            if _in_audience(item.definition, school, where):
                expected[school.id]["surveys"] += 1
                expected[school.id]["timeliness"] += 1
    submitted: dict[int, set[tuple[str, int]]] = defaultdict(set)
    on_time: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for school_id, survey_id, _, timely in await repository.submissions(
        deadlines, where.municipality_id
    ):
        submitted[school_id].add(round_of_version[survey_id])
        if timely:
            on_time[school_id].add(round_of_version[survey_id])
    for school_id in done:
        done[school_id]["surveys"] = len(submitted.get(school_id, ()))
        done[school_id]["timeliness"] = len(on_time.get(school_id, ()))

    events = list(
        await session.scalars(
            select(Event).where(
                Event.starts_at >= start,
                Event.starts_at < until,
                Event.status != EventStatus.CANCELLED,
            )
        )
    )
    for event in events:
        audience = Audience.from_json(event.audience)
        for school in schools:
            if _school_in_event_audience(audience, school):
                expected[school.id]["events"] += 1
    for school_id, attended in (await repository.events_attended([e.id for e in events])).items():
        if school_id in done:
            done[school_id]["events"] = attended

    announcements = list(
        await session.scalars(
            select(Broadcast).where(
                Broadcast.acknowledge.is_(True),
                Broadcast.send_at >= start,
                Broadcast.send_at < until,
                Broadcast.status != BroadcastStatus.CANCELLED,
            )
        )
    )
    reached, acknowledged = await repository.announcements(
        broadcasts.KIND, {broadcasts.reference(b): b.id for b in announcements}
    )
    for school_id, n in reached.items():
        if school_id in expected:
            expected[school_id]["acknowledgements"] = n
            done[school_id]["acknowledgements"] = min(acknowledged.get(school_id, 0), n)

    directors = await repository.staff_per_school(Role.DIRECTOR)
    result = []
    for school in schools:
        if school.id not in directors:
            result.append(SchoolEngagement(school, {}, None, attended=False))
            continue
        components = {
            name: Component(min(done[school.id][name], n), n)
            for name in COMPONENTS
            if (n := expected[school.id][name])
        }
        result.append(SchoolEngagement(school, components, index_of(components, rules)))
    result.sort(key=lambda s: (s.index is None, s.index or 0.0, s.school.short_name))
    return Engagement(start, end, rules, result)


# -- 4. directors against curators -----------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    """A shared question, one school: each side's mean answer and their gap on a 0–1 scale
    (single choice: the option's position; scale: its range; yes = 1)."""

    school: School
    question: Question
    left: float  # the mean answer (single choice: the mean option position, from 0)
    right: float
    gap: float  # left − right, normalised to 0–1
    flagged: bool


@dataclass(frozen=True)
class Comparison:
    left: Round
    right: Round
    questions: list[Question]
    schools: list[Divergence]  # flagged first, the largest gaps first


def _position(question: Question, row: ValueCount, options: dict[str, float]) -> float | None:
    """The answer as a number: a single choice's option position (from `options`)."""
    if question.type == "single":
        return options.get(row.option_id) if row.option_id is not None else None
    if question.type == "yes_no" and row.flag is not None:
        return 1.0 if row.flag else 0.0
    if question.type in ("scale", "number"):
        return row.number
    return None


def _span(question: Question) -> float | None:
    if question.type == "single":
        return float(len(question.options) - 1) or None
    if question.type == "yes_no":
        return 1.0
    if question.type == "scale" and question.scale is not None:
        return float(question.scale.max - question.scale.min) or None
    if question.type == "number" and question.min is not None and question.max is not None:
        return (question.max - question.min) or None
    return None


def shared_questions(left: SurveyDefinition, right: SurveyDefinition) -> list[Question]:
    """Questions with the same id and type in both, that can be put on one scale."""
    others = {q.id: q for q in right.questions}
    return [
        q
        for q in left.questions
        if q.id in others and others[q.id].type == q.type and _span(q) is not None
    ]


async def _school_means(
    session: AsyncSession, where: Places, chosen: Round, questions: dict[str, Question]
) -> dict[tuple[int, str], float]:
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    # Positions of single-choice options, once per question rather than once per row.
    positions = {
        q.id: {o: float(i) for i, o in enumerate(q.option_ids())} for q in questions.values()
    }
    for row in await AnalyticsRepository(session).value_counts(
        chosen.survey_ids, where.municipality_id, by_school=True, question_ids=list(questions)
    ):
        question = questions.get(row.question_id)
        if row.group is None or question is None:
            continue
        value = _position(question, row, positions[question.id])
        if value is not None:
            total = sums[(row.group, row.question_id)]
            total[0] += value * row.count
            total[1] += row.count
    return {key: s / n for key, (s, n) in sums.items() if n}


async def comparison(
    session: AsyncSession, where: Places, chosen: Round, threshold: float
) -> Comparison | None:
    """The survey against the one its definition names in `compare_with`, in the round
    with the same number (or the other's latest); None when there is nothing to compare."""
    other_code = chosen.definition.compare_with
    if other_code is None:
        return None
    candidates = await rounds(session, other_code)
    if not candidates:
        return None
    same = [r for r in candidates if r.number == chosen.number]
    other = same[0] if same else candidates[-1]
    questions = shared_questions(chosen.definition, other.definition)
    by_id = {q.id: q for q in questions}
    left = await _school_means(session, where, chosen, by_id)
    right = await _school_means(session, where, other, by_id)
    result = []
    for (school_id, question_id), value in left.items():
        if (school_id, question_id) not in right or school_id not in where.schools:
            continue
        question = by_id[question_id]
        span = _span(question) or 1.0
        theirs = right[(school_id, question_id)]
        gap = (value - theirs) / span
        result.append(
            Divergence(
                where.schools[school_id], question, value, theirs, gap, abs(gap) >= threshold
            )
        )
    result.sort(key=lambda d: (not d.flagged, -abs(d.gap), d.school.short_name, d.question.id))
    return Comparison(chosen, other, questions, result)


# -- 5. rounds side by side ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundsView:
    rounds: list[Round]
    rates: dict[int, ResponseRates]  # per round number
    means: dict[tuple[int, int | None, str], float]  # (round, municipality or None, question)
    questions: list[Question]  # the numeric questions of the latest round


async def rounds_view(
    session: AsyncSession,
    where: Places,
    code: str,
    known: dict[int, ResponseRates] | None = None,
) -> RoundsView:
    """`known`: rates already worked out for some rounds (by number), in the same scope."""
    all_rounds = await rounds(session, code)
    if not all_rounds:
        raise NotFound("analysis-no-survey")
    known = known or {}
    rates = {
        r.number: known[r.number] if r.number in known else await response_rates(session, where, r)
        for r in all_rounds
    }
    questions = [q for q in all_rounds[-1].definition.questions if q.type in NUMERIC]
    ids = [s for r in all_rounds for s in r.survey_ids]
    means: dict[tuple[int, int | None, str], float] = {}
    totals: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in await AnalyticsRepository(session).round_means(
        ids, [q.id for q in questions], where.municipality_id
    ):
        means[(row.round, row.municipality_id, row.question_id)] = row.mean
        total = totals[(row.round, row.question_id)]
        total[0] += row.mean * row.count
        total[1] += row.count
    for (number, question_id), (s, n) in totals.items():
        means[(number, None, question_id)] = s / n
    return RoundsView(all_rounds, rates, means, questions)


# -- everything at once ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    places: Places
    rates: ResponseRates
    distributions: Distributions
    engagement: Engagement
    comparison: Comparison | None
    rounds: RoundsView
    anonymised: bool


async def report(
    session: AsyncSession,
    actor: Participant | None,
    code: str,
    *,
    round_number: int | None = None,
    start: datetime,
    end: datetime,
    now: datetime,
    rules: EngagementRules,
    divergence: float,
    anonymised: bool = False,
) -> Report:
    """Every view for one survey round, in the actor's scope."""
    where = await places(session, scope_of(actor))
    chosen = await round_of(session, code, round_number)
    rates = await response_rates(session, where, chosen)
    return Report(
        places=where,
        rates=rates,
        distributions=await distributions(session, where, chosen),
        engagement=await engagement(session, where, start, end, now, rules),
        comparison=await comparison(session, where, chosen, divergence),
        rounds=await rounds_view(session, where, code, known={chosen.number: rates}),
        anonymised=anonymised,
    )
