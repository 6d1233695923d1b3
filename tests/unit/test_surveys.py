"""Surveys in the database: versions, windows, responses per unit, resume, submit."""

from __future__ import annotations

import asyncio
import copy
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.services import registration, surveys
from bot.services.errors import AccessDenied, DomainError
from bot.services.survey_definitions import load_definition
from bot.services.survey_engine import AnswerError
from bot.settings import PROJECT_ROOT
from storage.models import (
    Participant,
    ResponseStatus,
    Role,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from tests.support.people import REVOKE_NOTICE, load_schools, person

DIRECTORS = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")


async def test_loading_versions(session: AsyncSession) -> None:
    first = await surveys.load(session, None, DIRECTORS)
    assert (first.outcome, first.survey.version) == ("created", 1)
    assert (await surveys.load(session, None, DIRECTORS)).outcome == "unchanged"
    edited = DIRECTORS.model_copy(
        update={
            "title": DIRECTORS.title.model_copy(update={"ru": "Опрос вовлечённости, второй раунд"})
        }
    )
    assert (await surveys.load(session, None, edited)).outcome == "updated"  # nobody answered

    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    response = await surveys.start(session, director, first.survey.id, NOW, schools["47001"].id)
    await surveys.record(session, director, response.id, "meetings_attended", "all", NOW)
    again = await surveys.load(session, None, DIRECTORS)
    assert (again.outcome, again.survey.version) == ("new-version", 2)
    assert again.survey.status == "open"  # the window carries over
    old = await session.get(SurveyResponse, response.id)
    assert old is not None
    assert old.survey_id == first.survey.id  # old answers stay attached to their version


async def test_a_definition_stored_before_a_new_field_is_not_a_change(
    session: AsyncSession,
) -> None:
    """A survey stored before `decimal` existed reads the same as the file loaded now:
    loading that file again changes nothing (no new version over existing answers)."""
    first = await surveys.load(session, None, DIRECTORS)
    stored = copy.deepcopy(first.survey.definition)
    for question in stored["questions"]:
        del question["decimal"]
    first.survey.definition = stored
    await session.commit()
    assert (await surveys.load(session, None, DIRECTORS)).outcome == "unchanged"


async def test_one_response_per_school_resumed_and_submitted(session: AsyncSession) -> None:
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    curator = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Кур Кир")
    with pytest.raises(DomainError, match="survey-closed"):
        await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    with pytest.raises(AccessDenied):  # curators are not in this survey's audience
        await surveys.start(session, curator, loaded.survey.id, NOW, schools["47001"].id)
    with pytest.raises(AccessDenied):  # not the director's school
        await surveys.start(session, director, loaded.survey.id, NOW, schools["47002"].id)

    response = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    steps: list[tuple[str, object]] = [
        ("meetings_attended", "most"),
        ("webinars_attended", 4),
        ("curator_contact", "weekly"),
        ("curator_helpful", 4),
        ("programme_progress", 3),
        ("antirisk_measures", ["motivation", "climate"]),
        ("difficulties", False),
    ]
    for question, value in steps:
        await surveys.record(session, director, response.id, question, value, NOW)
    with pytest.raises(AnswerError):
        await surveys.record(session, director, response.id, "webinars_attended", 99, NOW)
    # Later (another process): the same response, the same answers.
    resumed = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    assert resumed.id == response.id
    stored = await surveys.answers(session, resumed)
    assert stored["antirisk_measures"] == ["motivation", "climate"]
    assert stored["webinars_attended"] == 4
    with pytest.raises(DomainError, match="survey-incomplete"):
        await surveys.submit(session, director, response.id, NOW)
    await surveys.record(session, director, response.id, "help_needed", None, NOW, skip=True)
    await surveys.record(session, director, response.id, "comment", None, NOW, skip=True)
    submitted = await surveys.submit(session, director, response.id, NOW)
    assert submitted.status == ResponseStatus.SUBMITTED
    # Editing before the close keeps it submitted; after the close answers are read-only.
    await surveys.record(session, director, response.id, "curator_contact", "never", NOW)
    stored = await surveys.answers(session, resumed)
    assert "curator_helpful" not in stored
    await surveys.close(session, None, DIRECTORS.code, NOW + timedelta(hours=1))
    with pytest.raises(DomainError, match="survey-closed"):
        await surveys.record(
            session, director, response.id, "difficulties", True, NOW + timedelta(hours=2)
        )
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


async def test_the_respondent_step_is_stored_with_each_answer(session: AsyncSession) -> None:
    """Which question is on screen lives on the response, written in the answer's own
    transaction: after a restart, a press on any other question's buttons is outdated."""
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    response = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    index = {question.id: i for i, question in enumerate(DIRECTORS.questions)}

    async def stored_step() -> tuple[int | None, list[str]]:
        await session.refresh(response)  # as committed
        return response.step, response.picked

    assert await stored_step() == (None, [])  # nothing shown yet
    await surveys.record(session, director, response.id, "meetings_attended", "most", NOW)
    assert await stored_step() == (index["webinars_attended"], [])
    # Back to a multi-choice question answered before: its ticks start from the answer.
    await surveys.record(session, director, response.id, "antirisk_measures", ["climate"], NOW)
    answers = await surveys.answers(session, response)
    await surveys.move_to(session, response, DIRECTORS, answers, index["antirisk_measures"])
    assert await stored_step() == (index["antirisk_measures"], ["climate"])
    options = [o.id for o in DIRECTORS.question("antirisk_measures").options]
    tick = str(options.index("motivation"))
    await surveys.answer(
        session, director, response.id, index["antirisk_measures"], "tog", tick, NOW
    )
    assert await stored_step() == (index["antirisk_measures"], ["climate", "motivation"])
    await surveys.record(
        session, director, response.id, "antirisk_measures", ["climate", "motivation"], NOW
    )
    # On to the next question (the one after it), not back to the first unanswered.
    assert await stored_step() == (index["difficulties"], [])
    for question, value in [
        ("webinars_attended", 4),
        ("curator_contact", "weekly"),
        ("curator_helpful", 4),
        ("programme_progress", 3),
        ("difficulties", False),
        ("help_needed", None),
        ("comment", None),
    ]:
        await surveys.record(
            session, director, response.id, question, value, NOW, skip=value is None
        )
    assert await stored_step() == (None, [])  # the summary


async def test_forgetting_a_director_keeps_the_answers_anonymised(session: AsyncSession) -> None:
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    response = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    await surveys.record(session, director, response.id, "meetings_attended", "all", NOW)
    await registration.forget(session, director)
    kept = await session.scalar(select(SurveyResponse).execution_options(populate_existing=True))
    assert kept is not None
    assert kept.participant_id is None
    assert kept.school_id == schools["47001"].id
    assert await session.scalar(select(SurveyAnswer.option_id)) == "all"


async def test_a_schools_response_is_handed_over_to_its_next_director(
    session: AsyncSession, translator: Translator
) -> None:
    """The director who began the school's response loses the role: they may no longer
    answer it; the school's next director takes it over on opening it, with its answers
    and step. A submitted response is not taken over."""
    from bot import notices
    from storage.models import OutboxMessage

    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    first = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    done = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Уже Ответил")
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DIRECTORS.code, now + timedelta(days=7), now)
    response = await surveys.start(session, first, loaded.survey.id, now, schools["47001"].id)
    await surveys.record(session, first, response.id, "meetings_attended", "all", now)
    answered = await surveys.start(session, done, loaded.survey.id, now, schools["47002"].id)
    for question, value in [
        ("meetings_attended", "most"),
        ("webinars_attended", 4),
        ("curator_contact", "never"),
        ("programme_progress", 3),
        ("antirisk_measures", ["climate"]),
        ("difficulties", False),
        ("help_needed", None),
        ("comment", None),
    ]:
        await surveys.record(session, done, answered.id, question, value, now, skip=value is None)
    await surveys.submit(session, done, answered.id, now)
    await registration.revoke(session, regional, first.id, notice=REVOKE_NOTICE)
    await registration.revoke(session, regional, done.id, notice=REVOKE_NOTICE)
    with pytest.raises(DomainError, match="survey-not-holder"):
        await surveys.record(session, first, response.id, "webinars_attended", 3, now)

    successor = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Новый Дир")
    [waiting] = await surveys.mine(session, successor, now)
    assert waiting.response is not None
    assert waiting.response.id == response.id
    assert await notices.send_survey_invitations(session, translator, MSK) == 1
    invited = await session.scalar(
        select(OutboxMessage.participant_id).where(OutboxMessage.kind == "survey-invite")
    )
    assert invited == successor.id
    taken = await surveys.start(session, successor, loaded.survey.id, now, schools["47001"].id)
    assert (taken.id, taken.participant_id) == (response.id, successor.id)
    assert (taken.step, await surveys.answers(session, taken)) == (1, {"meetings_attended": "all"})
    await surveys.record(session, successor, taken.id, "webinars_attended", 3, now)
    with pytest.raises(AccessDenied):  # no longer theirs at all, should they come back
        await surveys.record(session, first, response.id, "webinars_attended", 5, now)

    # The other school answered before its director left: its next director only reads it.
    reader = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Читает Дир")
    kept = await surveys.start(session, reader, loaded.survey.id, now, schools["47002"].id)
    assert (kept.id, kept.participant_id, kept.status) == (
        answered.id,
        done.id,
        ResponseStatus.SUBMITTED,
    )
    assert not surveys.is_mine(kept, reader)
    with pytest.raises(AccessDenied):
        await surveys.record(session, reader, kept.id, "webinars_attended", 5, now)
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 2


async def test_a_curators_response_passes_to_the_schools_next_curator(
    session: AsyncSession,
) -> None:
    """A curator loses one of two schools: the response they began there waits for a
    curator who has none of their own for it; their other school's stays theirs."""
    from sqlalchemy import delete

    from storage.models import Assignment

    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    loaded = await surveys.load(session, None, curators)
    schools = await load_schools(session)
    kirishi, budogoshch = schools["47001"].id, schools["47002"].id
    first = await person(session, Role.CURATOR, schools=[schools["47001"], schools["47002"]])
    busy = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Свой Ответ")
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    await surveys.open_window(session, None, curators.code, NOW + timedelta(days=7), NOW)
    begun = await surveys.start(session, first, loaded.survey.id, NOW, kirishi)
    await surveys.record(session, first, begun.id, "curator_contact", "weekly", NOW)
    other = await surveys.start(session, first, loaded.survey.id, NOW, budogoshch)
    own = await surveys.start(session, busy, loaded.survey.id, NOW, kirishi)
    await session.execute(
        delete(Assignment).where(
            Assignment.participant_id == first.id, Assignment.school_id == kirishi
        )
    )
    await session.commit()
    with pytest.raises(DomainError, match="survey-not-holder"):
        await surveys.record(session, first, begun.id, "leadership_involvement", 3, NOW)

    newcomer = await person(session, Role.CURATOR, schools=[schools["47002"]], name="Новый Кур")
    await registration.assign_curator(session, regional, newcomer.id, kirishi)
    waiting = {
        item.school.id: item.response
        for item in await surveys.mine(session, newcomer, NOW)
        if item.school is not None
    }
    assert waiting[budogoshch] is None  # the first curator still holds that school
    handed = waiting[kirishi]
    assert handed is not None
    assert handed.id == begun.id
    assert (await surveys.start(session, busy, loaded.survey.id, NOW, kirishi)).id == own.id
    taken = await surveys.start(session, newcomer, loaded.survey.id, NOW, kirishi)
    assert (taken.id, taken.participant_id) == (begun.id, newcomer.id)
    assert taken.unit_key == f"curator:{newcomer.id}:school:{kirishi}"
    assert await surveys.answers(session, taken) == {"curator_contact": "weekly"}
    fresh = await surveys.start(session, newcomer, loaded.survey.id, NOW, budogoshch)
    assert fresh.id not in (other.id, begun.id, own.id)


async def test_overview_counts_responses(session: AsyncSession) -> None:
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    ((survey, in_progress, submitted),) = await surveys.overview(session)
    assert (survey.code, in_progress, submitted) == ("engagement_directors", 1, 0)
    with pytest.raises(DomainError, match="survey-bad-window"):
        await surveys.open_window(session, None, DIRECTORS.code, NOW - timedelta(days=1), NOW)


async def test_who_is_asked_takes_the_same_statements_for_one_member_or_many(
    session: AsyncSession,
) -> None:
    """`assignments` reads the members' schools in one statement, not one per member."""
    loaded = await surveys.load(session, None, DIRECTORS)
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    schools = await load_schools(session)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    async def counted() -> int:
        statements.clear()
        engine = session.bind
        assert isinstance(engine, AsyncEngine)
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            await surveys.assignments(session, loaded.survey)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    one = await counted()
    for code, name in (("47002", "Петрова Анна"), ("47101", "Сидорова Вера")):
        await person(session, Role.DIRECTOR, schools=[schools[code]], name=name)
    assert len(await surveys.assignments(session, loaded.survey)) == 3
    assert await counted() == one


async def test_closed_rounds_in_surveys_take_the_same_statements_for_one_or_many(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    """/surveys lists the closed rounds a director may read with a constant number of
    statements: their schools read once, each response's school with the response."""
    await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    predecessor = await person(session, None)
    rounds = 0

    async def closed_round() -> None:
        # Answered by the school's previous director: the director reads it as the school's.
        nonlocal rounds
        at = NOW + timedelta(days=30 * rounds)
        survey = await surveys.open_window(
            session, None, DIRECTORS.code, at + timedelta(days=7), at, new_round=rounds > 0
        )
        response = await surveys.start(session, director, survey.id, at, schools["47001"].id)
        await surveys.record(session, director, response.id, "meetings_attended", "all", at)
        await surveys.close(session, None, DIRECTORS.code, at + timedelta(hours=1))
        response.participant_id = predecessor.id
        await session.commit()
        rounds += 1

    async def counted() -> int:
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        # A session of its own, as an update has: nothing of the set-up in its identity map.
        async with session_factory() as fresh:
            reader = await fresh.get(Participant, director.id)
            assert reader is not None
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            try:
                listing = await surveys.my_surveys(fresh, reader, NOW + timedelta(days=30 * rounds))
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert len(listing.closed) == rounds
        assert all(item.school is not None for item in listing.closed)
        return len(statements)

    await closed_round()
    one = await counted()
    for _ in range(2):
        await closed_round()
    assert await counted() == one


async def test_a_new_round_starts_fresh_and_keeps_the_last(session: AsyncSession) -> None:
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    closes = NOW + timedelta(days=7)
    await surveys.open_window(session, None, DIRECTORS.code, closes, NOW)
    first = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    await surveys.record(session, director, first.id, "meetings_attended", "all", NOW)
    with pytest.raises(DomainError, match="survey-round-open"):
        await surveys.open_window(session, None, DIRECTORS.code, closes, NOW, new_round=True)
    later = closes + timedelta(days=30)
    # Reopening without a new round extends the same round: the same response.
    same = await surveys.open_window(
        session, None, DIRECTORS.code, later + timedelta(days=7), later
    )
    assert (same.id, same.round) == (loaded.survey.id, 1)
    await surveys.close(session, None, DIRECTORS.code, later + timedelta(hours=1))
    second = await surveys.open_window(
        session,
        None,
        DIRECTORS.code,
        later + timedelta(days=9),
        later + timedelta(days=2),
        new_round=True,
    )
    assert (second.round, second.version, second.definition) == (2, 2, loaded.survey.definition)
    fresh = await surveys.start(
        session, director, second.id, later + timedelta(days=2), schools["47001"].id
    )
    assert fresh.id != first.id
    assert await surveys.answers(session, fresh) == {}
    assert await surveys.answers(session, first) == {"meetings_attended": "all"}
    # A definition changed during the round is a new version of the same round.
    edited = DIRECTORS.model_copy(update={"description": DIRECTORS.title})
    await surveys.record(
        session, director, fresh.id, "meetings_attended", "most", later + timedelta(days=2)
    )
    assert (await surveys.load(session, None, edited)).survey.round == 2


def test_the_operator_loads_and_opens_a_survey(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "survey", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    template = PROJECT_ROOT / "data/surveys/pulse.yaml"
    assert cli("load", str(template)).stdout.strip() == "✅ Опрос pulse загружен (версия 1)."
    opened = cli("open", "pulse", "--closes", "01.01.2099 18:00")
    assert opened.returncode == 0, opened.stderr
    listing = cli("list").stdout
    assert listing.startswith("pulse: раунд 1, версия 1, открыт, до 01.01.2099 18:00;")
    (tmp_path / "bad.yaml").write_text("code: bad\nquestions: []\n", encoding="utf-8")
    refused = cli("load", str(tmp_path / "bad.yaml"))
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"Файл опроса {tmp_path / 'bad.yaml'} не принят:")
    # Every problem on a line of its own, in the operator's language.
    assert "- Поле «title»: не заполнено обязательное поле\n" in refused.stderr
    assert "Field required" not in refused.stderr


async def test_invitations_once_and_nudges_on_their_days(
    session: AsyncSession, translator: Translator
) -> None:
    from bot import notices
    from storage.models import OutboxMessage

    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    started = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Не Начинал")
    done = await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Уже Ответил")
    opens = datetime.now(UTC) - timedelta(minutes=1)
    closes = opens + timedelta(days=7)
    await surveys.open_window(session, None, DIRECTORS.code, closes, opens)
    assert await notices.send_survey_invitations(session, translator, MSK) == 3
    assert await notices.send_survey_invitations(session, translator, MSK) == 0

    soon = opens + timedelta(seconds=30)
    response = await surveys.start(session, started, loaded.survey.id, soon, schools["47001"].id)
    await surveys.record(session, started, response.id, "meetings_attended", "all", soon)
    finished = await surveys.start(session, done, loaded.survey.id, soon, schools["47101"].id)
    finished.status = ResponseStatus.SUBMITTED
    await session.commit()

    zone = ZoneInfo("Europe/Moscow")
    steps = notices.survey_nudge_steps(opens, closes, zone)
    assert steps["after-3-days"].hour == 10
    assert steps["last-morning"].astimezone(zone).hour == 9
    assert await notices.send_due_nudges(session, translator, zone, opens + timedelta(days=1)) == 0
    at_step = steps["after-3-days"] + timedelta(minutes=5)
    assert await notices.send_due_nudges(session, translator, zone, at_step) == 2
    assert await notices.send_due_nudges(session, translator, zone, at_step) == 0  # once
    texts = {
        row.participant_id: row.payload["text"]
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "survey-nudge")
        )
    }
    assert "начата, но не отправлена" in texts[started.id]
    assert done.id not in texts
    # Too late for a step: nothing.
    late = steps["day-before"] + timedelta(hours=13)
    assert await notices.send_due_nudges(session, translator, zone, late) == 0


async def test_the_weekly_digest_lists_surveys_waiting_for_an_answer(
    session: AsyncSession, translator: Translator
) -> None:
    from bot import notices
    from storage.models import OutboxMessage

    await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    now = datetime.now(UTC)
    await surveys.open_window(session, None, DIRECTORS.code, now + timedelta(days=3), now)
    assert await notices.send_digest(session, translator, ZoneInfo("Europe/Moscow"), now) == 1
    row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert row is not None
    assert row.participant_id == director.id
    assert "Опрос вовлечённости руководителей школ" in row.payload["text"]


async def test_presses_of_the_same_question_at_once_keep_exactly_the_confirmed_answer(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """The same first question pressed many times at once (a double tap, two replicas, a
    redelivery beside the original): one press is confirmed and its answer kept; the others
    are refused as outdated, none confirmed with an answer that is not stored."""
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    opened = await surveys.open_response(
        session, director, loaded.survey.id, schools["47001"].id, NOW
    )
    assert opened.step == 0
    options = DIRECTORS.questions[0].options

    async def press(option: int) -> str | None:
        async with session_factory() as own:
            try:
                await surveys.answer(own, director, opened.response.id, 0, "ans", str(option), NOW)
            except AnswerError:
                return None
        return options[option].id

    confirmed = [
        found
        for found in await asyncio.gather(*(press(n % len(options)) for n in range(12)))
        if found is not None
    ]
    assert len(confirmed) == 1
    stored = await session.scalars(
        select(SurveyAnswer.option_id).where(SurveyAnswer.response_id == opened.response.id)
    )
    assert list(stored) == confirmed
    responses = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.survey_id == loaded.survey.id)
    )
    assert responses == 1


async def test_a_response_started_twice_at_once_is_one_response(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """«Начать» pressed twice at once (or on two replicas): both open the same response."""
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)

    async def begin() -> int:
        async with session_factory() as own:
            opened = await surveys.open_response(
                own, director, loaded.survey.id, schools["47001"].id, NOW
            )
            return opened.response.id

    assert len(set(await asyncio.gather(*(begin() for _ in range(8))))) == 1


async def test_answers_on_postgresql_read_the_definition_once_per_content(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """asyncpg decodes JSON itself: each answer read the definition whole (some 10 KB),
    decoded and compared it. It now reads the definition's fingerprint, and the definition
    only for content this process has not seen, so a definition changed underneath (here
    by hand: the bot changes one in place only while it has no responses) is read anew."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite rows come as text, which SharedJSON decodes once per content")
    loaded = await surveys.load(session, None, DIRECTORS)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await surveys.open_window(session, None, DIRECTORS.code, NOW + timedelta(days=7), NOW)
    response = await surveys.start(session, director, loaded.survey.id, NOW, schools["47001"].id)
    surveys._BY_FINGERPRINT.clear()
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await surveys.record(session, director, response.id, "meetings_attended", "most", NOW)
        await surveys.record(session, director, response.id, "webinars_attended", 4, NOW)
        # The same content stored anew: the same fingerprint, nothing read again.
        definition = copy.deepcopy(loaded.survey.definition)
        await session.execute(
            update(Survey).where(Survey.id == loaded.survey.id).values(definition=definition)
        )
        await session.commit()
        await surveys.record(session, director, response.id, "curator_contact", "weekly", NOW)
        # Changed: a question reworded.
        question = next(q for q in definition["questions"] if q["id"] == "curator_helpful")
        question["text"]["ru"] = "Насколько полезен куратор?"
        await session.execute(
            update(Survey).where(Survey.id == loaded.survey.id).values(definition=definition)
        )
        await session.commit()
        recorded = await surveys.record(session, director, response.id, "curator_helpful", 4, NOW)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert recorded.answers["curator_helpful"] == 4
    reads = [s for s in statements if s.lstrip().startswith("SELECT surveys.definition")]
    assert len(reads) == 2, statements  # the first answer's, and the changed content's
    answering = [s for s in statements if "FOR UPDATE OF survey_responses" in s]
    assert len(answering) == 4
    assert all("surveys.definition," not in s for s in answering), answering[0]
    survey = (await surveys.owned_response(session, director, response.id))[1]
    assert surveys.definition_of(survey).question("curator_helpful").text.get("ru") == (
        "Насколько полезен куратор?"
    )
