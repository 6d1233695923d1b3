"""Keyboards and callback-data factories.

Callback data is never trusted: every handler re-checks the ids it carries against the
database and the access rules before acting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.i18n import Localizer, Translator
from bot.services.delivery import Button
from bot.services.numbers import INT32_MAX
from storage.models import Attendance, Municipality, Role, School

# Every int a button carries: ids are INTEGER columns (32-bit on PostgreSQL), and a forged
# press with a larger number would fail in the query. Out of range, the data does not
# unpack, no handler matches, and the press is answered as an outdated button.
Int = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]


class ConsentCb(CallbackData, prefix="consent"):
    accept: bool


class MunicipalityCb(CallbackData, prefix="mun"):
    purpose: str  # join | roster | invite | rename
    id: Int


class SchoolCb(CallbackData, prefix="sch"):
    purpose: str  # join | invite | card
    id: Int


class PageCb(CallbackData, prefix="page"):
    purpose: str  # join | invite | roster
    page: Int
    ref: Int = 0  # the municipality, where the page needs one


class RoleCb(CallbackData, prefix="role"):
    purpose: str  # join | invite
    role: Role


class ConfirmJoinCb(CallbackData, prefix="joinok"):
    ok: bool


class RequestCb(CallbackData, prefix="req"):
    id: Int
    approve: bool


class MenuCb(CallbackData, prefix="menu"):
    item: str  # profile | schools | requests | invite | rename | import | rename-self | main


class PersonCb(CallbackData, prefix="person"):
    action: str  # revoke | revoke-yes | assign
    id: Int
    school: Int = 0


class ForgetCb(CallbackData, prefix="forget"):
    step: Int  # 1: first confirmation, 2: the final one, 0: changed my mind


class InviteScopeCb(CallbackData, prefix="iscope"):
    whole: bool


class ImportCb(CallbackData, prefix="import"):
    apply: bool


class SurveyCb(CallbackData, prefix="sv"):
    """A survey button. Questions and options travel as indexes into the definition (ids
    may be long); the server checks them against the response and its definition."""

    action: str  # open | ans | tog | done | skip | back | keep | edit | submit | view | …
    response: Int = 0
    survey: Int = 0
    school: Int = 0
    q: Int = -1
    v: str = ""


class RsvpCb(CallbackData, prefix="rsvp"):
    event: Int
    answer: Attendance


class HolidayCb(CallbackData, prefix="holiday"):
    """An answer to the question about an event on a public holiday; `version` is the
    event's when asked, so a button of an event changed since is refused."""

    action: str  # move | cancel | keep
    event: Int
    version: Int


class AckCb(CallbackData, prefix="ack"):
    broadcast: Int


class BroadcastCb(CallbackData, prefix="bc"):
    action: str  # card | cancel | who | remind | xlsx
    id: Int


class RemindCb(CallbackData, prefix="rmd"):
    """«Отправить ещё раз»: confirms reminder `number` of a survey or an announcement."""

    kind: str  # survey | broadcast
    id: Int
    number: Int


class PickCb(CallbackData, prefix="pick"):
    """A choice in a wizard step (field: date | time | duration | audience | create)."""

    field: str
    value: str


class EventCb(CallbackData, prefix="event"):
    action: str  # card | ics | ics-all | report | move | cancel | cancel-yes | new
    id: Int = 0


def language_keyboard(translator: Translator) -> ReplyKeyboardMarkup:
    # Each language is named in itself, so the button is readable whatever the current locale.
    buttons = [
        KeyboardButton(text=translator.get(locale, f"lang-name-{locale}"))
        for locale in translator.locales
    ]
    return ReplyKeyboardMarkup(keyboard=[buttons], resize_keyboard=True, one_time_keyboard=True)


def inline(*rows: Sequence[tuple[str, CallbackData | str]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data, packed or not)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=text, callback_data=data if isinstance(data, str) else data.pack()
                )
                for text, data in row
            ]
            for row in rows
        ]
    )


def buttons_markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """The keyboard of an outbox payload (its callback data is stored packed)."""
    return inline(*[[(b.text, b.data) for b in row] for row in rows]) if rows else None


def menu_button(t: Localizer) -> tuple[str, CallbackData]:
    return t("button-menu"), MenuCb(item="main")


def consent_keyboard(t: Localizer) -> InlineKeyboardMarkup:
    return inline(
        [(t("button-consent-accept"), ConsentCb(accept=True))],
        [(t("button-consent-decline"), ConsentCb(accept=False))],
    )


def municipalities_keyboard(
    municipalities: Sequence[Municipality], purpose: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for municipality in municipalities:
        builder.button(
            text=municipality.short_name,
            callback_data=MunicipalityCb(purpose=purpose, id=municipality.id),
        )
    builder.adjust(2)
    return builder.as_markup()


def schools_keyboard(
    t: Localizer,
    schools: Sequence[School],
    purpose: str,
    page: int,
    pages: int,
    ref: int = 0,
    footer: Sequence[tuple[str, CallbackData]] = (),
) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, CallbackData]]] = [
        [(school.short_name, SchoolCb(purpose=purpose, id=school.id))] for school in schools
    ]
    navigation: list[tuple[str, CallbackData]] = []
    if page > 0:
        navigation.append((t("button-previous"), PageCb(purpose=purpose, page=page - 1, ref=ref)))
    if page + 1 < pages:
        navigation.append((t("button-next"), PageCb(purpose=purpose, page=page + 1, ref=ref)))
    if navigation:
        rows.append(navigation)
    if footer:
        rows.append(list(footer))
    return inline(*rows)


def roles_keyboard(t: Localizer, roles: Sequence[Role], purpose: str) -> InlineKeyboardMarkup:
    return inline(
        *[[(t(f"role-{role.value}"), RoleCb(purpose=purpose, role=role))] for role in roles]
    )


def request_keyboard(t: Localizer, request_id: int) -> InlineKeyboardMarkup:
    return inline(
        [
            (t("button-approve"), RequestCb(id=request_id, approve=True)),
            (t("button-reject"), RequestCb(id=request_id, approve=False)),
        ]
    )


class AnalysisCb(CallbackData, prefix="an"):
    """A button of the analysis: the survey travels as the id of its round's latest
    version (0: the engagement index alone), a question as its index in the definition."""

    action: str  # card | rates | questions | question | index | low | xlsx | anon | csv | list
    survey: Int = 0
    q: Int = -1
    days: Int = 0  # the engagement period; 0: the default
