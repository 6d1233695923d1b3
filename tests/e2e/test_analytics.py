"""The analysis end to end: a director answers the pulse survey in chat; a regional
coordinator opens «Аналитика», reads the summary, gets a chart and the workbook as Telegram
sends them; the operator writes the same report at the console."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.i18n import Translator
from bot.settings import PROJECT_ROOT
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.journeys import invite, register
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

DIRECTOR = TelegramUser(id=1201, first_name="Ирина")
REGIONAL = TelegramUser(id=1202, first_name="Ольга")
SCHOOLS = """Код;Муниципалитет;Полное наименование
47001;Киришский;МОУ «Киришская СОШ №3»
47101;Тосненский;МБОУ «Тосненская СОШ №1»
"""


async def test_a_coordinator_reads_the_analysis_in_chat(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    t = translator.for_locale("ru")
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    await bot_process.cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml"))
    await bot_process.cli("survey", "open", "pulse", "--closes", "01.01.2099 18:00")
    await bot_process.start()
    code = await invite(bot_process, "--role", "director", "--school", "47001")
    await register(telegram, DIRECTOR, translator, f"/start {code}", "Иванова Ирина")
    code = await invite(bot_process, "--role", "regional_coordinator")
    await register(telegram, REGIONAL, translator, f"/start {code}", "Петрова Ольга")

    # The director answers the pulse: a scale, a choice, a skipped comment, submit.
    listing = await telegram.ask(DIRECTOR, "/surveys")
    question = await telegram.click(DIRECTOR, listing, t("survey-start"))
    for label in ("4", "Обычная", "Пропустить"):
        since = len(telegram.calls)
        telegram.press(DIRECTOR, telegram.button(question, label), question)
        # The answered question's message turns into the next one (or the summary).
        question = await telegram.wait_for("editMessageText", since=since, chat_id=DIRECTOR.id)
    since = len(telegram.calls)
    telegram.press(DIRECTOR, telegram.button(question, t("survey-submit")), question)
    await telegram.wait_for(
        "sendMessage",
        since=since,
        chat_id=DIRECTOR.id,
        where=lambda c: c.text.startswith("<b>Анкета отправлена"),
    )

    menu = await telegram.ask(REGIONAL, "/menu")
    rounds = await telegram.click(REGIONAL, menu, t("menu-analytics"))
    card = await telegram.click(REGIONAL, rounds, "Пульс-опрос — раунд 1")
    assert "Отправили ответ: 1 из 1 (100%)" in card.text  # one registered director or curator
    # Only Кириши has anyone to answer: no other municipality to rank it against.
    assert "Больше всего ответов" not in card.text
    assert "Меньше всего ответов" not in card.text

    questions = await telegram.click(REGIONAL, card, t("analysis-button-question"))
    since = len(telegram.calls)
    telegram.press(REGIONAL, telegram.button(questions, "2. Нагрузка"), questions)
    photo = await telegram.wait_for("sendPhoto", since=since, chat_id=REGIONAL.id)
    (picture,) = photo.files.values()
    assert Image.open(io.BytesIO(picture)).format == "PNG"
    assert photo.params["caption"] == t("analysis-caption-shares")

    since = len(telegram.calls)
    telegram.press(REGIONAL, telegram.button(card, t("analysis-button-xlsx")), card)
    document = await telegram.wait_for("sendDocument", since=since, chat_id=REGIONAL.id)
    ((name, content),) = document.files.items()
    assert name == "pulse-round1.xlsx"
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book["Распределения ответов"].iter_rows(min_row=2, values_only=True))
    workload = [r for r in rows if r[0] == "Нагрузка по проекту в этом месяце" and r[1] == "Итого"]
    assert [(r[3], r[4], r[5]) for r in workload] == [
        ("Небольшая", 0, 0),
        ("Обычная", 1, 1),
        ("Высокая", 0, 0),
    ]

    # The operator: the same report as files.
    out = bot_process.workdir / "reports"
    printed = await bot_process.cli("report", "pulse", "--out", str(out), "--anonymised")
    assert "Опрос pulse, раунд 1: отправили 1 из 1 (100%)" in printed
    archive = zipfile.ZipFile(out / "pulse-round1.xlsx")
    assert "Иванова".encode() not in b"".join(archive.read(n) for n in archive.namelist())
