"""The aggregations behind the regional analysis. Every query groups in the database and
returns small rows (per municipality, school, question or value), never the answer rows
themselves, except the free-text answers, which are listed as they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Executable, Select, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.db import LONG_RUNNING
from storage.models import (
    Acknowledgement,
    Assignment,
    Attendance,
    EventAnswer,
    OutboxMessage,
    OutboxStatus,
    Participant,
    ResponseStatus,
    Role,
    School,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)

# Where a person belongs: a coordinator's municipality, or that of their school(s).
_THEIR_SCHOOL = aliased(School)
_HOME = func.coalesce(
    Participant.municipality_id,
    select(func.min(_THEIR_SCHOOL.municipality_id))
    .join(Assignment, Assignment.school_id == _THEIR_SCHOOL.id)
    .where(Assignment.participant_id == Participant.id)
    .correlate(Participant)
    .scalar_subquery(),
)
# The municipality a response belongs to: its school's, or (per-person surveys) its author's.
# COALESCE stops at the first value, so the subquery runs for per-person responses only.
_MUNICIPALITY = func.coalesce(School.municipality_id, _HOME)


@dataclass(frozen=True)
class StatusCount:
    municipality_id: int | None
    school_id: int | None
    status: str
    count: int


@dataclass(frozen=True)
class ValueCount:
    """How many answers to a question had this value, in a municipality (or a school)."""

    group: int | None  # municipality or school id
    question_id: str
    option_id: str | None
    number: float | None
    flag: bool | None
    count: int


@dataclass(frozen=True)
class TextAnswer:
    question_id: str
    municipality_id: int | None
    school: str | None
    author: str | None
    text: str


@dataclass(frozen=True)
class RoundMean:
    round: int
    municipality_id: int | None
    question_id: str
    mean: float
    count: int


_Statement = TypeVar("_Statement", bound=Executable)


def _long(statement: _Statement) -> _Statement:
    """Region-wide GROUP BYs may take a while: on SQLite they run off the event loop."""
    return statement.execution_options(**LONG_RUNNING)


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _responses(
        columns: Sequence[Any],  # columns and SQL expressions
        survey_ids: Sequence[int],
        municipality_id: int | None,
        *,
        with_answers: bool = False,
    ) -> Select[Any]:
        """Responses to these surveys in the scope (with their answers, submitted only)."""
        statement = (
            select(*columns)
            .select_from(SurveyResponse)
            .outerjoin(School, School.id == SurveyResponse.school_id)
            .outerjoin(Participant, Participant.id == SurveyResponse.participant_id)
            .where(SurveyResponse.survey_id.in_(survey_ids))
        )
        if with_answers:
            statement = statement.join(
                SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id
            ).where(SurveyResponse.status == ResponseStatus.SUBMITTED)
        if municipality_id is not None:
            statement = statement.where(_MUNICIPALITY == municipality_id)  # noqa: SIM300
        return statement

    async def status_counts(
        self, survey_ids: Sequence[int], municipality_id: int | None
    ) -> list[StatusCount]:
        """Responses per (municipality, school, status)."""
        columns = (_MUNICIPALITY, SurveyResponse.school_id, SurveyResponse.status)
        statement = self._responses((*columns, func.count()), survey_ids, municipality_id)
        rows = await self._session.execute(_long(statement.group_by(*columns)))
        return [StatusCount(m, s, str(st), n) for m, s, st, n in rows.all()]

    async def respondents(
        self, survey_ids: Sequence[int], municipality_id: int | None
    ) -> list[tuple[int | None, str | None, str, datetime | None]]:
        """(school, author's name, status, submitted at) per response."""
        columns = (
            SurveyResponse.school_id,
            Participant.full_name,
            SurveyResponse.status,
            SurveyResponse.submitted_at,
        )
        rows = await self._session.execute(
            _long(self._responses(columns, survey_ids, municipality_id))
        )
        return [(school, name, str(status), at) for school, name, status, at in rows.all()]

    async def registered(
        self, roles: Sequence[Role], municipality_id: int | None
    ) -> list[tuple[int | None, int]]:
        """Registered participants of these roles per municipality."""
        statement = select(_HOME, func.count()).where(
            Participant.role.in_(roles), Participant.registered_at.is_not(None)
        )
        if municipality_id is not None:
            statement = statement.where(_HOME == municipality_id)  # noqa: SIM300
        rows = await self._session.execute(_long(statement.group_by(_HOME)))
        return list(rows.all())

    async def staff_per_school(self, role: Role) -> dict[int, int]:
        """Registered participants of the role per school (schools with none are absent)."""
        rows = await self._session.execute(
            _long(
                select(Assignment.school_id, func.count())
                .join(Participant, Participant.id == Assignment.participant_id)
                .where(Participant.role == role, Participant.registered_at.is_not(None))
                .group_by(Assignment.school_id)
            )
        )
        return dict(rows.all())

    async def value_counts(
        self,
        survey_ids: Sequence[int],
        municipality_id: int | None,
        *,
        by_school: bool = False,
        question_ids: Sequence[str] | None = None,
    ) -> list[ValueCount]:
        """Submitted answers per (municipality or school, question, value); text excluded.
        `question_ids`: only these questions (per school, the rows are nearly the answers
        themselves: fetch only those needed)."""
        group: Any = SurveyResponse.school_id if by_school else _MUNICIPALITY
        columns = (
            group,
            SurveyAnswer.question_id,
            SurveyAnswer.option_id,
            SurveyAnswer.number,
            SurveyAnswer.flag,
        )
        statement = self._responses(
            (*columns, func.count()), survey_ids, municipality_id, with_answers=True
        ).where(SurveyAnswer.text.is_(None))
        if question_ids is not None:
            statement = statement.where(SurveyAnswer.question_id.in_(question_ids))
        rows = await self._session.execute(_long(statement.group_by(*columns)))
        return [ValueCount(*row) for row in rows.all()]

    async def answered(
        self, survey_ids: Sequence[int], municipality_id: int | None
    ) -> list[tuple[int | None, str, int]]:
        """Submitted responses that answered each question (a value, not a skip), per
        municipality: the denominator of the shares of multiple choice options."""
        has_value = or_(
            SurveyAnswer.option_id.is_not(None),
            SurveyAnswer.number.is_not(None),
            SurveyAnswer.flag.is_not(None),
            SurveyAnswer.text.is_not(None),
        )
        columns = (_MUNICIPALITY, SurveyAnswer.question_id)
        statement = self._responses(
            (*columns, func.count(distinct(SurveyAnswer.response_id))),
            survey_ids,
            municipality_id,
            with_answers=True,
        ).where(has_value)
        rows = await self._session.execute(_long(statement.group_by(*columns)))
        return list(rows.all())

    async def text_answers(
        self, survey_ids: Sequence[int], municipality_id: int | None
    ) -> list[TextAnswer]:
        columns = (
            SurveyAnswer.question_id,
            _MUNICIPALITY,
            School.short_name,
            Participant.full_name,
            SurveyAnswer.text,
        )
        statement = (
            self._responses(columns, survey_ids, municipality_id, with_answers=True)
            .where(SurveyAnswer.text.is_not(None))
            .order_by(SurveyAnswer.question_id, _MUNICIPALITY, School.short_name)
        )
        rows = await self._session.execute(_long(statement))
        return [
            TextAnswer(q, m, school, author, text or "")
            for q, m, school, author, text in rows.all()
        ]

    async def round_means(
        self, survey_ids: Sequence[int], question_ids: Sequence[str], municipality_id: int | None
    ) -> list[RoundMean]:
        """Mean numeric answer (scale, number; yes = 1) per round, municipality, question."""
        value = func.coalesce(
            SurveyAnswer.number, case((SurveyAnswer.flag.is_(True), 1.0), else_=0.0)
        )
        columns = (Survey.round, _MUNICIPALITY, SurveyAnswer.question_id)
        statement = (
            self._responses(
                (*columns, func.avg(value), func.count()),
                survey_ids,
                municipality_id,
                with_answers=True,
            )
            .join(Survey, Survey.id == SurveyResponse.survey_id)
            .where(
                SurveyAnswer.question_id.in_(question_ids),
                or_(SurveyAnswer.number.is_not(None), SurveyAnswer.flag.is_not(None)),
            )
            .group_by(*columns)
        )
        rows = await self._session.execute(_long(statement))
        return [RoundMean(r, m, q, float(mean), n) for r, m, q, mean, n in rows.all()]

    # -- engagement ------------------------------------------------------------------------

    async def submissions(
        self, deadlines: dict[int, datetime], municipality_id: int | None
    ) -> list[tuple[int, int, int, int]]:
        """(school, survey, submitted, submitted before its deadline) for these surveys."""
        if not deadlines:
            return []
        deadline = case(
            *((SurveyResponse.survey_id == survey, at) for survey, at in deadlines.items())
        )
        on_time = func.sum(case((SurveyResponse.submitted_at <= deadline, 1), else_=0))
        statement = (
            select(SurveyResponse.school_id, SurveyResponse.survey_id, func.count(), on_time)
            .join(School, School.id == SurveyResponse.school_id)
            .where(
                SurveyResponse.survey_id.in_(list(deadlines)),
                SurveyResponse.status == ResponseStatus.SUBMITTED,
            )
            .group_by(SurveyResponse.school_id, SurveyResponse.survey_id)
        )
        if municipality_id is not None:
            statement = statement.where(School.municipality_id == municipality_id)
        rows = await self._session.execute(_long(statement))
        return [(s, v, n, int(t or 0)) for s, v, n, t in rows.all()]

    async def events_attended(self, event_ids: Sequence[int]) -> dict[int, int]:
        """Per school: how many of these events its director said «Буду» to."""
        if not event_ids:
            return {}
        rows = await self._session.execute(
            _long(
                select(Assignment.school_id, func.count(distinct(EventAnswer.event_id)))
                .join(Assignment, Assignment.participant_id == EventAnswer.participant_id)
                .join(Participant, Participant.id == EventAnswer.participant_id)
                .where(
                    EventAnswer.event_id.in_(event_ids),
                    EventAnswer.answer == Attendance.YES,
                    Participant.role == Role.DIRECTOR,
                )
                .group_by(Assignment.school_id)
            )
        )
        return dict(rows.all())

    async def announcements(
        self, kind: str, references: dict[str, int]
    ) -> tuple[dict[int, int], dict[int, int]]:
        """Per school: announcements asking for acknowledgement that reached its director,
        and those the director acknowledged."""
        if not references:
            return {}, {}
        reached = await self._session.execute(
            _long(
                select(Assignment.school_id, func.count(distinct(OutboxMessage.reference)))
                .join(Assignment, Assignment.participant_id == OutboxMessage.participant_id)
                .join(Participant, Participant.id == OutboxMessage.participant_id)
                .where(
                    Participant.role == Role.DIRECTOR,
                    OutboxMessage.kind == kind,
                    OutboxMessage.reference.in_(list(references)),
                    OutboxMessage.status == OutboxStatus.SENT,
                )
                .group_by(Assignment.school_id)
            )
        )
        acknowledged = await self._session.execute(
            _long(
                select(Assignment.school_id, func.count(distinct(Acknowledgement.broadcast_id)))
                .join(Assignment, Assignment.participant_id == Acknowledgement.participant_id)
                .join(Participant, Participant.id == Acknowledgement.participant_id)
                .where(
                    Participant.role == Role.DIRECTOR,
                    Acknowledgement.broadcast_id.in_(list(references.values())),
                )
                .group_by(Assignment.school_id)
            )
        )
        return dict(reached.all()), dict(acknowledged.all())
