"""The analysis through the dispatcher: the coordinator's menu, summaries, charts as pictures,
documents, the low-engagement list, scope and forged buttons."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import AnalysisCb, MenuCb
from bot.i18n import Translator
from bot.services import surveys
from storage.models import Attendance, Event, EventAnswer, EventKind, Role
from storage.types import utcnow
from tests.bot.conftest import BotHarness
from tests.support.analysis import answer, definition
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import TelegramUser


@pytest.fixture
async def region(session: AsyncSession) -> dict[str, Any]:
    """Кириши (47001, its director submitted, said «Буду» to last week's webinar) and
    Тосно (47101, its director has not started, did not answer): times relative to now."""
    now = utcnow()
    schools = await load_schools(session)
    d1 = await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Директор Один")
    d3 = await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Директор Три")
    loaded = await surveys.load(session, None, definition("dir", "school", ["director"], True))
    await surveys.open_window(
        session, None, "dir", now + timedelta(days=5), now, now - timedelta(days=5)
    )
    values = {"q_single": "a", "q_scale": 4, "q_multi": ["x"], "q_yes": True, "q_text": "Спасибо"}
    await answer(session, d1, loaded.survey, schools["47001"], values, now)
    webinar = Event(
        kind=EventKind.WEBINAR,
        title="W",
        starts_at=now - timedelta(days=2),
        link="https://example.org",
        audience={},
    )
    session.add(webinar)
    await session.flush()
    session.add(EventAnswer(event_id=webinar.id, participant_id=d1.id, answer=Attendance.YES))
    await session.commit()
    return {"survey": loaded.survey.id, "d1": d1, "d3": d3}


def _buttons(message: SendMessage) -> list[str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [button.text for row in markup.inline_keyboard for button in row]


def _file(request: SendDocument | SendPhoto) -> bytes:
    content = request.document if isinstance(request, SendDocument) else request.photo
    assert isinstance(content, BufferedInputFile)
    return content.data


async def test_a_municipal_coordinator_reads_their_municipality(
    harness: BotHarness, session: AsyncSession, translator: Translator, region: dict[str, Any]
) -> None:
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Тосненский")
    user = TelegramUser(id=telegram_id(coordinator))
    await harness.send(user, "/menu")
    assert translator.get("ru", "menu-analytics") in _buttons(harness.sent_to(user)[-1])

    await harness.press(user, MenuCb(item="analytics"))
    listing = harness.sent_to(user)[-1]
    assert "dir — раунд 1" in _buttons(listing)

    await harness.press(user, AnalysisCb(action="card", survey=region["survey"]))
    summary = str(harness.sent_to(user)[-1].text)
    assert "Территория: Тосненский муниципальный район" in summary
    assert "Отправили ответ: 0 из 1 (0%)" in summary
    assert "Ещё не отправили: Тосненская СОШ №1" in summary
    assert "Кириш" not in summary

    requests = await harness.press(user, AnalysisCb(action="rates", survey=region["survey"]))
    (photo,) = [r for r in requests if isinstance(r, SendPhoto)]
    assert Image.open(io.BytesIO(_file(photo))).format == "PNG"
    # Nobody in Тосно has answered: no picture, a clear word instead.
    await harness.press(user, AnalysisCb(action="question", survey=region["survey"], q=0))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "analysis-no-data")

    requests = await harness.press(user, AnalysisCb(action="xlsx", survey=region["survey"]))
    (document,) = [r for r in requests if isinstance(r, SendDocument)]
    book = load_workbook(io.BytesIO(_file(document)), read_only=True)
    places = [row[0] for row in book["Отклики по муниципалитетам"].iter_rows(values_only=True)]
    assert places == ["Муниципалитет", "Тосненский муниципальный район", "Итого"]

    await harness.press(user, AnalysisCb(action="low", survey=region["survey"]))
    low = str(harness.sent_to(user)[-1].text)
    assert "1. Тосненская СОШ №1 (Тосненский муниципальный район) — 0." in low
    assert "Совещания и вебинары: 0 из 1" in low


async def test_the_regional_team_sees_the_region_charts_and_files(
    harness: BotHarness, session: AsyncSession, region: dict[str, Any]
) -> None:
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    survey = region["survey"]
    await harness.press(user, AnalysisCb(action="card", survey=survey))
    summary = str(harness.sent_to(user)[-1].text)
    assert "Территория: Вся область" in summary
    # 47002 has no director: nobody can answer for it, so it is named apart, not expected.
    assert "Отправили ответ: 1 из 2 (50%)" in summary
    assert "Некому отвечать — не зарегистрирован директор: 1 школа" in summary
    assert "Меньше всего ответов: Тосненский муниципальный район 0%" in summary
    assert "Больше всего ответов: Киришский муниципальный район 100%" in summary

    await harness.press(user, AnalysisCb(action="questions", survey=survey))
    assert _buttons(harness.sent_to(user)[-1])[:4] == ["1. Один", "2. Шкала", "3. Много", "4. Да?"]
    for q in (0, 1, 2, 3):
        requests = await harness.press(user, AnalysisCb(action="question", survey=survey, q=q))
        assert [r for r in requests if isinstance(r, SendPhoto)], q
    requests = await harness.press(user, AnalysisCb(action="index", survey=survey))
    assert [r for r in requests if isinstance(r, SendPhoto)]

    requests = await harness.press(user, AnalysisCb(action="anon", survey=survey))
    (document,) = [r for r in requests if isinstance(r, SendDocument)]
    assert "Директор Один".encode() not in _sheets(_file(document))
    requests = await harness.press(user, AnalysisCb(action="xlsx", survey=survey))
    (document,) = [r for r in requests if isinstance(r, SendDocument)]
    assert "Директор Один".encode() in _sheets(_file(document))
    requests = await harness.press(user, AnalysisCb(action="csv", survey=survey))
    (document,) = [r for r in requests if isinstance(r, SendDocument)]
    names = zipfile.ZipFile(io.BytesIO(_file(document))).namelist()
    assert "rates_municipalities.csv" in names


def _sheets(workbook: bytes) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    return b"".join(archive.read(name) for name in archive.namelist())


async def test_others_and_forged_buttons_are_refused(
    harness: BotHarness, session: AsyncSession, translator: Translator, region: dict[str, Any]
) -> None:
    director = TelegramUser(id=telegram_id(region["d1"]))
    denied = [translator.get("ru", "error-access-denied")]
    for action in ("card", "rates", "question", "low", "xlsx", "csv"):
        assert (
            await harness.alerts(director, AnalysisCb(action=action, survey=region["survey"]))
            == denied
        )
    assert await harness.alerts(director, MenuCb(item="analytics")) == denied
    await harness.send(director, "/menu")
    assert translator.get("ru", "menu-analytics") not in _buttons(harness.sent_to(director)[-1])

    regional = TelegramUser(id=telegram_id(await person(session, Role.REGIONAL_COORDINATOR)))
    survey = region["survey"]
    assert await harness.alerts(regional, AnalysisCb(action="question", survey=survey, q=4)) == [
        translator.get("ru", "error-analysis-no-question")  # free text has no chart
    ]
    assert await harness.alerts(regional, AnalysisCb(action="question", survey=survey, q=99)) == [
        translator.get("ru", "error-analysis-no-question")
    ]
    assert await harness.alerts(regional, AnalysisCb(action="card", survey=9999)) == [
        translator.get("ru", "error-survey-unknown")
    ]
    assert await harness.alerts(regional, "an:xlsx:abc:-1:0") != []  # unparsable: explained


async def test_a_later_round_recalls_the_one_before(
    harness: BotHarness, session: AsyncSession, region: dict[str, Any]
) -> None:
    now = utcnow()
    await surveys.close(session, None, "dir", now)
    second = await surveys.open_window(
        session, None, "dir", now + timedelta(days=9), now, new_round=True
    )
    regional = TelegramUser(id=telegram_id(await person(session, Role.REGIONAL_COORDINATOR)))
    await harness.press(regional, MenuCb(item="analytics"))
    assert _buttons(harness.sent_to(regional)[-1])[:2] == ["dir — раунд 2", "dir — раунд 1"]
    await harness.press(regional, AnalysisCb(action="card", survey=second.id))
    summary = str(harness.sent_to(regional)[-1].text)
    assert "Отправили ответ: 0 из 2 (0%)" in summary  # 47002 has nobody to answer for it
    assert "В раунде 1 ответили: 50%" in summary


async def test_charts_come_with_captions_and_the_index_has_its_own_empty_state(
    harness: BotHarness, session: AsyncSession, translator: Translator, region: dict[str, Any]
) -> None:
    regional = TelegramUser(id=telegram_id(await person(session, Role.REGIONAL_COORDINATOR)))
    requests = await harness.press(regional, AnalysisCb(action="rates", survey=region["survey"]))
    (photo,) = [r for r in requests if isinstance(r, SendPhoto)]
    assert photo.caption == translator.get("ru", "analysis-caption-rates", unit="school")
    requests = await harness.press(
        regional, AnalysisCb(action="question", survey=region["survey"], q=2)
    )
    (photo,) = [r for r in requests if isinstance(r, SendPhoto)]
    assert photo.caption == translator.get("ru", "analysis-caption-multi")

    # A municipality with no schools in the directory: no index to draw, and it says so.
    elsewhere = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Лужский")
    user = TelegramUser(id=telegram_id(elsewhere))
    await harness.press(user, AnalysisCb(action="index"))
    answer = harness.sent_to(user)[-1]
    assert answer.text == translator.get("ru", "analysis-no-data-index")
    assert "вопрос" not in str(answer.text)
    assert _buttons(answer) == [translator.get("ru", "button-menu")]
