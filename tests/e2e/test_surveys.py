"""A director completes the engagement survey through the fake Bot API (Telegram's, or
MAX's with the bot on MAX alone), with a kill -9 in the middle; one response for the
school holds the right answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.settings import PROJECT_ROOT
from storage.models import Channel
from tests.support.bot_process import BotProcess
from tests.support.fake_max import FakeMax
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.journeys import Said, bot_on, invite, join, register
from tests.support.updates import TelegramUser

pytestmark = pytest.mark.e2e

DIRECTOR = TelegramUser(id=1101, first_name="Ирина")
SCHOOLS = "Код;Муниципалитет;Полное наименование\n47001;Киришский;МОУ «Киришская СОШ №3»\n"


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.MAX], ids=lambda c: c.value)
async def test_a_director_answers_survives_a_crash_submits_and_edits(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    tmp_path: Path,
    processes: list[BotProcess],
    translator: Translator,
) -> None:
    t = translator.for_locale("ru")
    bot_process, person_of = bot_on(channel, telegram, max_api, tmp_path)
    processes.append(bot_process)
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    template = PROJECT_ROOT / "data" / "surveys" / "engagement_directors.yaml"
    await bot_process.cli("survey", "load", str(template))
    await bot_process.cli("survey", "open", "engagement_directors", "--closes", "01.01.2099 18:00")
    await bot_process.start()
    code = await invite(bot_process, "--role", "director", "--school", "47001")
    director = person_of(DIRECTOR.id)
    await join(director, translator, "Иванова Ирина", invite=code)

    async def listing() -> Said:
        since = director.mark()
        director.send("/surveys")
        return await director.next_message(since, lambda c: c.text.startswith("<b>Открытые анкеты"))

    question = await director.click(await listing(), t("survey-start"))
    assert question.text.startswith("Вопрос 1 из 10")

    async def choose(label: str) -> str:
        """Press a button; the text of the next step: an answer's button turns its message
        into the next question (or the summary), headed by what was saved."""
        nonlocal question
        question = await director.choose(question, label)
        assert question.text.startswith("✅ Ответ сохранён: «"), question.text
        return question.text

    async def type_answer(text: str) -> str:
        """Type an answer; the new message with the next step (or the complaint)."""
        nonlocal question
        since = director.mark()
        director.send(text)
        question = await director.next_message(
            since, lambda c: c.text.startswith(("✅ Ответ сохранён: «", "Нужно", "Число"))
        )
        return question.text

    assert "Сколько вебинаров" in await choose("В большинстве")
    assert (await type_answer("много")).startswith("Нужно число")  # typed wrongly first
    assert "Как часто Вы работали с куратором" in await type_answer("6")
    # "Не работали" hides the question about the curator's help (show_if).
    assert "Как продвигается программа" in await choose("Не работали")

    # kill -9 in the middle; after the restart the director continues where they were.
    await bot_process.kill()
    await bot_process.start()
    surveys = await listing()
    assert "вопрос 4 из 9" in surveys.text
    question = await director.click(surveys, t("survey-continue"))
    assert "Как продвигается программа" in question.text

    assert "антирисковые" in await choose("4")  # the scale
    for label in ("Низкая учебная мотивация", "Школьный климат"):
        await director.toggle(question, label)
    assert "Есть ли трудности" in await choose("Готово")
    assert "Опишите трудности" in await choose("Да")
    assert "Какая помощь нужна" in await type_answer("Не хватает учителей математики")
    assert "Комментарий" in await choose("Пропустить")
    summary = await choose("Пропустить")
    assert summary.startswith("✅ Ответ сохранён: «Комментарий")
    assert "— пропущено\n\n<b>Проверьте ответы</b>" in summary
    since = director.mark()
    await director.toggle(question, t("survey-submit"))
    submitted = await director.next_message(
        since, lambda c: c.text.startswith("<b>Анкета отправлена")
    )

    # Before the close, one answer is edited.
    asked = await director.click(submitted, t("survey-edit", number=2))
    assert "Сколько вебинаров" in asked.text
    summary = await type_answer("7")
    assert "— 7\n\n<b>Анкета отправлена" in summary

    with sqlite3.connect(bot_process.workdir / "bot.sqlite3") as connection:
        responses = connection.execute(
            "SELECT id, status, unit_key FROM survey_responses"
        ).fetchall()
        assert len(responses) == 1
        (response_id, status, unit_key) = responses[0]
        assert (status, unit_key.split(":")[0]) == ("submitted", "school")
        rows = connection.execute(
            "SELECT question_id, option_id, number, text, flag FROM survey_answers "
            "WHERE response_id = ? ORDER BY question_id, position",
            (response_id,),
        ).fetchall()
    answers: dict[str, list[object]] = {}
    for question_id, option_id, number, text, flag in rows:
        value = next((v for v in (option_id, number, text, flag) if v is not None), None)
        answers.setdefault(question_id, []).append(value)
    assert answers == {
        "meetings_attended": ["most"],
        "webinars_attended": [7.0],
        "curator_contact": ["never"],
        "programme_progress": [4.0],
        "antirisk_measures": ["motivation", "climate"],
        "difficulties": [1],
        "difficulties_text": ["Не хватает учителей математики"],
        "help_needed": [None],
        "comment": [None],
    }, json.dumps(answers, ensure_ascii=False)


async def test_the_next_director_takes_over_the_schools_response(
    telegram: FakeTelegram, bot_process: BotProcess, translator: Translator
) -> None:
    """The director leaves with /forget in the middle of the survey; the school's next
    director is invited, and continues the same response where it stopped."""
    t = translator.for_locale("ru")
    (bot_process.workdir / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    await bot_process.cli("schools", "import", "schools.csv", "--apply")
    template = PROJECT_ROOT / "data" / "surveys" / "engagement_directors.yaml"
    await bot_process.cli("survey", "load", str(template))
    await bot_process.cli("survey", "open", "engagement_directors", "--closes", "01.01.2099 18:00")
    bot_process.env["REMINDER_CHECK_SECONDS"] = "1"  # invitations within a second
    await bot_process.start()

    async def invited(user: TelegramUser) -> ApiCall:
        return await telegram.wait_for(
            "sendMessage", chat_id=user.id, where=lambda c: c.text.startswith("📋 Открыт опрос")
        )

    code = await invite(bot_process, "--role", "director", "--school", "47001")
    await register(telegram, DIRECTOR, translator, f"/start {code}", "Иванова Ирина")
    question = await telegram.click(DIRECTOR, await invited(DIRECTOR), t("survey-start"))
    assert question.text.startswith("Вопрос 1 из 10")
    since = len(telegram.calls)
    telegram.press(DIRECTOR, telegram.button(question, "В большинстве"), question)
    await telegram.wait_for("editMessageText", since=since, chat_id=DIRECTOR.id)
    saved = await telegram.ask(DIRECTOR, "6")
    assert saved.text.startswith("✅ Ответ сохранён: «Сколько вебинаров")

    # The open question's step ends first («Заполнение прервано.»); then the warning.
    since = len(telegram.calls)
    telegram.send_text(DIRECTOR, "/forget")
    warning = await telegram.wait_for(
        "sendMessage", since=since, chat_id=DIRECTOR.id, where=lambda c: bool(c.reply_markup)
    )
    sure = await telegram.click(DIRECTOR, warning, t("button-forget"))
    gone = await telegram.click(DIRECTOR, sure, t("button-forget-final"))
    assert gone.text == t("forget-done")

    successor = TelegramUser(id=1102, first_name="Пётр")
    code = await invite(bot_process, "--role", "director", "--school", "47001")
    await register(telegram, successor, translator, f"/start {code}", "Петров Пётр")
    question = await telegram.click(successor, await invited(successor), t("survey-start"))
    assert question.text.startswith("Вопрос 3 из 10")
    assert "Как часто Вы работали с куратором" in question.text
    since = len(telegram.calls)
    telegram.press(successor, telegram.button(question, "Еженедельно"), question)
    step = await telegram.wait_for("editMessageText", since=since, chat_id=successor.id)
    assert step.text.startswith("✅ Ответ сохранён: «Как часто Вы работали с куратором")

    with sqlite3.connect(bot_process.workdir / "bot.sqlite3") as connection:
        [(response_id, respondent)] = connection.execute(
            "SELECT r.id, a.external_id FROM survey_responses r "
            "JOIN accounts a ON a.participant_id = r.participant_id AND a.channel = 'telegram'"
        ).fetchall()
        rows = connection.execute(
            "SELECT question_id, option_id, number FROM survey_answers WHERE response_id = ? "
            "ORDER BY question_id",
            (response_id,),
        ).fetchall()
    assert respondent == successor.id
    assert rows == [
        ("curator_contact", "weekly", None),
        ("meetings_attended", "most", None),
        ("webinars_attended", None, 6.0),
    ]
