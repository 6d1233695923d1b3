"""Rows of buttons that several steps share."""

from __future__ import annotations

from collections.abc import Sequence

from bot.conversation.actions import (
    ConsentCb,
    MenuCb,
    MunicipalityCb,
    PageCb,
    RequestCb,
    RoleCb,
    SchoolCb,
)
from bot.conversation.screens import Press, grid
from bot.i18n import Localizer
from storage.models import Municipality, Role, School


def menu_button(t: Localizer) -> Press:
    """«В меню»: the way back from every dead end."""
    return t("button-menu"), MenuCb(item="main")


def consent_rows(t: Localizer) -> list[list[Press]]:
    return [
        [(t("button-consent-accept"), ConsentCb(accept=True))],
        [(t("button-consent-decline"), ConsentCb(accept=False))],
    ]


def municipality_rows(municipalities: Sequence[Municipality], purpose: str) -> list[list[Press]]:
    presses: list[Press] = [
        (municipality.short_name, MunicipalityCb(purpose=purpose, id=municipality.id))
        for municipality in municipalities
    ]
    return grid(presses, 2)


def school_rows(
    t: Localizer,
    schools: Sequence[School],
    purpose: str,
    page: int,
    pages: int,
    ref: int = 0,
    footer: Sequence[Press] = (),
) -> list[list[Press]]:
    """A page of schools, one a row, with «←» / «→» between pages."""
    rows: list[list[Press]] = [
        [(school.short_name, SchoolCb(purpose=purpose, id=school.id))] for school in schools
    ]
    navigation: list[Press] = []
    if page > 0:
        navigation.append((t("button-previous"), PageCb(purpose=purpose, page=page - 1, ref=ref)))
    if page + 1 < pages:
        navigation.append((t("button-next"), PageCb(purpose=purpose, page=page + 1, ref=ref)))
    if navigation:
        rows.append(navigation)
    if footer:
        rows.append(list(footer))
    return rows


def role_rows(t: Localizer, roles: Sequence[Role], purpose: str) -> list[list[Press]]:
    return [[(t(f"role-{role.value}"), RoleCb(purpose=purpose, role=role))] for role in roles]


def request_rows(t: Localizer, request_id: int) -> list[list[Press]]:
    return [
        [
            (t("button-approve"), RequestCb(id=request_id, approve=True)),
            (t("button-reject"), RequestCb(id=request_id, approve=False)),
        ]
    ]
