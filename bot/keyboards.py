"""Inline keyboards for the steps not yet moved to screens (bot/conversation)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.conversation.actions import (
    Action,
    ConsentCb,
    MenuCb,
    MunicipalityCb,
    PageCb,
    RequestCb,
    RoleCb,
    SchoolCb,
)
from bot.i18n import Localizer
from bot.services.delivery import Button
from storage.models import Municipality, Role, School


def inline(*rows: Sequence[tuple[str, Action | str]]) -> InlineKeyboardMarkup:
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


def menu_button(t: Localizer) -> tuple[str, Action]:
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
            callback_data=MunicipalityCb(purpose=purpose, id=municipality.id).pack(),
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
    footer: Sequence[tuple[str, Action]] = (),
) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, Action]]] = [
        [(school.short_name, SchoolCb(purpose=purpose, id=school.id))] for school in schools
    ]
    navigation: list[tuple[str, Action]] = []
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
