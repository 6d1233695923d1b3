"""Benchmark: the regional analysis on about a million survey answers.

    .venv/bin/python -m bench.analysis [--schools 3000] [--rounds 4]

Builds a migrated SQLite database of a large region: the schools spread over the 18
municipalities, a director per school, a curator per ~5 schools, and three surveys run for
`--rounds` rounds each: the directors' engagement survey (per school, 24 questions of every
type, `compare_with` the curators'), the curators' one (per curator and school, sharing
question ids with it) and the ШМР self-diagnostics (per school, ШМР schools only); about 90%
of the units submitted (some on the last day), some in progress. Meetings, webinars with
«Буду» / «Не смогу» and announcements asking for «Ознакомлен» fill the engagement period,
the last half-year. The surveys are loaded and opened through `bot.services.surveys`; the
bulk rows are inserted with the stdlib sqlite3 module, the answers in submission order.

Prints the row counts, then, on that database through the bot's async engine, with the
runtime settings of the bot's processes (`bot.runtime.settle_after_start`: the collector's
thresholds), the median of 3 runs each, alternating: a single raw GROUP BY over the whole
answers table and the full regional report (`analytics.report`: rates, distributions,
engagement index, directors against curators, rounds) for the directors' latest round, the
part of the report's time spent in CPython's cyclic garbage collector, and the ratio (goals:
the report within 3 s and within 3x the GROUP BY); then the time to turn the report into
tables and an Excel workbook, its size, and its peak memory (goals: within 15 s, under
500 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.reports import analysis as report_files
from bot.runtime import THRESHOLDS, settle_after_start
from bot.services import analytics, surveys
from bot.services.audience import Audience
from bot.services.delivery import Payload
from bot.services.survey_definitions import Question, SurveyDefinition, load_definition
from bot.services.survey_engine import SurveyEngine
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Event,
    EventKind,
    EventStatus,
    Role,
    SurveyAnswer,
)

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "data" / "surveys"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PERIOD = timedelta(days=182)  # the engagement index over the last half-year
ROUND_EVERY = timedelta(days=42)
WINDOW = timedelta(days=21)
ZONE = ZoneInfo("Europe/Moscow")
REPEATS = 3
SCHOOLS_PER_CURATOR = 4  # and ~30% of schools have a second one: ~5 schools each
SCALE_1_5 = {
    "min": 1,
    "max": 5,
    "min_label": {"ru": "Низко", "en": "Low"},
    "max_label": {"ru": "Высоко", "en": "High"},
}
TEXTS = [
    "Не хватает педагогов-предметников, особенно по математике и физике.",
    "Нужна методическая помощь в составлении антирисковой программы.",
    "Родители слабо вовлечены, собрания посещает меньше половины.",
    "Просим провести выездной семинар для педагогического коллектива.",
    "Всё по плану, трудностей нет.",
    "Высокая нагрузка на заместителя директора по УВР.",
    "Не работает оборудование центра «Точка роста», ждём ремонта.",
    "Хотелось бы больше практических вебинаров с примерами других школ.",
]


# -- the surveys ---------------------------------------------------------------------------------


def _text(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


def _options(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"id": i, "label": _text(label, i)} for i, label in pairs]


def _scale(question_id: str, ru: str) -> dict[str, Any]:
    return {"id": question_id, "type": "scale", "scale": SCALE_1_5, "text": _text(ru, ru)}


def _yes_no(question_id: str, ru: str) -> dict[str, Any]:
    return {"id": question_id, "type": "yes_no", "text": _text(ru, ru)}


def _shipped(name: str) -> dict[str, Any]:
    data = load_definition(SURVEYS_DIR / name).model_dump(mode="json")
    data["template"] = False
    return data


def directors_definition() -> SurveyDefinition:
    data = _shipped("engagement_directors.yaml")  # 11 questions, + 13 here
    data["questions"] += [
        _scale("leadership_involvement", "Насколько вовлечена управленческая команда школы?"),
        {
            "id": "teachers_involved",
            "type": "single",
            "text": _text("Какая часть педагогов участвует в программе?", "Teachers involved"),
            "options": _options(
                ("most", "Большинство"),
                ("half", "Около половины"),
                ("few", "Немногие"),
                ("none", "Никто"),
            ),
        },
        _scale("parents_involved", "Насколько вовлечены родители?"),
        {
            "id": "methodical_days",
            "type": "number",
            "min": 0,
            "max": 30,
            "text": _text("Сколько методических дней проведено за квартал?", "Methodical days"),
        },
        _yes_no("plan_updated", "Обновлён ли план программы в этом квартале?"),
        {
            "id": "events_held",
            "type": "multi",
            "min_picks": 1,
            "text": _text("Какие мероприятия прошли в школе?", "Events held"),
            "options": _options(
                ("open_lessons", "Открытые уроки"),
                ("seminars", "Семинары"),
                ("competitions", "Конкурсы"),
                ("parent_meetings", "Родительские собрания"),
                ("master_classes", "Мастер-классы"),
            ),
        },
        {
            "id": "digital_platform",
            "type": "single",
            "text": _text("Какой платформой школа пользуется чаще всего?", "Platform"),
            "options": _options(
                ("fgis", "ФГИС «Моя школа»"),
                ("sferum", "Сферум"),
                ("other", "Другой"),
                ("none", "Никакой"),
            ),
        },
        _scale("staff_training", "Насколько педагоги обучены по программе?"),
        _scale("students_progress", "Как меняются результаты обучающихся?"),
        _yes_no("monitoring_regular", "Проводится ли регулярный мониторинг программы?"),
        {
            "id": "programme_risks",
            "type": "multi",
            "required": False,
            "text": _text("Какие риски Вы видите?", "Risks"),
            "options": _options(
                ("staff_turnover", "Смена кадров"),
                ("formal", "Формальное участие"),
                ("overload", "Перегрузка педагогов"),
                ("resources", "Нехватка ресурсов"),
            ),
        },
        _yes_no("mentor_assigned", "Назначен ли наставник молодым педагогам?"),
        _scale("budget_sufficient", "Достаточно ли ресурсов на программу?"),
    ]
    return SurveyDefinition.model_validate(data)


def curators_definition() -> SurveyDefinition:
    data = _shipped("engagement_curators.yaml")  # 5 questions, + 7 here
    data["questions"] += [
        _yes_no("monitoring_regular", "Проводит ли школа регулярный мониторинг программы?"),
        {
            "id": "visits",
            "type": "number",
            "min": 0,
            "max": 20,
            "text": _text("Сколько раз Вы были в школе за квартал?", "Visits"),
        },
        _scale("parents_involved", "Насколько вовлечены родители?"),
        _scale("staff_training", "Насколько педагоги обучены по программе?"),
        _yes_no("plan_updated", "Обновлён ли план программы в этом квартале?"),
        {
            "id": "recommendations",
            "type": "multi",
            "min_picks": 1,
            "text": _text("Что Вы рекомендовали школе?", "Recommendations"),
            "options": _options(
                ("training", "Обучение"),
                ("mentoring", "Наставничество"),
                ("network", "Сетевое взаимодействие"),
                ("plan", "Доработку плана"),
            ),
        },
        {
            "id": "school_openness",
            "type": "single",
            "text": _text("Насколько школа открыта к сотрудничеству?", "Openness"),
            "options": _options(
                ("open", "Открыта"), ("formal", "Формально"), ("closed", "Закрыта")
            ),
        },
    ]
    return SurveyDefinition.model_validate(data)


def self_diagnostics_definition() -> SurveyDefinition:
    data = _shipped("self_diagnostics_shmr.yaml")  # 8 directions, a comment, + 64 criteria
    directions = [q["id"] for q in data["questions"] if q["type"] == "scale"]
    comment = [q for q in data["questions"] if q["type"] == "text"]
    scales = [q for q in data["questions"] if q["type"] == "scale"]
    for direction in directions:
        for k in range(1, 9):
            scales.append(_scale(f"{direction}_criterion_{k}", f"{direction}: критерий {k}"))
    data["questions"] = scales + comment
    return SurveyDefinition.model_validate(data)


# -- the region ----------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite (naive UTC, microseconds)."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


@dataclass(frozen=True)
class Unit:
    """One response to generate: its row, and what drives its answers."""

    id: int
    survey_id: int
    unit_key: str
    school_id: int
    participant_id: int
    status: str  # submitted | in_progress
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    engine: SurveyEngine
    zeal: float  # 0–1: how engaged the school is
    seed: int


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _value(question: Question, zeal: float, rng: random.Random) -> Any:
    """A plausible answer: engaged schools lean to the first options and high numbers."""
    if question.type == "single":
        n = len(question.options)
        index = _clamp(int(rng.triangular(0, n, (1 - zeal) * n)), 0, n - 1)
        return question.options[index].id
    if question.type == "multi":
        low = question.min_picks or 0
        high = question.max_picks or len(question.options)
        k = _clamp(int(rng.triangular(low, high + 1, low + 1)), low, high)
        return rng.sample(question.option_ids(), k)
    if question.type == "scale":
        assert question.scale is not None
        low, high = question.scale.min, question.scale.max
        return _clamp(round(rng.gauss(low + (high - low) * (0.3 + 0.6 * zeal), 0.9)), low, high)
    if question.type == "number":
        low, high = int(question.min or 0), int(question.max or 100)
        return _clamp(
            round(rng.gauss(low + (high - low) * 0.4 * zeal, (high - low) / 8)), low, high
        )
    if question.type == "yes_no":
        return rng.random() < 0.3 + 0.4 * zeal
    return rng.choice(TEXTS)


def answers_of(unit: Unit) -> dict[str, Any]:
    """The response's answers as the survey engine keeps them (None: skipped)."""
    rng = random.Random(unit.seed)
    engine = unit.engine
    values: dict[str, Any] = {}
    questions = engine.definition.questions
    # In progress: stopped before the end (at most two questions are ever hidden).
    limit = len(questions) if unit.submitted_at else rng.randrange(0, len(questions) - 2)
    for question in questions:
        if len(values) >= limit:
            break
        if not engine.is_visible(question, values):
            continue
        skip = not question.required and rng.random() < (0.75 if question.type == "text" else 0.2)
        values[question.id] = None if skip else _value(question, unit.zeal, rng)
    return values


def answer_rows(unit: Unit) -> Iterator[tuple[Any, ...]]:
    """As `surveys.record` stores them: (response, question, position, option, number,
    text, flag); a multi choice is a row per option, a skip a row with no value."""
    for question_id, value in answers_of(unit).items():
        kind = unit.engine.definition.question(question_id).type
        if value is None or (kind == "multi" and not value):
            yield unit.id, question_id, 0, None, None, None, None
        elif kind == "multi":
            for position, option in enumerate(value):
                yield unit.id, question_id, position, option, None, None, None
        elif kind == "single":
            yield unit.id, question_id, 0, value, None, None, None
        elif kind == "yes_no":
            yield unit.id, question_id, 0, None, None, None, int(value)
        elif kind in ("scale", "number"):
            yield unit.id, question_id, 0, None, float(value), None, None
        else:
            yield unit.id, question_id, 0, None, None, value, None


@dataclass(frozen=True)
class SurveyRound:
    survey_id: int
    engine: SurveyEngine
    opens_at: datetime
    closes_at: datetime


async def open_rounds(
    sessions: async_sessionmaker[AsyncSession], definitions: list[SurveyDefinition], rounds: int
) -> dict[str, list[SurveyRound]]:
    """Loads the surveys and runs their rounds (open, then close) through the service."""
    result: dict[str, list[SurveyRound]] = {d.code: [] for d in definitions}
    async with sessions() as session:
        for definition in definitions:
            await surveys.load(session, None, definition)
        for number in range(rounds):
            opens = NOW - ROUND_EVERY * (rounds - number)
            closes = opens + WINDOW
            for definition in definitions:
                survey = await surveys.open_window(
                    session, None, definition.code, closes, opens, opens, new_round=number > 0
                )
                await surveys.close(session, None, definition.code, closes)
                result[definition.code].append(
                    SurveyRound(survey.id, SurveyEngine(definition), opens, closes)
                )
    return result


async def events_and_announcements(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[list[int], list[tuple[int, datetime]]]:
    """Meetings (1st and 3rd Monday), webinars (every other Thursday) and announcements
    asking for «Ознакомлен» over the period; (event ids held, (broadcast id, sent at))."""
    start = NOW - PERIOD
    everyone = Audience(roles=(Role.DIRECTOR, Role.CURATOR)).as_json()
    shmr = Audience(roles=(Role.DIRECTOR,), programmes=("ШМР",)).as_json()
    async with sessions() as session:
        events: list[Event] = []
        day = start.date()
        webinar = 0
        while day < NOW.date():
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
            if day.weekday() == 0 and (day.day <= 7 or 15 <= day.day <= 21):
                events.append(
                    Event(
                        kind=EventKind.MEETING,
                        occurrence=day,
                        starts_at=moment,
                        title="Организационное совещание",
                        link="https://meet/x",
                        audience=everyone,
                        created_at=moment - timedelta(days=7),
                    )
                )
            if day.weekday() == 3 and (day - date(2020, 1, 2)).days % 14 == 0:
                webinar += 1
                events.append(
                    Event(
                        kind=EventKind.WEBINAR,
                        starts_at=moment + timedelta(hours=2),
                        title=f"Вебинар {webinar}",
                        link="https://webinar/x",
                        audience=shmr if webinar % 3 == 0 else everyone,
                        status=EventStatus.CANCELLED if webinar == 4 else EventStatus.SCHEDULED,
                        created_at=moment - timedelta(days=10),
                    )
                )
            day += timedelta(days=1)
        session.add_all(events)
        sent = [start + timedelta(days=10 + 20 * i) for i in range(8)]
        broadcasts = [
            Broadcast(
                text=f"Объявление {i}: ознакомьтесь с методическими рекомендациями",
                acknowledge=True,
                audience=everyone,
                send_at=at,
                status=BroadcastStatus.DONE,
                created_at=at,
            )
            for i, at in enumerate(sent, start=1)
        ]
        session.add_all(broadcasts)
        await session.commit()
        held = [e.id for e in events if e.status == EventStatus.SCHEDULED]
        return held, [(b.id, b.send_at) for b in broadcasts]


def fill(
    path: Path,
    schools: int,
    rounds: dict[str, list[SurveyRound]],
    event_ids: list[int],
    announcements: list[tuple[int, datetime]],
) -> None:
    """The bulk rows, with executemany in one transaction."""
    rng = random.Random(47)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    created = _stamp(NOW - PERIOD - timedelta(days=60))
    municipalities = [m for (m,) in db.execute("SELECT id FROM municipalities ORDER BY id")]
    weights = [rng.uniform(0.3, 3.0) for _ in municipalities]  # districts differ in size
    school_ids = list(range(1, schools + 1))
    shmr: set[int] = set()
    school_rows = []
    for school_id in school_ids:
        municipality = rng.choices(municipalities, weights)[0]
        programmes = ["500+"] if rng.random() < 0.35 else ["ШМР"]
        if programmes == ["ШМР"] and rng.random() < 0.1:
            programmes.append("500+")
        if "ШМР" in programmes:
            shmr.add(school_id)
        name = f"СОШ № {school_id}"
        school_rows.append(
            (
                school_id,
                f"47{school_id:05d}",
                municipality,
                f"Муниципальное общеобразовательное учреждение «{name}»",
                name,
                json.dumps(programmes, ensure_ascii=False),
                f"{name} 47{school_id:05d}".casefold(),
                None,
            )
        )
    db.executemany(
        "INSERT INTO schools (id, code, municipality_id, full_name, short_name, "
        "programmes, search_text, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        school_rows,
    )

    # A director per school (ids 1..schools), then the curators.
    curators = max(schools // SCHOOLS_PER_CURATOR, 1)
    people = [
        (
            i,
            40_000_000 + i,
            "ru",
            created,
            f"Директор {i}",
            Role.DIRECTOR.value,
            None,
            created,
            created,
            None,
            1,
        )
        for i in school_ids
    ]
    people += [
        (
            schools + i,
            40_000_000 + schools + i,
            "ru",
            created,
            f"Куратор {i}",
            Role.CURATOR.value,
            None,
            created,
            created,
            None,
            1,
        )
        for i in range(1, curators + 1)
    ]
    db.executemany(
        "INSERT INTO participants (id, locale, created_at, full_name, "
        "role, municipality_id, consent_at, registered_at, "
        "digest_enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(row[0], *row[2:9], row[10]) for row in people],
    )
    # A person's reachability is their account's (row[9]: when it refused delivery).
    db.executemany(
        "INSERT INTO accounts (participant_id, channel, external_id, created_at, "
        "unreachable_at) VALUES (?, 'telegram', ?, ?, ?)",
        [(row[0], row[1], row[3], row[9]) for row in people],
    )
    shuffled = school_ids[:]
    rng.shuffle(shuffled)
    curators_of = {
        s: [schools + 1 + i // SCHOOLS_PER_CURATOR % curators] for i, s in enumerate(shuffled)
    }
    for theirs in curators_of.values():
        second = schools + 1 + rng.randrange(curators)
        if rng.random() < 0.3 and second not in theirs:
            theirs.append(second)
    db.executemany(
        "INSERT INTO assignments (participant_id, school_id) VALUES (?, ?)",
        [(s, s) for s in school_ids] + [(c, s) for s, cs in curators_of.items() for c in cs],
    )
    zeal = {s: rng.betavariate(6, 1.2) for s in school_ids}

    units: list[Unit] = []
    for survey_rounds in rounds.values():
        for item in survey_rounds:
            definition = item.engine.definition
            for school_id in school_ids:
                if definition.audience.programmes and school_id not in shmr:
                    continue
                if definition.unit == "curator_school":
                    who = [(c, f"curator:{c}:school:{school_id}") for c in curators_of[school_id]]
                else:
                    who = [(school_id, f"school:{school_id}")]
                for participant_id, key in who:
                    chance = rng.random()
                    if chance > zeal[school_id] + 0.08:  # about 90% submitted in all
                        if chance > 0.985 or rng.random() < 0.5:
                            continue  # not started
                        status = "in_progress"
                    else:
                        status = "submitted"
                    started = item.opens_at + (WINDOW - timedelta(days=2)) * rng.random() ** 2
                    if status == "submitted" and rng.random() < 0.12:  # on the last day: late
                        finished = item.closes_at - timedelta(days=1) * rng.uniform(0.02, 0.98)
                    else:
                        finished = started + timedelta(minutes=rng.uniform(3, 60 * 24))
                    units.append(
                        Unit(
                            len(units) + 1,
                            item.survey_id,
                            key,
                            school_id,
                            participant_id,
                            status,
                            started,
                            finished,
                            finished if status == "submitted" else None,
                            item.engine,
                            zeal[school_id],
                            rng.getrandbits(32),
                        )
                    )
    db.executemany(
        "INSERT INTO survey_responses (id, survey_id, unit_key, school_id, "
        "participant_id, status, started_at, updated_at, submitted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                u.id,
                u.survey_id,
                u.unit_key,
                u.school_id,
                u.participant_id,
                u.status,
                _stamp(u.started_at),
                _stamp(u.updated_at),
                _stamp(u.submitted_at) if u.submitted_at else None,
            )
            for u in units
        ],
    )
    for unit in units[:300]:  # the generator obeys the engine's rules
        values = answers_of(unit)
        assert not unit.engine.consistency_problems(values), unit
        assert unit.engine.is_complete(values) == (unit.status == "submitted"), unit
    # Every answer rewrites its response's rows: the table is in order of the last change.
    in_order = sorted(units, key=lambda u: u.updated_at)
    db.executemany(
        "INSERT INTO survey_answers (response_id, question_id, position, option_id, "
        "number, text, flag) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row for unit in in_order for row in answer_rows(unit)),
    )

    # «Буду» / «Не смогу» from directors and curators; announcements reached them all.
    event_times = dict(db.execute("SELECT id, starts_at FROM events"))
    everyone = [(p[0], p[1], zeal.get(p[0], 0.8)) for p in people]
    db.executemany(
        "INSERT INTO event_answers (event_id, participant_id, answer, answered_at) "
        "VALUES (?, ?, ?, ?)",
        (
            (event, person, "yes" if rng.random() < 0.3 + 0.65 * z else "no", event_times[event])
            for event in event_ids
            for person, _, z in everyone
            if rng.random() < 0.5 + 0.45 * z
        ),
    )
    payload = json.dumps(Payload("Объявление").as_json(), ensure_ascii=False)
    db.executemany(
        "INSERT INTO outbox (kind, reference, participant_id, chat_id, payload, "
        "due_at, status, attempts, sent_at, message_id) "
        "VALUES ('broadcast', ?, ?, ?, ?, ?, 'sent', 1, ?, ?)",
        (
            (f"broadcast:{b}", person, chat, payload, _stamp(at), _stamp(at), person)
            for b, at in announcements
            for person, chat, _ in everyone
        ),
    )
    db.executemany(
        "INSERT INTO acknowledgements (broadcast_id, participant_id, "
        "acknowledged_at) VALUES (?, ?, ?)",
        (
            (b, person, _stamp(at + timedelta(hours=3)))
            for b, at in announcements
            for person, _, z in everyone
            if rng.random() < 0.2 + 0.75 * z
        ),
    )
    db.execute("UPDATE broadcasts SET recipients = ?", (len(people),))
    db.commit()
    db.close()


def counts(path: Path) -> list[tuple[str, int]]:
    db = sqlite3.connect(path)
    tables = [
        "schools",
        "participants",
        "assignments",
        "surveys",
        "survey_responses",
        "survey_answers",
        "events",
        "event_answers",
        "broadcasts",
        "outbox",
        "acknowledgements",
    ]
    result = [(t, int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0])) for t in tables]
    submitted = db.execute(
        "SELECT count(*) FROM survey_responses WHERE status = 'submitted'"
    ).fetchone()[0]
    result.append(("  of which submitted", int(submitted)))
    db.close()
    return result


# -- the measurements ------------------------------------------------------------------------------


async def raw_group_by(sessions: async_sessionmaker[AsyncSession]) -> tuple[float, int]:
    """One GROUP BY over the whole answers table: the floor the report is compared with."""
    columns = (SurveyAnswer.question_id, SurveyAnswer.option_id)
    async with sessions() as session:
        started = time.perf_counter()
        rows = (await session.execute(select(*columns, func.count()).group_by(*columns))).all()
        return time.perf_counter() - started, len(rows)


class GcClock:
    """Time spent in CPython's cyclic garbage collector while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


async def full_report(
    sessions: async_sessionmaker[AsyncSession], code: str
) -> tuple[float, float, analytics.Report]:
    """(seconds, of which in the garbage collector, the report)."""
    clock = GcClock()
    gc.callbacks.append(clock)
    try:
        async with sessions() as session:
            started = time.perf_counter()
            report = await analytics.report(
                session,
                None,
                code,
                start=NOW - PERIOD,
                end=NOW,
                now=NOW,
                rules=analytics.EngagementRules(),
                divergence=0.4,
            )
            return time.perf_counter() - started, clock.seconds, report
    finally:
        gc.callbacks.remove(clock)


def write_workbook(report: analytics.Report) -> tuple[int, int]:
    t = Translator("ru").for_locale("ru")
    tables = report_files.tables(report, t, "ru", ZONE)
    return len(tables), len(report_files.workbook(tables))


def rss_mb() -> float:
    """The process's peak resident set so far (ru_maxrss, kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(schools: int, rounds: int) -> None:
    began = time.perf_counter()
    path = Path(tempfile.mkdtemp(prefix="bench-analysis-")) / "bench.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    directors, curators = directors_definition(), curators_definition()
    opened = await open_rounds(
        sessions, [directors, curators, self_diagnostics_definition()], rounds
    )
    event_ids, announcements = await events_and_announcements(sessions)
    await engine.dispose()
    fill(path, schools, opened, event_ids, announcements)
    generated = time.perf_counter() - began
    print(
        f"database:            {path} ({path.stat().st_size / 2**20:.0f} MB), "
        f"built in {generated:.1f} s"
    )
    for table, n in counts(path):
        print(f"  {table:<22} {n:>9,}".replace(",", " "))

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = create_session_factory(engine)
    settle_after_start()  # as `python -m bot` and `python -m bot report` do
    await raw_group_by(sessions)  # warm-up: the file in the page cache, the pool connected
    await full_report(sessions, directors.code)
    gc.collect()
    raw_times, report_times, gc_times = [], [], []
    groups = 0
    report: analytics.Report | None = None
    for _ in range(REPEATS):
        seconds, groups = await raw_group_by(sessions)
        raw_times.append(seconds)
        seconds, collecting, report = await full_report(sessions, directors.code)
        report_times.append(seconds)
        gc_times.append(collecting)
    assert report is not None
    raw, full = statistics.median(raw_times), statistics.median(report_times)

    def runs(times: list[float]) -> str:
        return ", ".join(f"{s * 1000:.0f}" for s in times)

    print(
        f"raw GROUP BY over survey_answers ({groups} groups): median {raw * 1000:.0f} ms "
        f"(runs {runs(raw_times)} ms)"
    )
    print(
        f"full report ({directors.code}, round {report.rates.round.number}, region): "
        f"median {full * 1000:.0f} ms (runs {runs(report_times)} ms) (goal <= 3000 ms)"
    )
    collecting = statistics.median(gc_times) * 1000
    print(
        f"  of which in CPython's cyclic GC (thresholds {THRESHOLDS}, as in the bot): "
        f"median {collecting:.0f} ms (runs {runs(gc_times)} ms)"
    )
    print(f"ratio (report / raw GROUP BY): {full / raw:.2f} (goal <= 3)")
    print(
        f"  report: {report.rates.total.submitted} of {report.rates.total.expected} "
        f"submitted, {len(report.distributions.questions)} distributions, "
        f"{len(report.distributions.texts)} texts, {len(report.engagement.schools)} schools "
        f"rated, {len(report.comparison.schools) if report.comparison else 0} "
        f"director/curator pairs, {len(report.rounds.rounds)} rounds"
    )

    before = rss_mb()
    started = time.perf_counter()
    sheets, size = write_workbook(report)
    workbook_seconds = time.perf_counter() - started
    after = rss_mb()
    tracemalloc.start()
    write_workbook(report)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.dispose()
    print(
        f"workbook (report.tables + report.workbook): {workbook_seconds:.2f} s, {sheets} "
        f"sheets, {size / 1024:.0f} KB (goal <= 15 s)"
    )
    print(
        f"workbook peak memory: {traced_peak / 2**20:.0f} MB allocated by Python at the peak "
        f"(tracemalloc, a second pass; goal < 500 MB); the whole process's peak RSS "
        f"{before:.0f} MB before, {after:.0f} MB after (ru_maxrss)"
    )
    print(f"wall time, generation included: {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.schools, arguments.rounds))
