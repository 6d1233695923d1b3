"""Inline keyboards for the steps still written against aiogram; they go as those steps
move to screens (bot/conversation)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from bot.conversation import buttons
from bot.conversation.buttons import menu_button
from bot.conversation.screens import Press
from bot.i18n import Localizer
from bot.services.delivery import Button
from bot.telegram.chat import markup_of
from storage.models import Municipality, Role, School

__all__ = ["menu_button"]


def inline(*rows: Sequence[Press]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, action, or its packed data)."""
    return markup_of(rows) or InlineKeyboardMarkup(inline_keyboard=[])


def buttons_markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """The keyboard of an outbox payload (its callback data is stored packed)."""
    return inline(*[[(b.text, b.data) for b in row] for row in rows]) if rows else None


def consent_keyboard(t: Localizer) -> InlineKeyboardMarkup:
    return inline(*buttons.consent_rows(t))


def municipalities_keyboard(
    municipalities: Sequence[Municipality], purpose: str
) -> InlineKeyboardMarkup:
    return inline(*buttons.municipality_rows(municipalities, purpose))


def schools_keyboard(
    t: Localizer,
    schools: Sequence[School],
    purpose: str,
    page: int,
    pages: int,
    ref: int = 0,
    footer: Sequence[Press] = (),
) -> InlineKeyboardMarkup:
    return inline(*buttons.school_rows(t, schools, purpose, page, pages, ref, footer))


def roles_keyboard(t: Localizer, roles: Sequence[Role], purpose: str) -> InlineKeyboardMarkup:
    return inline(*buttons.role_rows(t, roles, purpose))


def request_keyboard(t: Localizer, request_id: int) -> InlineKeyboardMarkup:
    return inline(*buttons.request_rows(t, request_id))
