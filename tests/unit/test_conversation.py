"""The conversation is messenger-independent: its steps import neither aiogram nor maxapi,
and actions pack and unpack as the buttons already sent expect."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import bot.conversation
import handlers
from bot.conversation.actions import MAX_PACKED_BYTES, PickCb, RsvpCb, SurveyCb
from bot.conversation.routes import Received, Routes, command_of, route_for
from storage.models import Attendance

STEPS = tuple(f"handlers.{m.name}" for m in pkgutil.iter_modules(handlers.__path__))
CONVERSATION = (
    "bot.notices",
    "bot.views",
    *(f"bot.conversation.{m.name}" for m in pkgutil.iter_modules(bot.conversation.__path__)),
)


@pytest.mark.parametrize("module", CONVERSATION + STEPS)
def test_conversation_imports_no_messenger_library(module: str) -> None:
    check = (
        f"import sys, {module}\n"
        "found = sorted(m for m in sys.modules if m.split('.')[0] in {'aiogram', 'maxapi'})\n"
        "print(found[:3])\n"
        "raise SystemExit(bool(found))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, f"{module} imports {done.stdout.strip()}{done.stderr[-400:]}"


def test_an_action_packs_as_aiogram_did() -> None:
    assert SurveyCb(action="ans", response=7, q=2, v="1").pack() == "sv:ans:7:0:0:2:1"
    assert RsvpCb(event=3, answer=Attendance.YES).pack() == f"rsvp:3:{Attendance.YES.value}"
    assert SurveyCb.unpack("sv:ans:7:0:0:2:1") == SurveyCb(action="ans", response=7, q=2, v="1")


@pytest.mark.parametrize(
    "data",
    [
        "sv:ans:7:0:0:2",  # a field short
        "sv:ans:7:0:0:2:1:9",  # one too many
        "rsvp:3:1",  # another class's prefix
        "sv:ans:x:0:0:2:1",  # not a number
        "sv:ans:99999999999:0:0:2:1",  # beyond a 32-bit id
        "",
    ],
)
def test_forged_data_does_not_unpack(data: str) -> None:
    assert SurveyCb.unpack(data) is None


def test_an_action_longer_than_telegram_takes_is_refused() -> None:
    with pytest.raises(ValueError, match=str(MAX_PACKED_BYTES)):
        PickCb(field="x", value="я" * 40).pack()
    with pytest.raises(ValueError, match="':'"):
        PickCb(field="time", value="15:00").pack()


def _routes() -> Routes:
    routes = Routes("test")

    async def step(*_: object) -> None:
        pass

    routes.command("start", deep_link=True)(step)
    routes.command("start", "help")(step)
    routes.press(PickCb, field={"a", "b"})(step)
    routes.text(state="Wizard:name")(step)
    routes.press(None)(step)
    routes.message()(step)
    return routes


def test_an_event_finds_the_route_the_telegram_filters_would() -> None:
    features = [_routes()]

    def found(received: Received, state: str | None = None) -> tuple[int, object] | None:
        match = route_for(features, received, state)
        return None if match is None else (features[0].routes.index(match[0]), match[1])

    assert command_of("/start abc@x") == ("start", "abc@x")
    assert command_of("/help@the_bot") == ("help", None)
    assert command_of("/") is None
    assert command_of("hi") is None
    assert found(Received("/start c", "start", "c")) == (0, None)
    assert found(Received("/start", "start")) == (1, None)
    assert found(Received("/START", "START")) == (5, None)  # case counts, as in aiogram
    assert found(Received(press=PickCb(field="a", value="1").pack())) == (
        2,
        PickCb(field="a", value="1"),
    )
    assert found(Received(press="pick:c:1")) == (4, "pick:c:1")  # a field not asked for
    assert found(Received("Иван")) == (5, None)
    assert found(Received("Иван"), "Wizard:name") == (3, None)
