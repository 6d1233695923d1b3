"""Which step answers which event: commands, typed text, files, button presses.

A feature's module makes one `Routes` and decorates its steps; a messenger's adapter
turns the routes into its own dispatching (bot/telegram/routing.py for aiogram). Routes
are tried in the order they are declared, features in the order handlers/ lists them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from bot.conversation.actions import Action
from bot.conversation.turn import IncomingFile, Turn


class AnyState:
    def __repr__(self) -> str:
        return "ANY_STATE"


ANY_STATE: Final = AnyState()  # a route that does not care about the wizard's step
StateRule = str | Collection[str] | None | AnyState

Kind = Literal["command", "text", "document", "message", "press"]
Step = Callable[..., Awaitable[None]]
S = TypeVar("S", bound=Step)


@dataclass(frozen=True)
class Route:
    kind: Kind
    step: Step
    state: StateRule = ANY_STATE
    commands: tuple[str, ...] = ()  # kind "command"
    deep_link: bool = False  # kind "command": only a /start with a payload
    action: type[Action] | None = None  # kind "press"; None: any press
    where: dict[str, Any] = field(default_factory=dict)  # field → value, or a set of them

    def matches(self, action: Action) -> bool:
        for name, wanted in self.where.items():
            value = getattr(action, name)
            if isinstance(wanted, set | frozenset):
                if value not in wanted:
                    return False
            elif value != wanted:
                return False
        return True

    def pressed(self, data: str) -> Action | None:
        """The action a press with `data` carries, when this route takes it."""
        if self.action is None:
            return None
        unpacked = self.action.unpack(data)
        if unpacked is None or not self.matches(unpacked):
            return None
        return unpacked

    def admits(self, state: str | None) -> bool:
        """Whether the route answers at the wizard step `state` (None: outside a wizard)."""
        if isinstance(self.state, AnyState):
            return True
        if self.state is None or isinstance(self.state, str):
            return state == self.state
        return state in self.state


@dataclass(frozen=True)
class Received:
    """What came in, as the routes tell events apart: a typed line (a command's name and
    arguments when it is one), a file, or a press's data."""

    text: str | None = None
    command: str | None = None  # "/start code" → "start"
    args: str | None = None  # "/start code" → "code"
    file: IncomingFile | None = None
    press: str | None = None


def command_of(text: str) -> tuple[str, str | None] | None:
    """A typed «/name args» as its name (without a «@bot» mention; case counts, as in
    aiogram's `Command`) and its arguments; None for anything else."""
    if not text.startswith("/") or len(text) == 1:
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0]
    args = rest.strip() or None
    return (name, args) if name else None


def route_for(
    features: Iterable[Routes], received: Received, state: str | None
) -> tuple[Route, Action | str | None] | None:
    """The first route, in the features' order, that answers `received` at `state`, with
    what its step gets after the turn (a press's action or raw data); None: nobody."""
    for routes in features:
        for route in routes.routes:
            if not route.admits(state):
                continue
            if received.press is not None:
                if route.kind != "press":
                    continue
                if route.action is None:
                    return route, received.press
                action = route.pressed(received.press)
                if action is not None:
                    return route, action
                continue
            if _takes(route, received):
                return route, None
    return None


def _takes(route: Route, received: Received) -> bool:
    if route.kind == "command":
        if received.command is None or (route.deep_link and not received.args):
            return False
        return received.command in route.commands
    if route.kind == "text":
        return received.text is not None
    if route.kind == "document":
        return received.file is not None
    return route.kind == "message"


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[Route] = []

    def _add(self, route: Route) -> None:
        self.routes.append(route)

    def command(
        self, *names: str, state: StateRule = ANY_STATE, deep_link: bool = False
    ) -> Callable[[S], S]:
        """A `/name` command; the step reads its arguments from `turn.args`."""

        def register(step: S) -> S:
            self._add(Route("command", step, state, commands=names, deep_link=deep_link))
            return step

        return register

    def text(self, *, state: StateRule = ANY_STATE) -> Callable[[S], S]:
        """Typed text (not a command) at a wizard step."""

        def register(step: S) -> S:
            self._add(Route("text", step, state))
            return step

        return register

    def document(self, *, state: StateRule = ANY_STATE) -> Callable[[S], S]:
        """A file sent as a document (or a photo); the step finds it in `turn.file`."""

        def register(step: S) -> S:
            self._add(Route("document", step, state))
            return step

        return register

    def message(self, *, state: StateRule = ANY_STATE) -> Callable[[S], S]:
        """Any message at all (the catch-alls)."""

        def register(step: S) -> S:
            self._add(Route("message", step, state))
            return step

        return register

    def press(
        self, action: type[Action] | None, /, *, state: StateRule = ANY_STATE, **where: Any
    ) -> Callable[[S], S]:
        """A press of a button with `action`'s data whose fields equal `where` (a set: one
        of); the step is called with the turn and the unpacked action. `None`: any press,
        the step gets the raw data."""

        def register(step: S) -> S:
            self._add(Route("press", step, state, action=action, where=where))
            return step

        return register


class StateGroup:
    """The steps of one wizard, named `Group:step` as aiogram names states (states already
    stored keep working): `class Joining(StateGroup): school = State()`."""

    @classmethod
    def steps(cls) -> tuple[str, ...]:
        return tuple(value.name for value in vars(cls).values() if isinstance(value, State))


class State:
    def __set_name__(self, owner: type, name: str) -> None:
        self.name = f"{owner.__name__}:{name}"

    def __get__(self, instance: object, owner: type) -> str:
        return self.name


__all__ = ["ANY_STATE", "Route", "Routes", "State", "StateGroup", "Turn"]
