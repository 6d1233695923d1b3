"""Every command and every button against every role: allowed or refused.

Buttons are pressed with hand-made callback data, as a forger would, including a municipal
coordinator acting on another municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import (
    AckCb,
    Action,
    AnalysisCb,
    BroadcastCb,
    EventCb,
    HolidayCb,
    ImportCb,
    InviteScopeCb,
    MenuCb,
    MunicipalityCb,
    PageCb,
    PersonCb,
    RequestCb,
    RoleCb,
    RsvpCb,
    SchoolCb,
)
from bot.i18n import Translator
from bot.services import broadcasts, events, registration
from bot.services.audience import Audience
from bot.services.delivery import Payload
from storage.models import Attendance, Participant, Role
from tests.bot.conftest import BotHarness
from tests.support.people import REQUEST_NOTICE, load_schools, municipality_id, person, telegram_id
from tests.support.updates import TelegramUser

ACTORS = ("unregistered", "director", "curator", "municipal", "regional", "admin")


@dataclass
class Region:
    people: dict[str, Participant]
    targets: dict[str, int]


@pytest.fixture
async def region(session: AsyncSession) -> Region:
    schools = await load_schools(session)
    tosno_curator = await person(
        session, Role.CURATOR, schools=[schools["47101"]], name="Тосненский Куратор"
    )
    applicant = await person(session, None)
    request = await registration.request_to_join(
        session,
        applicant,
        schools["47101"].id,
        Role.CURATOR,
        "Заявитель Тосно",
        notice=REQUEST_NOTICE,
    )
    people = {
        "unregistered": await person(session, None),
        "director": await person(session, Role.DIRECTOR, schools=[schools["47001"]]),
        "curator": await person(session, Role.CURATOR, schools=[schools["47001"]], name="Кур Кир"),
        "municipal": await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский"),
        "regional": await person(session, Role.REGIONAL_COORDINATOR),
        "admin": await person(session, Role.ADMIN),
    }
    now = datetime.now(UTC)
    tosno_webinar = await events.create_webinar(
        session,
        None,
        title="Вебинар для Тосно",
        starts_at=now + timedelta(days=3),
        link="https://w.example.org",
        now=now,
        audience=Audience(municipality_ids=(await municipality_id(session, "Тосненский"),)),
    )
    regional_broadcast = await broadcasts.create(
        session,
        people["regional"],
        text="Только для Тосно",
        send_at=now + timedelta(days=1),
        audience=Audience(school_ids=(schools["47101"].id,)),
        render=lambda b, p: Payload(b.text),
    )
    targets = {
        "regional_broadcast": regional_broadcast.id,
        "tosno_webinar": tosno_webinar.id,
        "kirishi": await municipality_id(session, "Киришский"),
        "tosno": await municipality_id(session, "Тосненский"),
        "kirishi_school": schools["47001"].id,
        "tosno_school": schools["47101"].id,
        "tosno_curator": tosno_curator.id,
        "kirishi_curator": people["curator"].id,
        "tosno_request": request.id,
    }
    return Region(people, targets)


def everyone_but(*allowed: str) -> set[str]:
    return set(ACTORS) - set(allowed)


COORDINATORS = ("municipal", "regional", "admin")
REGIONAL = ("regional", "admin")

# (button, roles that may press it). Ids come from the region at run time.
BUTTONS: list[tuple[str, tuple[str, ...]]] = [
    ("menu:schools", COORDINATORS),
    ("menu:requests", COORDINATORS),
    ("menu:invite", COORDINATORS),
    ("menu:rename", REGIONAL),
    ("menu:import", ("admin",)),
    ("roster:kirishi", COORDINATORS),
    ("roster:tosno", REGIONAL),  # a municipal coordinator of Кириши may not look at Тосно
    ("roster-page:tosno", REGIONAL),
    ("card:kirishi_school", COORDINATORS),
    ("card:tosno_school", REGIONAL),
    ("assign-list:tosno_school", REGIONAL),
    ("assign:kirishi_curator->tosno_school", REGIONAL),
    ("revoke:tosno_curator", REGIONAL),
    ("decide:tosno_request", REGIONAL),
    ("invite-role:director", COORDINATORS),
    ("invite-role:municipal_coordinator", REGIONAL),
    ("invite-role:admin", ("admin",)),
    ("menu:events", COORDINATORS),
    ("event-new:0", COORDINATORS),
    ("event-card:tosno_webinar", COORDINATORS),  # each sees the answers of their own people
    ("event-move:tosno_webinar", REGIONAL),
    ("event-cancel-yes:tosno_webinar", REGIONAL),
    ("holiday-move:tosno_webinar", REGIONAL),  # the holiday question's one-tap answers
    ("holiday-cancel:tosno_webinar", REGIONAL),
    ("holiday-keep:tosno_webinar", REGIONAL),
    ("rsvp:tosno_webinar", ()),  # nobody here is in Тосно's audience
    ("ics:tosno_webinar", ()),  # nor has it in their schedule
    ("unreachable:kirishi", COORDINATORS),
    ("unreachable:tosno", REGIONAL),
    ("menu:surveys-admin", REGIONAL),
    ("menu:survey-upload", REGIONAL),
    ("menu:broadcasts", COORDINATORS),
    ("menu:broadcast-new", COORDINATORS),
    ("broadcast-card:regional_broadcast", REGIONAL),
    ("broadcast-cancel:regional_broadcast", REGIONAL),
    ("ack:regional_broadcast", ()),  # nobody here received it
    ("menu:analytics", COORDINATORS),
    ("analysis-low:0", COORDINATORS),  # each sees their own municipality
]


def callback_for(button: str, targets: dict[str, int]) -> Action:
    kind, _, arg = button.partition(":")
    if kind == "menu":
        return MenuCb(item=arg)
    if kind == "analysis-low":
        return AnalysisCb(action="low")
    if kind == "roster":
        return MunicipalityCb(purpose="roster", id=targets[arg])
    if kind == "unreachable":
        return MunicipalityCb(purpose="unreachable", id=targets[arg])
    if kind == "roster-page":
        return PageCb(purpose="card", page=0, ref=targets[arg])
    if kind == "card":
        return SchoolCb(purpose="card", id=targets[arg])
    if kind == "assign-list":
        return SchoolCb(purpose="assign", id=targets[arg])
    if kind == "assign":
        curator, _, school = arg.partition("->")
        return PersonCb(action="assign", id=targets[curator], school=targets[school])
    if kind == "revoke":
        return PersonCb(action="revoke-yes", id=targets[arg])
    if kind == "decide":
        return RequestCb(id=targets[arg], approve=False)
    if kind.startswith("event-"):
        return EventCb(action=kind.removeprefix("event-"), id=targets.get(arg, 0))
    if kind.startswith("holiday-"):
        return HolidayCb(action=kind.removeprefix("holiday-"), event=targets[arg], version=1)
    if kind == "rsvp":
        return RsvpCb(event=targets[arg], answer=Attendance.YES)
    if kind == "ics":
        return EventCb(action="ics", id=targets[arg])
    if kind.startswith("broadcast-"):
        return BroadcastCb(action=kind.removeprefix("broadcast-"), id=targets[arg])
    if kind == "ack":
        return AckCb(broadcast=targets[arg])
    if kind == "invite-role":
        return RoleCb(purpose="invite", role=Role(arg))
    raise AssertionError(button)


@pytest.mark.parametrize(("button", "allowed"), BUTTONS, ids=[b for b, _ in BUTTONS])
@pytest.mark.parametrize("actor", ACTORS)
async def test_button_access(
    harness: BotHarness,
    region: Region,
    translator: Translator,
    button: str,
    allowed: tuple[str, ...],
    actor: str,
) -> None:
    user = TelegramUser(id=telegram_id(region.people[actor]))
    alerts = await harness.alerts(user, callback_for(button, region.targets))
    denied = translator.get("ru", "error-access-denied") in alerts
    if actor in allowed:
        assert not denied, f"{actor} should be allowed to press {button}"
    else:
        assert denied, f"{actor} pressed {button}: expected a refusal, got {alerts}"


EVERYONE = ["menu-surveys", "menu-schedule", "menu-profile"]
COORDINATION = [
    "menu-surveys-status",
    "menu-schools",
    "menu-requests",
    "menu-events",
    "menu-broadcasts",
    "menu-analytics",
    "menu-invite",
]
MENU_ITEMS = {
    "unregistered": None,
    "director": EVERYONE,
    "curator": [*EVERYONE, "menu-surveys-status"],
    "municipal": EVERYONE + COORDINATION,
    "regional": EVERYONE + COORDINATION + ["menu-surveys-admin", "menu-rename"],
    "admin": EVERYONE + COORDINATION + ["menu-surveys-admin", "menu-rename", "menu-import"],
}


@pytest.mark.parametrize("actor", ACTORS)
async def test_commands_and_the_menu_for_each_role(
    harness: BotHarness, region: Region, translator: Translator, actor: str
) -> None:
    user = TelegramUser(id=telegram_id(region.people[actor]))
    for command in (
        "/start",
        "/help",
        "/me",
        "/surveys",
        "/schedule",
        "/lang",
        "/cancel",
        "/forget",
    ):
        assert await harness.replies(user, command), f"{command} unanswered for {actor}"
        await harness.replies(user, "/cancel")
    requests = await harness.send(user, "/menu")
    (menu,) = [r for r in requests if isinstance(r, SendMessage)]
    expected = MENU_ITEMS[actor]
    if expected is None:
        assert menu.text == translator.get("ru", "menu-not-registered")
        return
    assert isinstance(menu.reply_markup, InlineKeyboardMarkup)
    labels = [b.text for row in menu.reply_markup.inline_keyboard for b in row]
    assert labels == [translator.get("ru", key) for key in expected]


async def test_buttons_of_a_finished_step_are_refused(
    harness: BotHarness, region: Region, translator: Translator
) -> None:
    admin = TelegramUser(id=telegram_id(region.people["admin"]))
    stale = translator.get("ru", "fallback-callback")
    assert await harness.alerts(admin, ImportCb(apply=True)) == [stale]
    assert await harness.alerts(admin, InviteScopeCb(whole=True)) == [stale]
    assert await harness.alerts(admin, "garbage:data") == [stale]
