"""Surveys in the database: loading definitions (with versions), windows, responses and
answers. The answering rules live in `survey_engine`; this module stores their results.

"""

from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Exists,
    Select,
    Text,
    Update,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from bot.services import audit, directory
from bot.services.errors import AccessDenied, DomainError, NotFound
from bot.services.numbers import whole_number
from bot.services.survey_definitions import Question, SurveyDefinition
from bot.services.survey_engine import AnswerError, SurveyEngine
from storage.db import insert_for
from storage.models import Assignment as SchoolAssignment
from storage.models import (
    Participant,
    ResponseStatus,
    Role,
    School,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyStatus,
)
from storage.repositories.directory import SchoolRepository
from storage.repositories.people import PeopleRepository


@dataclass(frozen=True)
class Loaded:
    survey: Survey
    outcome: str  # created | updated | unchanged | new-version


async def load(
    session: AsyncSession, actor: Participant | None, definition: SurveyDefinition
) -> Loaded:
    """Creates the survey, or updates its latest version in place while nobody has
    answered it; once answers exist, a changed definition becomes a new version."""
    latest = await _latest(session, definition.code)
    data = definition.model_dump(mode="json")
    if latest is None:
        survey = Survey(code=definition.code, version=1, definition=data)
        session.add(survey)
        outcome = "created"
    elif latest.definition == data or definition_of(latest) == definition:
        # Compared as read, too: a definition stored before a field with a default was
        # added reads the same as the file, and is not a change.
        return Loaded(latest, "unchanged")
    elif not await _has_responses(session, latest.id):
        latest.definition = data
        survey, outcome = latest, "updated"
    else:
        survey = Survey(
            code=definition.code,
            version=latest.version + 1,
            round=latest.round,
            definition=data,
            opens_at=latest.opens_at,
            closes_at=latest.closes_at,
            status=latest.status,
        )
        session.add(survey)
        outcome = "new-version"
    await session.flush()
    audit.record(session, actor, f"survey.{outcome}", f"survey:{survey.code}:v{survey.version}")
    await session.commit()
    return Loaded(survey, outcome)


async def _latest(session: AsyncSession, code: str) -> Survey | None:
    return await session.scalar(
        select(Survey).where(Survey.code == code).order_by(Survey.version.desc()).limit(1)
    )


async def _has_responses(session: AsyncSession, survey_id: int) -> bool:
    count = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.survey_id == survey_id)
    )
    return bool(count)


async def get(session: AsyncSession, survey_id: int) -> Survey:
    found = await session.get(Survey, survey_id)
    if found is None:
        raise NotFound("survey-unknown")
    return found


async def latest(session: AsyncSession, code: str) -> Survey:
    found = await _latest(session, code)
    if found is None:
        raise NotFound("survey-unknown")
    return found


async def open_window(
    session: AsyncSession,
    actor: Participant | None,
    code: str,
    closes_at: datetime,
    now: datetime,
    opens_at: datetime | None = None,
    *,
    new_round: bool = False,
) -> Survey:
    """Opens (or extends) the latest round's window; `new_round` starts the next round
    instead: the same questions, fresh responses, the earlier rounds kept for comparison."""
    survey = await latest(session, code)
    opens = opens_at or now
    if closes_at <= max(opens, now):
        raise DomainError("survey-bad-window")
    if new_round:
        if is_open(survey, now):
            raise DomainError("survey-round-open")
        survey = Survey(
            code=survey.code,
            version=survey.version + 1,
            round=survey.round + 1,
            definition=survey.definition,
        )
        session.add(survey)
    survey.opens_at, survey.closes_at = opens, closes_at
    survey.status = SurveyStatus.OPEN
    audit.record(
        session,
        actor,
        "survey.opened",
        f"survey:{code}",
        round=survey.round,
        opens=opens.isoformat(),
        closes=closes_at.isoformat(),
    )
    await session.commit()
    return survey


async def close(
    session: AsyncSession, actor: Participant | None, code: str, now: datetime
) -> Survey:
    survey = await latest(session, code)
    survey.status = SurveyStatus.CLOSED
    survey.closes_at = min(survey.closes_at or now, now)
    audit.record(session, actor, "survey.closed", f"survey:{code}")
    await session.commit()
    return survey


def is_open(survey: Survey, now: datetime) -> bool:
    return (
        survey.status == SurveyStatus.OPEN
        and survey.opens_at is not None
        and survey.closes_at is not None
        and survey.opens_at <= now < survey.closes_at
    )


def definition_of(survey: Survey) -> SurveyDefinition:
    """The validated definition; parsed once per distinct content (every answer needs it).

    The last one seen for each survey row is kept with the content it came from: comparing
    two dicts costs far less than the canonical JSON that finds a parsed definition by
    content (a definition can still change in place while nobody has answered)."""
    seen = _LAST_SEEN.get(survey.id)
    if seen is not None and (seen[0] is survey.definition or seen[1] == survey.definition):
        return seen[2]
    parsed = _parse(json.dumps(survey.definition, sort_keys=True, ensure_ascii=False))
    if survey.id is not None:
        _LAST_SEEN[survey.id] = (survey.definition, copy.deepcopy(survey.definition), parsed)
    return parsed


# survey id: (the definition object last seen, a copy of its content, the parsed definition)
_LAST_SEEN: dict[int, tuple[dict[str, Any], dict[str, Any], SurveyDefinition]] = {}


@functools.lru_cache(maxsize=64)
def _parse(canonical: str) -> SurveyDefinition:
    return SurveyDefinition.model_validate_json(canonical)


async def overview(session: AsyncSession) -> list[tuple[Survey, int, int]]:
    """Every survey's latest version with (responses in progress, submitted)."""
    latest_ids = select(func.max(Survey.id)).group_by(Survey.code)
    surveys = list(
        await session.scalars(select(Survey).where(Survey.id.in_(latest_ids)).order_by(Survey.code))
    )
    rows = await session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.status, func.count()).group_by(
            SurveyResponse.survey_id, SurveyResponse.status
        )
    )
    counts: dict[tuple[int, str], int] = {(s, str(st)): n for s, st, n in rows.all()}
    return [
        (
            s,
            counts.get((s.id, ResponseStatus.IN_PROGRESS), 0),
            counts.get((s.id, ResponseStatus.SUBMITTED), 0),
        )
        for s in surveys
    ]


# -- responses ----------------------------------------------------------------------------


def unit_key(survey: Survey, participant: Participant, school_id: int | None) -> str:
    unit = survey.definition["unit"]
    if unit == "person":
        return f"person:{participant.id}"
    if school_id is None:
        raise DomainError("survey-needs-school")
    if unit == "school":
        return f"school:{school_id}"
    return f"curator:{participant.id}:school:{school_id}"


# -- whose response it is ------------------------------------------------------------------
#
# A response for a school belongs to whoever holds the role for that school now: the
# school's director (unit "school"), a curator assigned to it ("curator_school"). Its
# respondent (`participant_id`) may answer only while they hold it; once they no longer do
# (/forget, a revoked role, a school taken away) a response still in progress passes to the
# school's next holder when they open it, answers and step kept. A submitted one stays with
# whoever submitted it; the next holder may read it.


class NotHolder(DomainError):
    """The participant's own response, but they no longer hold the role for its school."""

    def __init__(self) -> None:
        super().__init__("survey-not-holder")


_RESPONDENT = {"school": Role.DIRECTOR, "curator_school": Role.CURATOR}


def role_now(participant: Participant) -> str | None:
    """The role the participant holds now (None: not registered, or it was taken away)."""
    return participant.role if participant.is_registered else None


def _holds(definition: SurveyDefinition, role: str | None, assigned: bool) -> bool:
    """Whether someone with `role`, assigned to the school (or not), holds a unit of the
    survey: the audience's role, and for a school's unit its director or curator."""
    if role is None or role not in definition.audience.roles:
        return False
    respondent = _RESPONDENT.get(definition.unit)
    return respondent is None or (assigned and role == respondent)


def _held_by_respondent(role: Role) -> Exists:
    """Whether a response's respondent still holds its school in `role` (SQL)."""
    return exists().where(
        SchoolAssignment.participant_id == SurveyResponse.participant_id,
        SchoolAssignment.school_id == SurveyResponse.school_id,
        Participant.id == SchoolAssignment.participant_id,
        Participant.role == role,
        Participant.registered_at.is_not(None),
    )


async def _orphans(
    session: AsyncSession,
    survey: Survey,
    definition: SurveyDefinition,
    school_id: int | None = None,
    response_id: int | None = None,
) -> list[SurveyResponse]:
    """The survey's responses in progress for schools whose respondent no longer holds the
    school (oldest first): they wait for the school's next director or curator."""
    role = _RESPONDENT.get(definition.unit)
    if role is None:
        return []
    statement = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        SurveyResponse.status == ResponseStatus.IN_PROGRESS,
        SurveyResponse.school_id.is_not(None),
        ~_held_by_respondent(role),
    )
    if school_id is not None:
        statement = statement.where(SurveyResponse.school_id == school_id)
    if response_id is not None:
        statement = statement.where(SurveyResponse.id == response_id)
    return list(await session.scalars(statement.order_by(SurveyResponse.id)))


async def _take_over(
    session: AsyncSession, participant: Participant, response: SurveyResponse, key: str
) -> bool:
    """Makes the participant the respondent of an orphaned response (see `_orphans`), with
    their unit's key; False if someone else took it first."""
    previous = response.participant_id
    taken = await session.execute(
        update(SurveyResponse)
        .where(
            SurveyResponse.id == response.id,
            SurveyResponse.status == ResponseStatus.IN_PROGRESS,
            SurveyResponse.participant_id.is_not_distinct_from(previous),
            SurveyResponse.unit_key == response.unit_key,
        )
        .values(participant_id=participant.id, unit_key=key)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return False
    set_committed_value(response, "participant_id", participant.id)
    set_committed_value(response, "unit_key", key)
    audit.record(
        session,
        participant,
        "survey.response-taken-over",
        f"response:{response.id}",
        previous=previous,
    )
    await session.commit()
    return True


def is_mine(response: SurveyResponse, participant: Participant) -> bool:
    """Whether the participant is the response's respondent (others may only read it)."""
    return response.participant_id == participant.id


async def start(
    session: AsyncSession,
    participant: Participant,
    survey_id: int,
    now: datetime,
    school_id: int | None = None,
) -> SurveyResponse:
    """The response for the participant's unit: created on the first visit, resumed after;
    a school's response whose respondent no longer holds the school is taken over. One
    submitted by someone else comes back read-only (`is_mine` is False)."""
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("survey-unknown")
    definition = definition_of(survey)
    if not _holds(definition, role_now(participant), assigned=True):
        raise AccessDenied()
    if not is_open(survey, now):
        raise DomainError("survey-closed")
    schools = {s.id for s in await PeopleRepository(session).schools_of(participant.id)}
    if definition.unit != "person" and school_id not in schools:
        raise AccessDenied()
    allowed = await _audience_schools(session, definition)
    if allowed is not None and not allowed & ({school_id} if school_id else schools):
        raise AccessDenied()  # the survey asks other programmes or municipalities
    key = unit_key(survey, participant, school_id)
    response = await session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.unit_key == key
        )
    )
    if response is not None and not is_mine(response, participant):
        # The school's response (unit "school"): the previous director's, if they left.
        if await _orphans(session, survey, definition, response_id=response.id):
            await _take_over(session, participant, response, key)
        return response
    if response is None:
        if definition.unit == "curator_school":
            # A curator new to the school goes on with what their predecessor began.
            for orphan in await _orphans(session, survey, definition, school_id=school_id):
                if await _take_over(session, participant, orphan, key):
                    return orphan
        # Started twice at once (a double tap, two replicas): the unit's unique key keeps
        # one response, and both presses open it.
        await session.execute(
            insert_for(session, SurveyResponse)
            .values(
                survey_id=survey.id,
                unit_key=key,
                school_id=school_id,
                participant_id=participant.id,
                started_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["survey_id", "unit_key"])
        )
        await session.commit()
        response = await session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == survey.id, SurveyResponse.unit_key == key
            )
        )
        assert response is not None
    return response


# -- answering ------------------------------------------------------------------------------
#
# The statements of an answer (find the response, read its answers, write the new ones and
# the step, commit) run as one synchronous unit in SQLAlchemy's greenlet
# (`AsyncSession.run_sync`): each awaited call of the session starts a greenlet of its own,
# which on SQLite costs more than the statement. The async functions below are the API.

# Built once (every answer runs them): see storage.db.INSERTS.
_ANSWERS = (
    select(
        SurveyAnswer.question_id,
        SurveyAnswer.option_id,
        SurveyAnswer.number,
        SurveyAnswer.text,
        SurveyAnswer.flag,
    )
    .where(SurveyAnswer.response_id == bindparam("response_id"))
    .order_by(SurveyAnswer.question_id, SurveyAnswer.position)
)
_INSERT_ANSWERS = insert(SurveyAnswer)
_RESPONSE_AND_SURVEY = (
    select(
        SurveyResponse,
        Survey,
        # Whether the person answering is assigned to the response's school now: part of
        # the statement every answer runs anyway (a primary-key lookup), not one more.
        exists()
        .where(
            SchoolAssignment.participant_id == bindparam("participant_id"),
            SchoolAssignment.school_id == SurveyResponse.school_id,
        )
        .label("assigned"),
    )
    .join(Survey, Survey.id == SurveyResponse.survey_id)
    .where(SurveyResponse.id == bindparam("response_id"))
    # Presses on the same response wait for each other (PostgreSQL: a row lock until the
    # answer commits; SQLite has one writer anyway), so the second one reads the step the
    # first moved on and is refused as outdated instead of answering the same question.
    .with_for_update(of=SurveyResponse)
    .execution_options(populate_existing=True)
)
# PostgreSQL: the same without the definition, but with its fingerprint. asyncpg decodes
# JSON itself, so SharedJSON's cache cannot help there: each answer decoded the definition
# (some 10 KB) and compared it with the one last seen, about a tenth of an answer's CPU.
# The fingerprint is of the stored text, so a definition changed in place (allowed while
# nobody has answered) is read again.
_FINGERPRINT = func.md5(cast(Survey.definition, Text))
_RESPONSE_AND_SURVEY_FINGERPRINTED = _RESPONSE_AND_SURVEY.add_columns(
    _FINGERPRINT.label("fingerprint")
).options(defer(Survey.definition))
_DEFINITION_BY_FINGERPRINT = select(Survey.definition, _FINGERPRINT).where(
    Survey.id == bindparam("survey_id")
)


@dataclass(frozen=True)
class Pressed:
    """What a button under a question did, committed: the response as it now stands."""

    response: SurveyResponse
    survey: Survey
    question: Question  # whose button it was
    answers: dict[str, Any]
    saved: bool  # an answer (or a skip) was stored; else a tick changed, or a step back
    # Later questions the answer ruled out (show_if): their answers were deleted with it.
    dropped: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """A typed answer, committed: the answers as they now stand, and the later questions
    whose answers it dropped (they are no longer asked)."""

    answers: dict[str, Any]
    dropped: tuple[Question, ...]


def _press(
    session: Session,
    participant_id: int,
    role: str | None,
    response_id: int,
    index: int,
    action: str,
    raw: str,
    now: datetime,
) -> Pressed:
    response, survey = _owned_in(session, participant_id, role, response_id)
    definition = definition_of(survey)
    if not 0 <= index < len(definition.questions):
        raise AccessDenied()
    question = definition.questions[index]
    if index != response.step:  # a question no longer on screen
        raise AnswerError("stale-button")
    engine = SurveyEngine(definition)
    current = _answers_in(session, definition, response.id)
    if action == "back":
        previous = engine.previous(current, question.id)
        step = definition.place(previous.id) if previous else index
        _move_in(session, response, definition, current, step if is_open(survey, now) else None)
        return Pressed(response, survey, question, current, saved=False)
    if not is_open(survey, now):
        raise DomainError("survey-closed")
    if action == "keep":
        if question.id not in current:
            raise AnswerError("stale-button")
        _move_in(
            session,
            response,
            definition,
            current,
            _step_after(engine, response.status, current, question.id),
        )
        return Pressed(response, survey, question, current, saved=False)
    if action == "tog":
        _save_in(session, response, {"picked": _toggle(response.picked, _option(question, raw))})
        session.commit()
        return Pressed(response, survey, question, current, saved=False)
    value = _value(question, raw, response.picked)
    stored = _store_in(
        session, response, engine, current, question.id, value, now, skip=action == "skip"
    )
    return Pressed(response, survey, question, stored.answers, saved=True, dropped=stored.dropped)


def _option(question: Question, raw: str) -> str:
    index = whole_number(raw)
    if index is None or index >= len(question.options):
        raise AnswerError("unknown-option")
    return str(question.options[index].id)


def _toggle(picked: list[str], option: str) -> list[str]:
    return [p for p in picked if p != option] if option in picked else [*picked, option]


def _value(question: Question, raw: str, picked: list[str]) -> Any:
    """A button's value as an answer to its question (the engine checks it)."""
    if question.type == "single":
        return _option(question, raw)
    if question.type == "multi":
        return list(picked)
    if question.type == "scale":
        value = whole_number(raw, signed=True)
        if value is None:
            raise AnswerError("unknown-option")
        return value
    if question.type == "yes_no":
        if raw not in ("0", "1"):
            raise AnswerError("unknown-option")
        return raw == "1"
    return None  # "skip" on a typed question


async def record(
    session: AsyncSession,
    participant: Participant,
    response_id: int,
    question_id: str,
    value: Any,
    now: datetime,
    *,
    skip: bool = False,
) -> Recorded:
    """Checks the answer (or skip), stores the response's answers and returns them. Every
    answer is committed at once: a restart, or days later, continues from here."""
    return await session.run_sync(
        _record,
        participant.id,
        role_now(participant),
        response_id,
        question_id,
        value,
        now,
        skip,
    )


def _record(
    session: Session,
    participant_id: int,
    role: str | None,
    response_id: int,
    question_id: str,
    value: Any,
    now: datetime,
    skip: bool,
) -> Recorded:
    response, survey = _owned_in(session, participant_id, role, response_id)
    if not is_open(survey, now):
        raise DomainError("survey-closed")
    definition = definition_of(survey)
    current = _answers_in(session, definition, response.id)
    return _store_in(
        session, response, SurveyEngine(definition), current, question_id, value, now, skip=skip
    )


def _store_in(
    session: Session,
    response: SurveyResponse,
    engine: SurveyEngine,
    current: dict[str, Any],
    question_id: str,
    value: Any,
    now: datetime,
    *,
    skip: bool,
) -> Recorded:
    """Stores an answer over `current` and moves the respondent on to the next question
    (see `SurveyEngine.after`); committed. Only the rows of questions whose answer changed
    (this one, and those it hides) are rewritten."""
    if skip:
        updated = engine.skip(current, question_id)
    else:
        updated = engine.answer(current, question_id, value)
    changed = [
        key for key, stored in updated.items() if key not in current or current[key] != stored
    ]
    stale = [key for key in current if key not in updated or key in changed]
    if stale:
        session.execute(
            delete(SurveyAnswer).where(
                SurveyAnswer.response_id == response.id, SurveyAnswer.question_id.in_(stale)
            )
        )
    definition = engine.definition
    rows = [
        row
        for key in changed
        for row in _rows_of(response.id, key, definition.question(key).type, updated[key])
    ]
    if rows:
        session.connection().execute(_INSERT_ANSWERS, rows)
    changes: dict[str, Any] = {"updated_at": now}
    if response.status == ResponseStatus.SUBMITTED and not engine.is_complete(updated):
        changes |= {"status": ResponseStatus.IN_PROGRESS, "submitted_at": None}
    step = _step_after(engine, changes.get("status", response.status), updated, question_id)
    _save_in(session, response, changes | _position(definition, updated, step))
    session.commit()
    dropped = tuple(definition.question(key) for key in current if key not in updated)
    return Recorded(updated, dropped)


async def answers(session: AsyncSession, response: SurveyResponse) -> dict[str, Any]:
    """The stored answers as the engine sees them."""
    return await session.run_sync(_answers_of, response)


def _answers_of(session: Session, response: SurveyResponse) -> dict[str, Any]:
    survey = session.get(Survey, response.survey_id)
    assert survey is not None
    return _answers_in(session, definition_of(survey), response.id)


def _answers_in(session: Session, definition: SurveyDefinition, response_id: int) -> dict[str, Any]:
    # Plain rows, no ORM: through the session's connection (its transaction).
    rows = session.connection().execute(_ANSWERS, {"response_id": response_id})
    values: dict[str, Any] = {}
    for row in rows:
        _add_row(values, definition, row)
    return values


def _add_row(values: dict[str, Any], definition: SurveyDefinition, row: Any) -> None:
    """One answer row into the answers as the engine sees them (a multi-choice answer has
    a row per option)."""
    kind = definition.question(row.question_id).type
    if kind == "multi":
        values.setdefault(row.question_id, [])
        if row.option_id is not None:
            values[row.question_id].append(row.option_id)
    else:
        values[row.question_id] = _value_of(kind, row)


def _value_of(kind: str, row: Any) -> Any:
    """The value of an answer row (option_id, number, text, flag) as the engine sees it."""
    if kind == "single":
        return row.option_id
    if kind == "yes_no":
        return row.flag
    if kind in ("scale", "number"):
        if row.number is None:
            return None
        return int(row.number) if kind == "scale" or row.number.is_integer() else row.number
    return row.text


def _rows_of(response_id: int, question_id: str, kind: str, value: Any) -> list[dict[str, Any]]:
    """The answer's rows (all columns of each, for one executemany INSERT)."""

    def row(position: int = 0, **typed: Any) -> dict[str, Any]:
        return {
            "response_id": response_id,
            "question_id": question_id,
            "position": position,
            "option_id": None,
            "number": None,
            "text": None,
            "flag": None,
            **typed,
        }

    if value is None:
        return [row()]
    if kind == "multi":
        if not value:
            return [row()]
        return [row(i, option_id=o) for i, o in enumerate(value)]
    if kind == "single":
        return [row(option_id=value)]
    if kind == "yes_no":
        return [row(flag=value)]
    if kind in ("scale", "number"):
        return [row(number=float(value))]
    return [row(text=value)]


def _owned_in(
    session: Session, participant_id: int, role: str | None, response_id: int
) -> tuple[SurveyResponse, Survey]:
    """The response with its survey, if it is the participant's (AccessDenied if not) and
    they hold its unit now, in `role` (NotHolder if not)."""
    fingerprinted = fingerprints_definitions(session)
    found = session.execute(
        _RESPONSE_AND_SURVEY_FINGERPRINTED if fingerprinted else _RESPONSE_AND_SURVEY,
        {"response_id": response_id, "participant_id": participant_id},
    ).one_or_none()
    if found is None or found[0].participant_id != participant_id:
        raise AccessDenied()
    response, survey, assigned = found[:3]
    if fingerprinted:
        _attach_definition(session, survey, found[3])
    if not _holds(definition_of(survey), role, assigned):
        raise NotHolder()
    return response, survey


def fingerprints_definitions(session: Session) -> bool:
    """Whether an answer reads the definition's fingerprint instead of the definition: on
    PostgreSQL (SQLite's rows come as text, which SharedJSON decodes once per content)."""
    return session.get_bind().dialect.name == "postgresql"


# The definitions read by fingerprint, the most recent last: the same dict for every
# answer, so that `definition_of` knows it by identity.
_BY_FINGERPRINT: OrderedDict[str, dict[str, Any]] = OrderedDict()
_FINGERPRINTS_KEPT = 64


def _attach_definition(session: Session, survey: Survey, fingerprint: str) -> None:
    """Gives `survey` (read without its definition) the definition with `fingerprint`,
    read from the database only when this process has not seen it."""
    definition = _BY_FINGERPRINT.get(fingerprint)
    if definition is None:
        # Read with its fingerprint: the row may have changed since the first statement.
        definition, fingerprint = session.execute(
            _DEFINITION_BY_FINGERPRINT, {"survey_id": survey.id}
        ).one()
        _BY_FINGERPRINT[fingerprint] = definition
        if len(_BY_FINGERPRINT) > _FINGERPRINTS_KEPT:
            _BY_FINGERPRINT.popitem(last=False)
    else:
        _BY_FINGERPRINT.move_to_end(fingerprint)
    set_committed_value(survey, "definition", definition)


def next_step(
    engine: SurveyEngine, response: SurveyResponse, answers: dict[str, Any]
) -> int | None:
    """Where the respondent goes on opening, or after an answer: the first unanswered
    question they are asked; the summary (None) once there is none, or once submitted."""
    return _step_after(engine, response.status, answers)


def _step_after(
    engine: SurveyEngine, status: str, answers: dict[str, Any], answered: str | None = None
) -> int | None:
    """The step after `answered` (see `SurveyEngine.after`), or on opening (None) the
    first unanswered question; the summary (None) once submitted or nothing is left."""
    if status == ResponseStatus.SUBMITTED:
        return None
    if answered is None:
        question = engine.next_unanswered(answers)
    else:
        question = engine.after(answers, answered)
    return None if question is None else engine.definition.place(question.id)


async def move_to(
    session: AsyncSession,
    response: SurveyResponse,
    definition: SurveyDefinition,
    answers: dict[str, Any],
    step: int | None,
) -> None:
    """Puts the respondent at `step` (a question's index; None: the summary), committed
    when it changed. An answer moves them itself (see `record`)."""
    if _moves(response, definition, answers, step):  # after an answer, usually not
        await session.run_sync(_move_in, response, definition, answers, step)


def _moves(
    response: SurveyResponse,
    definition: SurveyDefinition,
    answers: dict[str, Any],
    step: int | None,
) -> bool:
    position = _position(definition, answers, step)
    return (response.step, response.picked) != (position["step"], position["picked"])


def _move_in(
    session: Session,
    response: SurveyResponse,
    definition: SurveyDefinition,
    answers: dict[str, Any],
    step: int | None,
) -> None:
    if _moves(response, definition, answers, step):
        _save_in(session, response, _position(definition, answers, step))
        session.commit()


def _position(
    definition: SurveyDefinition, answers: dict[str, Any], step: int | None
) -> dict[str, Any]:
    """The columns of a step; the ticks of a multi-choice question start from its saved
    answer."""
    picked: list[str] = []
    if step is not None and definition.questions[step].type == "multi":
        picked = list(answers.get(definition.questions[step].id) or [])
    return {"step": step, "picked": picked}


def _save_in(session: Session, response: SurveyResponse, changes: dict[str, Any]) -> None:
    """Writes columns of a loaded response with one UPDATE, shown on the object as stored.

    Not through the ORM's flush: on every answer its unit of work cost several times the
    statement it issues."""
    for column, value in changes.items():
        set_committed_value(response, column, value)
    session.connection().execute(
        _update_of(tuple(changes)), {"response_id": response.id, **changes}
    )


@functools.cache
def _update_of(columns: tuple[str, ...]) -> Update:
    """The UPDATE of these columns of a response, built once per set of columns."""
    return (
        update(SurveyResponse)
        .where(SurveyResponse.id == bindparam("response_id"))
        .values({column: bindparam(column) for column in columns})
    )


async def submit(
    session: AsyncSession, participant: Participant, response_id: int, now: datetime
) -> SurveyResponse:
    return await session.run_sync(_submit, participant.id, role_now(participant), response_id, now)


def _submit(
    session: Session, participant_id: int, role: str | None, response_id: int, now: datetime
) -> SurveyResponse:
    response, survey = _owned_in(session, participant_id, role, response_id)
    if not is_open(survey, now):
        raise DomainError("survey-closed")
    if response.status == ResponseStatus.SUBMITTED:  # an old summary's button, a double tap
        raise DomainError("survey-already-submitted")
    definition = definition_of(survey)
    if not SurveyEngine(definition).is_complete(_answers_in(session, definition, response.id)):
        raise DomainError("survey-incomplete")
    _save_in(session, response, {"status": ResponseStatus.SUBMITTED, "submitted_at": now})
    session.commit()
    return response


async def responses_of(
    session: AsyncSession, survey_id: int, unit_keys: Sequence[str] | None = None
) -> Sequence[SurveyResponse]:
    """The survey's responses; with `unit_keys`, only those units' (none for no keys)."""
    if unit_keys is not None and not unit_keys:
        return []
    statement = select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
    if unit_keys is not None:
        statement = statement.where(SurveyResponse.unit_key.in_(list(unit_keys)))
    return (await session.scalars(statement.order_by(SurveyResponse.id))).all()


# -- who answers what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One thing a participant is asked to answer: a survey, for a school or themselves."""

    survey: Survey
    definition: SurveyDefinition
    participant: Participant
    school: School | None
    response: SurveyResponse | None


async def _audience_schools(session: AsyncSession, definition: SurveyDefinition) -> set[int] | None:
    """The schools the survey's programmes and municipalities allow (None: any)."""
    if not definition.audience.programmes and not definition.audience.municipalities:
        return None
    names = await directory.matcher(session)
    municipalities = {
        m.id for name in definition.audience.municipalities if (m := names.match(name)) is not None
    }
    allowed = set()
    for school in await SchoolRepository(session).all():
        if school.archived_at is not None:
            continue
        if definition.audience.programmes and not set(definition.audience.programmes) & set(
            school.programmes
        ):
            continue
        if definition.audience.municipalities and school.municipality_id not in municipalities:
            continue
        allowed.add(school.id)
    return allowed


async def assignments(
    session: AsyncSession, survey: Survey, only: Participant | None = None
) -> list[Assignment]:
    """Every (participant, unit) the survey asks, with the response if one exists; with
    `only`, that participant's, reading only their responses."""
    definition = definition_of(survey)
    people = PeopleRepository(session)
    allowed = await _audience_schools(session, definition)
    members = await people.members(
        definition.audience.roles, (), None, only=only.id if only is not None else None
    )
    schools_of = await people.schools_of_many([person.id for person in members])
    asked: list[tuple[Participant, School | None, str]] = []
    for person in members:
        schools = schools_of[person.id]
        if allowed is not None:
            schools = [s for s in schools if s.id in allowed]
            if not schools:
                continue
        if definition.unit == "person":
            units: list[School | None] = [None]
        elif definition.unit == "school" and person.role != Role.DIRECTOR:
            units = []  # one answer per school: its director gives it
        else:
            units = list(schools)
        asked += [(person, s, unit_key(survey, person, s.id if s else None)) for s in units]
    keys = [key for _, _, key in asked] if only is not None else None
    responses = {r.unit_key: r for r in await responses_of(session, survey.id, keys)}
    # A curator's response for a school they no longer hold is their successor's to go on
    # with (taken over when opened); a school's response has the school's key anyway.
    waiting: dict[int | None, SurveyResponse] = {}
    if definition.unit == "curator_school" and asked:
        for orphan in reversed(await _orphans(session, survey, definition)):
            waiting[orphan.school_id] = orphan  # the oldest one per school
    return [
        Assignment(
            survey,
            definition,
            person,
            school,
            responses.get(key) or (waiting.get(school.id) if school else None),
        )
        for person, school, key in asked
    ]


async def open_surveys(session: AsyncSession, now: datetime) -> list[Survey]:
    latest_ids = select(func.max(Survey.id)).group_by(Survey.code)
    found = await session.scalars(select(Survey).where(Survey.id.in_(latest_ids)))
    return [survey for survey in found if is_open(survey, now)]


async def mine(session: AsyncSession, participant: Participant, now: datetime) -> list[Assignment]:
    """What the participant is asked to answer now."""
    result = []
    for survey in await open_surveys(session, now):
        result += await assignments(session, survey, only=participant)
    return result


@dataclass(frozen=True)
class Standing:
    """Where a respondent is: «вопрос N из M» (N is 0 before the first answer), or every
    answer given (`complete`, the submit still to press)."""

    number: int
    total: int
    complete: bool


async def progress(
    session: AsyncSession, definition: SurveyDefinition, response: SurveyResponse | None
) -> Standing:
    """The standing of a response (None: not begun); see `SurveyEngine.position`."""
    return _standing(definition, await answers(session, response) if response is not None else {})


def _standing(definition: SurveyDefinition, found: dict[str, Any]) -> Standing:
    engine = SurveyEngine(definition)
    upcoming = engine.next_unanswered(found)
    if upcoming is None:
        shown = len(engine.visible(found))
        return Standing(shown, shown, complete=True)
    number, total = engine.position(found, upcoming.id)
    return Standing(number if found else 0, total, complete=False)


async def school_of(session: AsyncSession, response: SurveyResponse) -> School | None:
    """The school a response answers for (None for a personal one)."""
    if response.school_id is None:
        return None
    return await SchoolRepository(session).get(response.school_id)


@dataclass(frozen=True)
class Answered:
    """A closed round's response the participant may read: their own, or their school's."""

    survey: Survey
    definition: SurveyDefinition
    response: SurveyResponse
    school: School | None


async def answered_closed(
    session: AsyncSession, participant: Participant, now: datetime
) -> list[Answered]:
    """Responses of closed rounds that the participant gave, or that were given for the
    school they direct now (newest round first), to read: nothing can change there. The
    participant's schools are read once, each response's school with the response."""
    rows = (await session.execute(_readable_statement(participant))).all()
    schools = await _directed_schools(session, participant)
    return [
        Answered(survey, definition_of(survey), response, school)
        for response, survey, school in rows
        if not is_open(survey, now) and _may_read(participant, response, survey, schools)
    ]


def _readable_statement(participant: Participant) -> Select[SurveyResponse, Survey, School]:
    """Responses with an answer, of the participant or of a school they are assigned to,
    with the school each answers for (None for a personal one)."""
    theirs = SurveyResponse.participant_id == participant.id
    schools = select(SchoolAssignment.school_id).where(
        SchoolAssignment.participant_id == participant.id
    )
    answered = exists().where(SurveyAnswer.response_id == SurveyResponse.id)
    return (
        select(SurveyResponse, Survey, School)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .outerjoin(School, School.id == SurveyResponse.school_id)
        .where(theirs | SurveyResponse.school_id.in_(schools), answered)
        .order_by(Survey.closes_at.desc(), SurveyResponse.id)
    )


async def _directed_schools(session: AsyncSession, participant: Participant) -> set[int]:
    """The schools whose responses the participant may read as their director (see
    `_may_read`); only a director's are read."""
    if role_now(participant) != Role.DIRECTOR:
        return set()
    return {s.id for s in await PeopleRepository(session).schools_of(participant.id)}


def _may_read(
    participant: Participant, response: SurveyResponse, survey: Survey, directed: set[int]
) -> bool:
    """The respondent may read their response; a school's director (unit `school`) may read
    the school's, whoever gave it (`directed`: the schools they direct now). A curator's
    response stays theirs."""
    if is_mine(response, participant):
        return True
    if definition_of(survey).unit != "school" or role_now(participant) != Role.DIRECTOR:
        return False
    return response.school_id in directed


async def readable_response(
    session: AsyncSession, participant: Participant, response_id: int
) -> tuple[SurveyResponse, Survey]:
    """A response the participant may read (see `_may_read`), AccessDenied if not."""
    response = await session.get(SurveyResponse, response_id)
    survey = await session.get(Survey, response.survey_id) if response is not None else None
    if response is None or survey is None:
        raise AccessDenied()
    directed = (
        set() if is_mine(response, participant) else await _directed_schools(session, participant)
    )
    if not _may_read(participant, response, survey, directed):
        raise AccessDenied()
    return response, survey


async def owned_response(
    session: AsyncSession, participant: Participant, response_id: int
) -> tuple[SurveyResponse, Survey]:
    """A response of the participant's, for a unit they hold now (read-only is fine: the
    window may be closed)."""
    return await session.run_sync(_owned_in, participant.id, role_now(participant), response_id)


# -- the respondent's flow -----------------------------------------------------------------
#
# Each function below is one press or message of a respondent: it checks, changes, commits
# and returns what is on screen now (`OnScreen`), which the step renders.


@dataclass(frozen=True)
class OnScreen:
    """A response as its respondent sees it now: the question at `step`, or the summary
    (None). `editable`: theirs and the window open; `mine` False: the school's response,
    given by someone before them, to read. `school`: the school a curator answers for,
    named on every question and the summary (a curator answers for each of their schools)."""

    response: SurveyResponse
    survey: Survey
    engine: SurveyEngine
    answers: dict[str, Any]
    step: int | None
    editable: bool
    mine: bool = True
    school: str | None = None


@dataclass(frozen=True)
class Answer:
    """What a press under a question did (see `answer`), and the screen after it; `on_screen`
    is None for a tick (the same question stays, its buttons change)."""

    pressed: Pressed
    on_screen: OnScreen | None


@dataclass(frozen=True)
class Typed:
    """A typed answer, committed: the question answered, what it dropped, the next step."""

    question: Question
    dropped: tuple[Question, ...]
    on_screen: OnScreen


async def _placed(
    session: AsyncSession,
    response: SurveyResponse,
    survey: Survey,
    answers: dict[str, Any],
    step: int | None,
    now: datetime,
    *,
    mine: bool = True,
) -> OnScreen:
    """The respondent put at `step` (the summary once the window is closed); someone
    else's response is shown as its summary and left where it is."""
    engine = SurveyEngine(definition_of(survey))
    editable = mine and is_open(survey, now)
    if mine:
        await move_to(session, response, engine.definition, answers, step if editable else None)
    school = await _named_school(session, engine, response)
    return OnScreen(
        response,
        survey,
        engine,
        answers,
        response.step if mine else None,
        editable,
        mine,
        school,
    )


async def open_response(
    session: AsyncSession,
    participant: Participant,
    survey_id: int,
    school_id: int | None,
    now: datetime,
) -> OnScreen:
    """«Начать» / «Продолжить» / «Посмотреть» in /surveys: the response started or resumed
    (see `start`), at its first unanswered question, or its summary."""
    response = await start(session, participant, survey_id, now, school_id)
    survey = await get(session, response.survey_id)
    found = await answers(session, response)
    step = next_step(SurveyEngine(definition_of(survey)), response, found)
    return await _placed(
        session, response, survey, found, step, now, mine=is_mine(response, participant)
    )


async def answer(
    session: AsyncSession,
    participant: Participant,
    response_id: int,
    question_index: int,
    action: str,
    value: str,
    now: datetime,
) -> Answer:
    """A button under the question at `question_index` of the participant's response:
    `ans` (the option's index, the scale's number, "1"/"0" for yes/no), `tog` (ticks or
    unticks the option at index `value`), `done` (the ticked options are the answer),
    `skip`, `back`, `keep` (the answer given stands: on to the next question); then where
    the respondent is (none after a tick: the same question, its buttons redrawn).
    AnswerError for a button no longer on screen or a value that does not fit; nothing
    changes then. The hot path: one unit of statements for the press; the move after it
    only when it changes (it rarely does: the press moved them)."""
    pressed = await session.run_sync(
        _press,
        participant.id,
        role_now(participant),
        response_id,
        question_index,
        action,
        value,
        now,
    )
    if action == "tog":
        return Answer(pressed, None)
    response = pressed.response
    on_screen = await _placed(
        session, response, pressed.survey, pressed.answers, response.step, now
    )
    return Answer(pressed, on_screen)


async def answer_typed(
    session: AsyncSession, participant: Participant, response_id: int, text: str, now: datetime
) -> Typed:
    """A typed answer (number, text) to the question on screen: parsed, stored, committed.
    AnswerError when the summary is on screen ("use-buttons") or the text does not fit;
    DomainError when the response is no longer theirs or the window closed."""
    response, survey = await owned_response(session, participant, response_id)
    if response.step is None:  # the summary is on screen
        raise AnswerError("use-buttons")
    definition = definition_of(survey)
    question = definition.questions[response.step]
    value = SurveyEngine(definition).parse(question, text)
    recorded = await record(session, participant, response.id, question.id, value, now)
    on_screen = await _placed(session, response, survey, recorded.answers, response.step, now)
    return Typed(question, recorded.dropped, on_screen)


async def edit(
    session: AsyncSession,
    participant: Participant,
    response_id: int,
    question_index: int,
    now: datetime,
) -> OnScreen:
    """«Изменить N» under the summary: the respondent back at that question, if it is
    still asked and the window open."""
    response, survey = await owned_response(session, participant, response_id)
    definition = definition_of(survey)
    if not 0 <= question_index < len(definition.questions):
        raise AccessDenied()
    found = await answers(session, response)
    if not SurveyEngine(definition).is_visible(definition.questions[question_index], found):
        raise AnswerError("stale-button")
    if not is_open(survey, now):
        raise DomainError("survey-closed")
    return await _placed(session, response, survey, found, question_index, now)


async def hand_in(
    session: AsyncSession, participant: Participant, response_id: int, now: datetime
) -> OnScreen:
    """«Отправить»: the response submitted (see `submit`), and its summary."""
    response = await submit(session, participant, response_id, now)
    survey = await get(session, response.survey_id)
    found = await answers(session, response)
    return await _placed(session, response, survey, found, None, now)


async def _named_school(
    session: AsyncSession, engine: SurveyEngine, response: SurveyResponse
) -> str | None:
    """The school a curator answers for, named on every question and the summary: a curator
    answers the same questions for each of their schools."""
    if engine.definition.unit != "curator_school":
        return None
    found = await school_of(session, response)
    return found.short_name if found is not None else None


async def read_closed(
    session: AsyncSession, participant: Participant, response_id: int
) -> OnScreen:
    """A closed round's response from /surveys, to read (see `readable_response`)."""
    response, survey = await readable_response(session, participant, response_id)
    engine = SurveyEngine(definition_of(survey))
    school = await _named_school(session, engine, response)
    return OnScreen(
        response,
        survey,
        engine,
        await answers(session, response),
        None,
        editable=False,
        school=school,
    )


@dataclass(frozen=True)
class Mine:
    """/surveys: what the participant is asked now, each with its standing, and the closed
    rounds' responses they may read."""

    open: list[tuple[Assignment, Standing]]
    closed: list[Answered]


async def my_surveys(session: AsyncSession, participant: Participant, now: datetime) -> Mine:
    """The list /surveys shows; every open response's answers read in one statement."""
    items = await mine(session, participant, now)
    found = list(zip(items, await standings(session, items), strict=True))
    return Mine(found, await answered_closed(session, participant, now))


async def standings(session: AsyncSession, items: Sequence[Assignment]) -> list[Standing]:
    """The standing of each assignment's response (see `progress`), every response's
    answers read in one statement."""
    responses = {item.response.id: item.definition for item in items if item.response}
    found = await session.run_sync(_answers_of_many, responses)
    return [
        _standing(item.definition, found[item.response.id] if item.response else {})
        for item in items
    ]


def _answers_of_many(
    session: Session, definitions: dict[int, SurveyDefinition]
) -> dict[int, dict[str, Any]]:
    """The answers of several responses (by id, with their definitions): one query for up
    to `_IDS_PER_QUERY` of them."""
    found: dict[int, dict[str, Any]] = {response_id: {} for response_id in definitions}
    ids = list(definitions)
    for first in range(0, len(ids), _IDS_PER_QUERY):
        rows = session.connection().execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.question_id,
                SurveyAnswer.option_id,
                SurveyAnswer.number,
                SurveyAnswer.text,
                SurveyAnswer.flag,
            )
            .where(SurveyAnswer.response_id.in_(ids[first : first + _IDS_PER_QUERY]))
            .order_by(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.position)
        )
        for row in rows:
            _add_row(found[row.response_id], definitions[row.response_id], row)
    return found


# A region's reminders cover thousands of responses: the ids of one IN stay well within
# the bound parameters a statement may have (32767 on PostgreSQL, 32766 on SQLite).
_IDS_PER_QUERY = 5000
