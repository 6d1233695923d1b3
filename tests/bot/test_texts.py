"""Every text a person meets, in both locales: the survey flow, its reminders and the
coordinators' views are walked through the dispatcher, every message, edit, caption, pop-up
and button label is recorded, and each is checked for what a reader must never see: a
Fluent placeholder left («{$»), a message key instead of its text, a Latin word in Russian,
a label cut mid-word.

To cover a new flow, write a `Walk` (an async function of the `World`) and decorate it
with `@walk`: it is run in both locales and its texts are checked like the others.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, ReplyKeyboardMarkup
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.conversation.actions import AccountCb, MenuCb, SurveyCb
from bot.i18n import Translator
from bot.services import accounts, broadcasts, events, participants, surveys
from bot.services.audience import Audience
from bot.services.survey_definitions import SurveyDefinition, load_definition
from bot.settings import PROJECT_ROOT, SUPPORTED_LOCALES, Settings
from bot.views import ELLIPSIS
from storage.models import Channel, OutboxMessage, Participant, Role, School, SurveyResponse
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.texts import latin_words
from tests.support.updates import TelegramUser

DIRECTORS = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
# A title longer than any button has room for: every label showing it is shortened.
WEBINAR_TITLE = "Вебинар для руководителей: работа с родителями обучающихся в новом учебном году"
ANNOUNCEMENT = "Уважаемые коллеги! Напоминаем о мониторинге вовлечённости руководителей школ"
KEY = re.compile(r"\b[a-z]+(?:-[a-z0-9_]+)+\b")


@dataclass(frozen=True)
class Shown:
    """One text a person saw, and where (a message, a button, a pop-up, an outbox row)."""

    where: str
    text: str


@dataclass
class World:
    """A small region in one locale: schools, people, an open survey, a webinar."""

    harness: BotHarness
    session: AsyncSession
    translator: Translator
    settings: Settings
    locale: str
    schools: dict[str, School]
    people: dict[Role, Participant]
    survey_id: int
    # Texts that may be shown shortened: a label showing part of one must cut it at a word.
    long_texts: list[str] = field(default_factory=list)

    def user(self, role: Role) -> TelegramUser:
        return TelegramUser(id=telegram_id(self.people[role]), language_code=self.locale)


Walk = Callable[[World], Awaitable[None]]
WALKS: dict[str, Walk] = {}


def walk(function: Walk) -> Walk:
    WALKS[function.__name__] = function
    return function


async def response_of(world: World) -> int:
    response = await world.session.scalar(select(SurveyResponse))
    assert response is not None
    return int(response.id)


@walk
async def survey_flow(world: World) -> None:
    """A director: the list, every question type, a wrong input, «Назад», the summary, an
    edit, the submission, then the list again."""
    harness, user = world.harness, world.user(Role.DIRECTOR)
    school = world.schools["47001"].id
    await harness.send(user, "/surveys")
    await harness.press(user, SurveyCb(action="open", survey=world.survey_id, school=school))
    rid = await response_of(world)

    def q(question: str) -> int:
        return [each.id for each in DIRECTORS.questions].index(question)

    def press(action: str, question: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=rid, q=q(question), v=value)

    await harness.send(user, "во всех")  # a typed text where buttons are asked
    await harness.press(user, press("ans", "meetings_attended", "0"))
    await harness.send(user, "пять")
    await harness.send(user, "99")
    await harness.send(user, "5")
    await harness.press(user, press("back", "curator_contact"))
    await harness.send(user, "5")
    await harness.press(user, press("ans", "curator_contact", "0"))
    await harness.press(user, press("ans", "curator_helpful", "4"))
    await harness.send(user, "/surveys")  # resumed from the list: «Продолжить: …»
    await harness.press(user, SurveyCb(action="open", survey=world.survey_id, school=school))
    await harness.press(user, press("ans", "programme_progress", "4"))
    await harness.press(user, press("done", "antirisk_measures"))  # nothing ticked
    await harness.press(user, press("tog", "antirisk_measures", "0"))
    await harness.press(user, press("done", "antirisk_measures"))
    await harness.press(user, press("ans", "difficulties", "1"))
    await harness.send(user, "Не хватает учителей математики")
    await harness.press(user, press("skip", "help_needed"))
    await harness.press(user, press("skip", "comment"))
    await harness.press(user, SurveyCb(action="edit", response=rid, q=q("webinars_attended")))
    await harness.send(user, "7")
    await harness.press(user, SurveyCb(action="submit", response=rid))
    await harness.send(user, "/surveys")


@walk
async def reminders(world: World) -> None:
    """What the bot sends on its own: survey invitations and nudges, webinar reminders."""
    session = world.session
    await notices.send_survey_invitations(session, world.translator, world.settings.zone)
    for step in ("after-3-days", "day-before", "last-morning"):
        await notices.send_survey_nudges(
            session, world.translator, world.survey_id, step, world.settings.zone
        )
    await surveys_started(world)
    await notices.send_survey_nudges(
        session, world.translator, world.survey_id, "again", world.settings.zone
    )
    now = datetime.now(UTC)
    for minutes_ahead in (25 * 60, 23 * 60, 50):
        event = await events.create_webinar(
            session,
            None,
            title=WEBINAR_TITLE,
            starts_at=now + timedelta(minutes=minutes_ahead),
            link="https://example.org/webinar",
            now=now,
        )
        await notices.send_reminders(
            session, world.translator, world.settings.zone, now, world.settings.reminder_offsets
        )
        notice = notices.change_notice(world.translator, world.settings.zone)
        later = event.starts_at + timedelta(days=1)
        await events.move(session, None, event.id, later, now, notice=notice)


async def surveys_started(world: World) -> None:
    """The director has begun: the next nudge says «Продолжить»."""
    await world.harness.press(
        world.user(Role.DIRECTOR),
        SurveyCb(action="open", survey=world.survey_id, school=world.schools["47001"].id),
    )


# Buttons whose press changes or sends something the other walks rely on.
UNSAFE = re.compile(r"remind|revoke|cancel|submit|send|resend|forget|create|delete|yes")


async def crawl(world: World, user: TelegramUser, start: str, depth: int = 3) -> None:
    """Opens `start`, then presses every safe button shown, `depth` screens deep."""
    harness = world.harness
    since = len(harness.session.requests)
    await harness.send(user, start)
    seen: set[str] = set()
    frontier = buttons_of(harness.session.requests[since:])
    for _ in range(depth):
        pressed = [data for data in frontier if data not in seen and not UNSAFE.search(data)]
        seen.update(frontier)
        frontier = []
        for data in pressed[:40]:
            frontier += buttons_of(await harness.press(user, data))


def buttons_of(requests: list[TelegramMethod[Any]]) -> list[str]:
    found = []
    for request in requests:
        markup = getattr(request, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            found += [
                b.callback_data
                for row in markup.inline_keyboard
                for b in row
                if b.callback_data and b.callback_data != MenuCb(item="main").pack()
            ]
    return found


@walk
async def coordinators_views(world: World) -> None:
    """The municipal and the regional coordinator: the menu and three screens below it
    (schools, requests, survey status, analytics, events, announcements)."""
    for role in (Role.MUNICIPAL_COORDINATOR, Role.REGIONAL_COORDINATOR):
        await crawl(world, world.user(role), "/menu")


@walk
async def curator_and_schedule(world: World) -> None:
    """A curator's menu, profile and schedule."""
    await crawl(world, world.user(Role.CURATOR), "/menu")
    await world.harness.send(world.user(Role.CURATOR), "/schedule")
    await world.harness.send(world.user(Role.CURATOR), "/me")


@walk
async def linked_accounts(world: World) -> None:
    """A director links an account on MAX from /me: the code, wrong codes until guessing is
    stopped, the refusals, /me with both accounts, the choice of channel, unlinking."""
    harness, user = world.harness, world.user(Role.DIRECTOR)
    [message] = [
        str(r.text)
        for r in await harness.press(user, AccountCb(action="link"))
        if isinstance(r, SendMessage)
    ]
    found = re.search(r"<code>(\w{4}-\w{4})</code>", message)
    assert found is not None, message
    code = found.group(1)
    stranger = TelegramUser(id=990_001, language_code=world.locale)
    await harness.send(stranger, "/link")
    for _ in range(accounts.MAX_FAILURES + 1):
        await harness.send(stranger, "AAAA-AAAA")
    await harness.send(user, f"/link {code}")  # already theirs
    await harness.send(world.user(Role.CURATOR), f"/link {code}")  # Telegram they have
    on_max = await participants.current(world.session, Channel.MAX, 990_002, world.locale)
    notice = notices.account_linked(world.translator)
    await accounts.enter_code(world.session, on_max, code, notice=notice)
    await harness.send(world.user(Role.CURATOR), f"/link {code}")  # used
    await harness.send(user, "/me")
    await harness.press(user, AccountCb(action="prefer", channel="max"))
    await harness.press(user, AccountCb(action="unlink", channel="max"))
    await harness.press(user, AccountCb(action="unlink-yes", channel="max"))


BAD_SURVEY_FILES = {
    "no-title": b"code: bad\nquestions: []\n",
    "not-yaml": b"code: [bad\n",
    "not-a-mapping": b"- one\n- two\n",
    "wrong-question": (PROJECT_ROOT / "data/surveys/pulse.yaml")
    .read_bytes()
    .replace(b"type: scale", b"type: slider", 1)
    .replace(b"audience:", b"colour: red\naudience:", 1),
    "bad-condition": (PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
    .read_bytes()
    .replace(b"any_of: [weekly, monthly, rarely]", b"any_of: [weekly, hourly]")
    .replace(b"{question: difficulties, equals: true}", b"{question: comment, equals: 1}"),
}


@walk
async def survey_files_refused(world: World) -> None:
    """The regional team uploads survey files that are wrong in different ways: each
    problem is told in the reader's language."""
    harness, user = world.harness, world.user(Role.REGIONAL_COORDINATOR)
    await harness.press(user, MenuCb(item="survey-upload"))
    for name, content in BAD_SURVEY_FILES.items():
        harness.session.files[name] = content
        document = {
            "file_id": name,
            "file_unique_id": name,
            "file_name": f"{name}.yaml",
            "file_size": len(content),
        }
        await harness.send(user, None, document=document)


@pytest.fixture(params=SUPPORTED_LOCALES)
async def world(
    request: pytest.FixtureRequest,
    harness: BotHarness,
    session: AsyncSession,
    translator: Translator,
    settings: Settings,
) -> World:
    locale = str(request.param)
    schools = await load_schools(session)
    people = {
        Role.DIRECTOR: await person(session, Role.DIRECTOR, schools=[schools["47001"]]),
        Role.CURATOR: await person(
            session,
            Role.CURATOR,
            schools=[schools["47001"], schools["47002"]],
            name="Петрова Анна Сергеевна",
        ),
        Role.MUNICIPAL_COORDINATOR: await person(
            session,
            Role.MUNICIPAL_COORDINATOR,
            municipality="Киришский",
            name="Сидорова Мария Ивановна",
        ),
        Role.REGIONAL_COORDINATOR: await person(
            session, Role.REGIONAL_COORDINATOR, name="Кузнецова Ольга Петровна"
        ),
    }
    for each in people.values():
        await participants.set_locale(session, each, locale)
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    now = datetime.now(UTC)
    loaded = await surveys.load(session, None, DIRECTORS)
    await surveys.open_window(session, None, DIRECTORS.code, now + timedelta(days=7), now)
    await surveys.load(session, None, curators)
    await surveys.open_window(session, None, curators.code, now + timedelta(days=7), now)
    await events.create_webinar(
        session,
        None,
        title=WEBINAR_TITLE,
        starts_at=now + timedelta(days=3),
        link="https://example.org/webinar",
        now=now,
    )
    regional = people[Role.REGIONAL_COORDINATOR]
    await broadcasts.create(
        session,
        regional,
        text=ANNOUNCEMENT,
        audience=Audience(),
        send_at=now,
        render=lambda b, p: notices.announcement(translator.for_locale(p.locale), b),
        acknowledge=True,
    )
    return World(
        harness,
        session,
        translator,
        settings,
        locale,
        schools,
        people,
        loaded.survey.id,
        long_texts=[
            WEBINAR_TITLE,
            ANNOUNCEMENT,
            *titles_of(DIRECTORS, locale),
            *titles_of(curators, locale),
        ],
    )


def titles_of(definition: SurveyDefinition, locale: str) -> list[str]:
    return [definition.title.get(locale)] + [q.text.get(locale) for q in definition.questions]


def recorded(requests: list[TelegramMethod[Any]]) -> list[Shown]:
    """Every text in the bot's requests: messages, edits, captions, pop-ups, buttons."""
    found: list[Shown] = []
    for request in requests:
        name = type(request).__name__
        if isinstance(request, SendMessage | EditMessageText):
            found.append(Shown(name, str(request.text)))
        elif isinstance(request, SendPhoto | SendDocument) and request.caption:
            found.append(Shown(name, str(request.caption)))
        if isinstance(request, SendDocument) and isinstance(request.document, BufferedInputFile):
            found += file_texts(request.document)
        elif isinstance(request, AnswerCallbackQuery) and request.text:
            found.append(Shown("pop-up", str(request.text)))
        markup = getattr(request, "reply_markup", None)
        if isinstance(request, EditMessageReplyMarkup | SendMessage | EditMessageText | SendPhoto):
            if isinstance(markup, InlineKeyboardMarkup):
                found += [Shown("button", b.text) for row in markup.inline_keyboard for b in row]
            elif isinstance(markup, ReplyKeyboardMarkup):
                found += [Shown("button", b.text) for row in markup.keyboard for b in row]
    return found


def file_texts(document: BufferedInputFile) -> list[Shown]:
    """The sheet names and cells of a workbook, the lines of a CSV: exports speak the
    reader's language too."""
    name = document.filename or ""
    if name.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(document.data), read_only=True)
        found = [Shown(f"{name} sheet", sheet.title) for sheet in book.worksheets]
        for sheet in book.worksheets:
            found += [
                Shown(f"{name} cell", str(cell))
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if isinstance(cell, str)
            ]
        return found
    if name.endswith(".csv"):
        text = document.data.decode("utf-8-sig")
        return [
            Shown(f"{name} cell", cell)
            for row in csv.reader(io.StringIO(text), delimiter=";")
            for cell in row
        ]
    return []


async def outbox(session: AsyncSession) -> list[Shown]:
    found: list[Shown] = []
    for row in await session.scalars(select(OutboxMessage)):
        found.append(Shown(f"outbox {row.kind}", str(row.payload.get("text", ""))))
        found += [
            Shown(f"outbox {row.kind} button", button["text"])
            for line in row.payload.get("buttons", [])
            for button in line
        ]
    return found


def cut_mid_word(shown: str, long_texts: list[str]) -> str | None:
    """The part of a long text that `shown` ends cut off inside a word or without «…»."""
    for text in long_texts:
        if len(text) < 20 or text in shown:
            continue
        for size in range(len(text) - 1, 11, -1):
            part = text[:size]
            if part not in shown:
                continue
            after = shown[shown.index(part) + size :]
            if after.startswith(ELLIPSIS):
                at_a_word = any(
                    other.startswith(part) and other[size:][:1].isspace() for other in long_texts
                )
                if not at_a_word or part[-1].isspace():
                    return part  # «…руководите…»
            elif text[size].isalnum() and not re.match(r"\w| \w", after):
                return part  # «…руководите» with nothing to say it goes on
            break  # the whole shortened at a word, or another text that starts alike
    return None


def problems(shown: Shown, world: World) -> list[str]:
    found = []
    text = unescape(shown.text)
    if "{$" in text or "{ $" in text:
        found.append("a placeholder left")
    keys = [k for k in KEY.findall(text) if world.translator.has(world.locale, k)]
    if keys:
        found.append(f"message keys shown: {keys}")
    if world.locale == "ru" and (words := latin_words(text)):
        found.append(f"Latin words: {words}")
    if (part := cut_mid_word(text, world.long_texts)) is not None:
        found.append(f"cut mid-word or without «…»: {part!r}")
    return found


@pytest.mark.parametrize("name", sorted(WALKS))
async def test_every_text_of_the_walk_reads_well(world: World, name: str) -> None:
    since = len(world.harness.session.requests)
    await WALKS[name](world)
    shown = recorded(world.harness.session.requests[since:]) + await outbox(world.session)
    assert len(shown) > 5, "the walk showed (almost) nothing"
    bad = [
        (each.where, each.text[:300], found) for each in shown if (found := problems(each, world))
    ]
    assert not bad, "\n".join(map(str, bad))


def test_the_checks_find_what_they_look_for() -> None:
    # Guards the checks: each finds its fault and spares the right text.
    long = ["Опрос вовлечённости руководителей школ"]
    assert cut_mid_word("Продолжить: Опрос вовлечённости руководите", long) is not None
    assert cut_mid_word("Продолжить: Опрос вовлечённости руководи…", long) is not None
    assert cut_mid_word("Опрос вовлечённости директоров", long) is None  # another text
    assert cut_mid_word("Продолжить: Опрос вовлечённости…", long) is None
    assert cut_mid_word("• Опрос вовлечённости руководителей школ: не начат", long) is None
