"""What a button does, as data the messenger carries back when it is pressed.

An action is a small typed value (`SurveyCb(action="ans", response=7, q=2, v="1")`) packed
into `prefix:value:value…`, the format aiogram's CallbackData uses, so the buttons already
sent (and those stored in the outbox) keep working. One encoding serves every messenger:
a packed action stays within 64 bytes, Telegram's limit for callback data.

Action data is never trusted: every step re-checks the ids it carries against the
database and the access rules before acting. Data that does not unpack (forged, or of a
version of the bot that is gone) is an outdated button.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.services.numbers import INT32_MAX
from storage.models import Attendance, Role

MAX_PACKED_BYTES = 64  # Telegram's limit for callback data; MAX takes more
SEPARATOR = ":"

# Every int a button carries: ids are INTEGER columns (32-bit on PostgreSQL), and a forged
# press with a larger number would fail in the query. Out of range, the data does not
# unpack, and the press is answered as an outdated button.
Int = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]


class Action(BaseModel):
    """Base of every button's data; a subclass names its `prefix`."""

    model_config = ConfigDict(frozen=True)
    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix:
            if SEPARATOR in prefix:
                raise ValueError(f"{SEPARATOR!r} in the prefix {prefix!r}")
            cls.prefix = prefix

    def pack(self) -> str:
        parts = [self.prefix]
        for name, value in self.model_dump(mode="python").items():
            encoded = _encode(value)
            if SEPARATOR in encoded:
                raise ValueError(f"{SEPARATOR!r} in {name}={encoded!r}")
            parts.append(encoded)
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_PACKED_BYTES:
            raise ValueError(f"{packed!r} is longer than {MAX_PACKED_BYTES} bytes")
        return packed

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The action `data` packs, or None when it is not one of this class."""
        prefix, *parts = data.split(SEPARATOR)
        names = list(cls.model_fields)
        if prefix != cls.prefix or len(parts) != len(names):
            return None
        try:
            return cls(**dict(zip(names, parts, strict=True)))
        except ValidationError:
            return None


def _encode(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | str):
        return str(value)
    raise ValueError(f"{value!r} cannot travel in a button")


class ConsentCb(Action, prefix="consent"):
    accept: bool


class MunicipalityCb(Action, prefix="mun"):
    purpose: str  # join | roster | invite | rename
    id: Int


class SchoolCb(Action, prefix="sch"):
    purpose: str  # join | invite | card
    id: Int


class PageCb(Action, prefix="page"):
    purpose: str  # join | invite | roster
    page: Int
    ref: Int = 0  # the municipality, where the page needs one


class RoleCb(Action, prefix="role"):
    purpose: str  # join | invite
    role: Role


class ConfirmJoinCb(Action, prefix="joinok"):
    ok: bool


class RequestCb(Action, prefix="req"):
    id: Int
    approve: bool


class MenuCb(Action, prefix="menu"):
    item: str  # profile | schools | requests | invite | rename | import | rename-self | main


class PersonCb(Action, prefix="person"):
    action: str  # revoke | revoke-yes | assign
    id: Int
    school: Int = 0


class ForgetCb(Action, prefix="forget"):
    step: Int  # 1: first confirmation, 2: the final one, 0: changed my mind


class AccountCb(Action, prefix="acct"):
    """/me's accounts: link another messenger, receive messages on one, unlink one."""

    action: str  # link | prefer | unlink | unlink-yes
    channel: str = ""  # a Channel's value; checked against the person's accounts


class InviteScopeCb(Action, prefix="iscope"):
    whole: bool


class ImportCb(Action, prefix="import"):
    apply: bool


class SurveyCb(Action, prefix="sv"):
    """A survey button. Questions and options travel as indexes into the definition (ids
    may be long); the server checks them against the response and its definition."""

    action: str  # open | ans | tog | done | skip | back | keep | edit | submit | view | …
    response: Int = 0
    survey: Int = 0
    school: Int = 0
    q: Int = -1
    v: str = ""


class RsvpCb(Action, prefix="rsvp"):
    event: Int
    answer: Attendance


class HolidayCb(Action, prefix="holiday"):
    """An answer to the question about an event on a public holiday; `version` is the
    event's when asked, so a button of an event changed since is refused."""

    action: str  # move | cancel | keep
    event: Int
    version: Int


class AckCb(Action, prefix="ack"):
    broadcast: Int


class BroadcastCb(Action, prefix="bc"):
    action: str  # card | cancel | who | remind | xlsx
    id: Int


class RemindCb(Action, prefix="rmd"):
    """«Отправить ещё раз»: confirms reminder `number` of a survey or an announcement."""

    kind: str  # survey | broadcast
    id: Int
    number: Int


class PickCb(Action, prefix="pick"):
    """A choice in a wizard step (field: date | time | duration | audience | create)."""

    field: str
    value: str


class EventCb(Action, prefix="event"):
    action: str  # card | ics | ics-all | materials | report | move | cancel | cancel-yes | new
    id: Int = 0


class AnalysisCb(Action, prefix="an"):
    """A button of the analysis: the survey travels as the id of its round's latest
    version (0: the engagement index alone), a question as its index in the definition."""

    action: str  # card | rates | questions | question | index | low | xlsx | anon | csv | list
    survey: Int = 0
    q: Int = -1
    days: Int = 0  # the engagement period; 0: the default
