"""10,000 random and hostile updates leave no traceback (issue #13).

A seeded generator (tests/support/fuzzing.py) feeds the real dispatcher with every kind of
update, from every role, aimed at the region's real ids (other people's too), at ids that
do not exist and at ids that overflow. Afterwards: no ERROR log record, every private
message and every button press answered, and everyone still gets /help.

To reproduce a failure: FUZZ_SEED=<the seed in the message> FUZZ_UPDATES=<n>.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import traceback
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.fsm.state import State
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import broadcasts, events, registration, surveys
from bot.services.audience import Audience
from bot.services.delivery import Payload
from bot.services.survey_definitions import load_definition
from bot.settings import PROJECT_ROOT
from bot.telegram.middlewares import AnswerAfterHandling
from handlers.broadcasts import Compose
from handlers.events import Webinar
from storage.models import Role, SurveyResponse
from tests.bot.conftest import ADMIN_TELEGRAM_ID, BotHarness
from tests.conftest import DATABASES
from tests.support.fuzzing import (
    CALLBACKS,
    DECLARED_SIZES,
    DOCUMENT_NAMES,
    Actor,
    HostileUpdates,
    Pools,
)
from tests.support.people import (
    REQUEST_NOTICE,
    SCHOOLS_CSV,
    load_schools,
    municipality_id,
    person,
    telegram_id,
)
from tests.support.updates import TelegramUser

SEED = int(os.environ.get("FUZZ_SEED", "13"))
UPDATES = int(os.environ.get("FUZZ_UPDATES", "10000"))
# PostgreSQL is slower per update; a shorter run still meets its int32 ids and its types.
UPDATES_POSTGRESQL = int(os.environ.get("FUZZ_UPDATES_POSTGRESQL", "1000"))


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Errors(logging.Handler):
    """Collects ERROR records (a traceback logged by the error handler, or anyone's)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@dataclass
class World:
    actors: list[Actor]
    pools: Pools


@pytest.fixture
async def world(session: AsyncSession) -> World:
    """Kirishi and Tosno with someone of every role, a webinar, an announcement, a join
    request, open surveys and invite codes: the objects hostile presses aim at."""
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    tosno = await municipality_id(session, "Тосненский")
    applicant = await person(session, None, name="Заявитель Тосно")
    request = await registration.request_to_join(
        session,
        applicant,
        schools["47101"].id,
        Role.CURATOR,
        "Заявитель Тосно",
        notice=REQUEST_NOTICE,
    )
    people = {
        "consented": await person(session, None),
        "pending": applicant,
        "director": await person(session, Role.DIRECTOR, schools=[schools["47001"]]),
        "curator": await person(
            session, Role.CURATOR, schools=[schools["47001"], schools["47002"]], name="Кур Кир"
        ),
        "tosno curator": await person(session, Role.CURATOR, schools=[schools["47101"]]),
        "municipal (Tosno)": await person(
            session, Role.MUNICIPAL_COORDINATOR, municipality="Тосненский"
        ),
        "municipal (Kirishi)": await person(
            session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский"
        ),
        "regional": await person(session, Role.REGIONAL_COORDINATOR),
        "admin": await person(session, Role.ADMIN),
    }
    actors = [Actor("anonymous", TelegramUser(id=61_000_001, language_code=None))]
    actors.append(Actor("admin from settings", TelegramUser(id=ADMIN_TELEGRAM_ID)))
    for label, participant in people.items():
        locale = "en" if label == "curator" else "ru"
        actors.append(Actor(label, TelegramUser(telegram_id(participant), language_code=locale)))

    now = datetime.now(UTC)
    webinar = await events.create_webinar(
        session,
        None,
        title="Вебинар для Тосно",
        starts_at=now + timedelta(days=3),
        link="https://w.example.org",
        now=now,
        audience=Audience(municipality_ids=(tosno,)),
    )
    everyone = await events.create_webinar(
        session,
        None,
        title="Вебинар для всех",
        starts_at=now + timedelta(hours=5),
        link="https://w.example.org/all",
        now=now,
    )
    announcement = await broadcasts.create(
        session,
        people["regional"],
        text="Только для Тосно",
        send_at=now + timedelta(days=1),
        audience=Audience(school_ids=(schools["47101"].id,)),
        acknowledge=True,
        render=lambda b, p: Payload(b.text),
    )
    survey_ids = []
    for name in ("engagement_directors", "engagement_curators", "pulse"):
        definition = load_definition(PROJECT_ROOT / f"data/surveys/{name}.yaml")
        loaded = await surveys.load(session, None, definition)
        await surveys.open_window(session, None, definition.code, now + timedelta(days=7), now)
        survey_ids.append(loaded.survey.id)
    codes = []
    for role, scope in ((Role.DIRECTOR, [schools["47001"].id]), (Role.CURATOR, [])):
        invite = await registration.create_invite(
            session, None, role, municipality_id=kirishi if not scope else None, school_ids=scope
        )
        codes.append(invite.code)
    ids = sorted(
        {
            *[p.id for p in people.values()],
            *[telegram_id(p) for p in people.values()],
            *[school.id for school in schools.values()],
            kirishi,
            tosno,
            request.id,
            webinar.id,
            everyone.id,
            announcement.id,
            *survey_ids,
            0,
            1,
        }
    )
    pdf = b"%PDF-1.4 not really"
    survey_yaml = (PROJECT_ROOT / "data/surveys/pulse.yaml").read_bytes()
    contents = [
        b"",
        SCHOOLS_CSV.encode("utf-8"),
        SCHOOLS_CSV.encode("cp1251"),
        b"\xff\xfe\x00\x00garbage\x00" * 50,
        b"PK\x03\x04" + bytes(range(256)) * 4,  # a broken XLSX (zip)
        survey_yaml,
        survey_yaml.replace(b"code:", b"code: [", 1),
        b"a: &a [*a, *a]\nb: *a\n",  # a recursive alias
        b"- " * 2000,
        ("Код;Муниципалитет\n" + "47999;Нигде\n" * 50).encode(),
        pdf,
    ]
    pools = Pools(
        ids=ids,
        start_payloads=[
            *codes,
            "",
            "x",
            "A" * 64,
            "A" * 65,
            "../..",
            "сош",
            "0" * 32,
            "code-" + "😀" * 10,
            "%00",
            "' OR 1=1 --",
            codes[0].lower(),
            codes[0] + "x",
            " ".join(codes),
        ],
        files={
            f"seed-{i}": c if isinstance(c, bytes) else c.encode() for i, c in enumerate(contents)
        },
    )
    return World(actors, pools)


@dataclass
class Outcome:
    problems: list[str]
    kinds: dict[str, int]


def _answered(sent_callback: str, requests: list[TelegramMethod[Any]]) -> bool:
    return any(
        isinstance(r, AnswerCallbackQuery) and r.callback_query_id == sent_callback
        for r in requests
    )


def _replied(chat_id: int, requests: list[TelegramMethod[Any]]) -> bool:
    return any(getattr(r, "chat_id", None) == chat_id for r in requests)


async def fuzz(harness: BotHarness, world: World, errors: Errors, count: int, seed: int) -> Outcome:
    """Feeds `count` updates; what went wrong, one line each (at most a few dozen)."""
    # One dict: each document the generator makes is at once downloadable.
    harness.session.files.update(world.pools.files)
    world.pools.files = harness.session.files
    generator = HostileUpdates(random.Random(seed), world.actors, world.pools)
    problems: list[str] = []
    kinds: dict[str, int] = {}
    for number in range(count):
        sent = generator.next()
        kinds[sent.kind] = kinds.get(sent.kind, 0) + 1
        before = len(errors.records)
        since = len(harness.session.requests)
        where = f"update #{number} (seed {seed}) {sent.kind}: {_summary(sent.update)}"
        try:
            result = await harness.dispatcher.feed_update(
                harness.bot, Update.model_validate(sent.update)
            )
        except Exception as error:  # any escape is a finding
            problems.append(f"{where}: raised {error!r}")
            continue
        requests = harness.session.requests[since:]
        generator.learn(requests)
        if len(errors.records) > before:
            problems.append(f"{where}: logged {_described(errors.records[before])}")
        elif sent.callback_id is not None and not _answered(sent.callback_id, requests):
            problems.append(f"{where}: the press was never answered ({result})")
        elif sent.chat_id is not None and (
            result is UNHANDLED or not _replied(sent.chat_id, requests)
        ):
            problems.append(f"{where}: no answer in the chat ({result})")
        if len(problems) >= 30:
            break
    return Outcome(problems, kinds)


def _described(record: logging.LogRecord) -> str:
    """The record's message, and for a traceback its exception and innermost frame."""
    if record.exc_info is None or record.exc_info[1] is None:
        return record.getMessage()
    _, error, trace = record.exc_info
    frame = traceback.extract_tb(trace)[-1]
    return f"{error!r} at {frame.filename}:{frame.lineno} ({frame.name})"


def _summary(update: dict[str, Any]) -> str:
    """What the update carried, short: enough to see the cause, no more."""
    body = next(value for key, value in update.items() if key != "update_id")
    user = body.get("from", {}).get("id")
    if "data" in body or "inline_message_id" in body or "chat_instance" in body:
        return f"from {user} data={body.get('data')!r} message={'message' in body}"
    shown = {k: body[k] for k in ("text", "caption", "document") if k in body}
    return f"from {user} {repr(shown)[:200]}"


async def test_hostile_updates_leave_no_traceback(
    harness: BotHarness,
    world: World,
    errors: Errors,
    translator: Translator,
    database_kind: str,
) -> None:
    count = UPDATES if database_kind == "sqlite" else UPDATES_POSTGRESQL
    outcome = await fuzz(harness, world, errors, count, SEED)
    assert not outcome.problems, "\n".join(outcome.problems)
    assert set(outcome.kinds) >= {
        "message",
        "callback_query",
        "group_message",
        "inline_query",
        "my_chat_member",
        "edited_message",
    }, outcome.kinds
    # Everyone can still talk to the bot.
    for actor in world.actors:
        # One left amid a wizard is told it stopped, then gets the help.
        interrupted = {translator.get(lang, "wizard-interrupted") for lang in translator.locales}
        texts = [
            text for text in await harness.replies(actor.user, "/help") if text not in interrupted
        ]
        assert len(texts) == 1, (actor.label, texts)
        assert texts[0] in {translator.get(lang, "help-text") for lang in translator.locales}, actor


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_the_fuzzer_notices_a_crash_and_a_press_left_unanswered(
    harness: BotHarness, world: World, errors: Errors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assertions are real: a crash deep in one flow (/me of someone registered)
    and presses never answered are both reported."""

    async def crash(*_: Any) -> None:
        raise ZeroDivisionError("injected")

    monkeypatch.setattr(registration, "profile", crash)
    crashed = await fuzz(harness, world, errors, 1000, SEED)
    assert any("ZeroDivisionError('injected')" in p for p in crashed.problems), crashed.problems

    async def forget(*_: Any) -> None:
        return None

    monkeypatch.undo()
    monkeypatch.setattr(AnswerAfterHandling, "answer", forget)
    unanswered = await fuzz(harness, world, errors, 400, SEED + 1)
    assert any("never answered" in p for p in unanswered.problems), unanswered.problems


# -- the causes the fuzzer found, one focused test each ---------------------------------------


def _press_on(user: TelegramUser, data: str, message: dict[str, Any] | None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": "q-1",
        "from": user.as_dict(),
        "chat_instance": "1",
        "data": data,
    }
    if message is None:
        query["inline_message_id"] = "inline-1"
    else:
        query["message"] = message
    return {"update_id": 77, "callback_query": query}


@pytest.mark.parametrize("database_kind", ["sqlite"])
@pytest.mark.parametrize("message", ["inaccessible", "absent"])
@pytest.mark.parametrize("data", ["menu:main", "forget:1", "menu:schools", "sv:status:0:1:0:-1:"])
async def test_a_press_on_a_message_the_bot_cannot_see_is_called_outdated(
    harness: BotHarness,
    session: AsyncSession,
    errors: Errors,
    translator: Translator,
    message: str,
    data: str,
) -> None:
    """Telegram sends a press on a deleted or too old message with the message
    inaccessible (date 0), and one on an inline message without it: every handler works on
    the pressed message, so such a press gets the "outdated button" pop-up, not a crash."""
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    pressed = (
        {"message_id": 5, "date": 0, "chat": user.chat()} if message == "inaccessible" else None
    )
    requests = await harness.feed(_press_on(user, data, pressed))
    answers = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert [(a.text, a.show_alert) for a in answers] == [
        (translator.get("ru", "fallback-callback"), True)
    ], requests
    assert not errors.records


# Every int field of every button, `{}` where the forged value goes; the others plausible.
INT_FIELD_PRESSES = (
    "mun:roster:{}",
    "mun:unreachable:{}",
    "mun:rename:{}",
    "mun:join:{}",
    "sch:card:{}",
    "sch:assign:{}",
    "page:card:{}:1",
    "page:card:0:{}",
    "req:{}:1",
    "person:revoke:{}:0",
    "person:revoke-yes:{}:0",
    "person:assign:{}:1",
    "person:assign:1:{}",
    "forget:{}",
    "sv:open:{}:1:1:-1:",
    "sv:open:0:{}:1:-1:",
    "sv:open:0:1:{}:-1:",
    "sv:ans:1:0:0:{}:0",
    "sv:status:0:{}:0:-1:",
    "sv:remind:0:{}:0:-1:",
    "sv:admin-close:0:{}:0:-1:",
    "sv:edit:{}:0:0:0:",
    "sv:submit:{}:0:0:-1:",
    "sv:ans:{}:0:0:0:0",
    "rsvp:{}:yes",
    "holiday:move:{}:1",
    "holiday:cancel:1:{}",
    "ack:{}",
    "bc:card:{}",
    "bc:who:{}",
    "bc:remind:{}",
    "bc:xlsx:{}",
    "bc:cancel:{}",
    "event:card:{}",
    "event:ics:{}",
    "event:move:{}",
    "event:cancel:{}",
    "event:cancel-yes:{}",
    "an:card:{}:-1:0",
    "an:rates:{}:-1:0",
    "an:question:1:{}:0",
    "an:index:0:-1:{}",
    "an:low:0:-1:{}",
    "an:xlsx:{}:-1:0",
    "rmd:survey:{}:2",
    "rmd:broadcast:1:{}",
)
OVERFLOWING = (2**31, 2**63, 10**30, -(2**31) - 1)


def test_every_int_field_of_every_button_is_forged_below() -> None:
    covered = {(p.split(":")[0], p.split(":").index("{}")) for p in INT_FIELD_PRESSES}
    for factory in CALLBACKS:
        hints = typing.get_type_hints(factory)
        for position, name in enumerate(factory.model_fields, start=1):
            if hints[name] is int:
                assert (factory.prefix, position) in covered, (factory.__name__, name)


async def test_overflowing_ids_in_a_button_are_refused_as_outdated(
    harness: BotHarness, session: AsyncSession, errors: Errors, translator: Translator
) -> None:
    """Ids beyond the database's integers (INTEGER is 32-bit on PostgreSQL) used to reach
    the queries and fail there; such a button is one the bot never made."""
    admin = await person(session, Role.ADMIN)
    user = TelegramUser(id=telegram_id(admin))
    outdated = translator.get("ru", "fallback-callback")
    for press in INT_FIELD_PRESSES:
        for value in OVERFLOWING:
            assert await harness.alerts(user, press.format(value)) == [outdated], press
    assert not errors.records, [_described(r) for r in errors.records]


# Every flow that takes a file: who opens it, and the button that does.
FILE_FLOWS = (
    ("admin", "menu:import"),
    ("regional", "menu:survey-upload"),
    ("regional", "menu:broadcast-new"),
    ("municipal (Tosno)", "menu:broadcast-new"),
)


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_hostile_files_in_every_flow_that_takes_one(
    harness: BotHarness, world: World, errors: Errors
) -> None:
    """The general fuzz rarely holds a file flow open when a file comes: here each hostile
    content goes to each flow, under a random name and declared size."""
    rng = random.Random(SEED)
    harness.session.files.update(world.pools.files)
    actors = {actor.label: actor.user for actor in world.actors}
    problems = []
    for (label, button), file_id in itertools.product(FILE_FLOWS, world.pools.files):
        user = actors[label]
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        for key, choices in (("file_name", DOCUMENT_NAMES), ("file_size", DECLARED_SIZES)):
            if (value := rng.choice(choices)) is not None:
                document[key] = value
        await harness.press(user, button)
        before = len(errors.records)
        replies = await harness.replies(user, None, document=document, caption="<b>x</b>")
        if len(errors.records) > before:
            problems.append(f"{label} {button} {document}: {_described(errors.records[before])}")
        elif not replies:
            problems.append(f"{label} {button} {document}: no answer")
        await harness.send(user, "/cancel")
    assert not problems, "\n".join(problems)


# A number in a button's text field that str.isdigit() lets through but int() refuses
# ("²") or that no id can be (beyond 32 bits): refused as the same field holding junk is.
NOT_NUMBERS = ("²", "9" * 20)


async def _pressed_in(
    harness: BotHarness, user: TelegramUser, state: State, data: str
) -> list[str]:
    context = harness.dispatcher.fsm.get_context(harness.bot, user.id, user.id)
    await context.set_state(state)
    await context.update_data(text="Текст", kind=None, file_id=None, audience={})
    return await harness.alerts(user, data)


@pytest.mark.parametrize("database_kind", ["sqlite"])
@pytest.mark.parametrize(
    ("state", "template"),
    [
        (Compose.audience, "pick:survey:{}"),
        (Compose.audience, "pick:declined:{}"),
        (Compose.audience, "pick:prog:{}"),
        (Webinar.duration, "pick:duration:{}"),
    ],
    ids=["survey", "declined", "programme", "duration"],
)
async def test_a_picked_value_that_is_no_number_is_refused_like_junk(
    harness: BotHarness,
    session: AsyncSession,
    errors: Errors,
    state: State,
    template: str,
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    junk = await _pressed_in(harness, user, state, template.format("abc"))
    for value in NOT_NUMBERS:
        assert await _pressed_in(harness, user, state, template.format(value)) == junk, value
    assert not errors.records, [_described(r) for r in errors.records]


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_survey_answer_that_is_no_number_is_refused_like_junk(
    harness: BotHarness, session: AsyncSession, errors: Errors
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    definition = load_definition(PROJECT_ROOT / "data/surveys/pulse.yaml")
    loaded = await surveys.load(session, None, definition)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, definition.code, now + timedelta(days=7), now)
    await harness.press(user, f"sv:open:0:{loaded.survey.id}:{schools['47001'].id}:-1:")
    response = await session.scalar(select(SurveyResponse.id))
    kinds = [question.type for question in definition.questions]
    for kind in ("scale", "single"):
        press = f"sv:ans:{response}:0:0:{kinds.index(kind)}:{{}}"
        junk = await harness.alerts(user, press.format("abc"))
        for value in NOT_NUMBERS:
            assert await harness.alerts(user, press.format(value)) == junk, (kind, value)
    assert not errors.records, [_described(r) for r in errors.records]


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_unknown_school_codes_are_echoed_short(
    harness: BotHarness, session: AsyncSession, errors: Errors, translator: Translator
) -> None:
    """The codes not found are shown back: 20,000 typed characters went into one Fluent
    placeable (1,000 at most), which logged an error and mangled the answer."""
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    context = harness.dispatcher.fsm.get_context(harness.bot, user.id, user.id)
    await context.set_state(Compose.schools)
    typed = " ".join(["x" * 20000, *[f"9{n}" for n in range(30)], "47001"])
    (reply,) = await harness.replies(user, typed)
    shown = ", ".join(["x" * 32 + "…", *[f"9{n}" for n in range(9)]]) + ", …"
    assert reply == translator.get("ru", "broadcast-unknown-schools", codes=shown)
    assert not errors.records, [_described(r) for r in errors.records]
