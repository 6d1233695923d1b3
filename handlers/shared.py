"""Steps that several conversations share."""

from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Localizer
from bot.keyboards import schools_keyboard
from bot.services import directory


async def show_school_search(
    message: Message,
    session: AsyncSession,
    t: Localizer,
    *,
    municipality_id: int,
    query: str,
    page: int,
    purpose: str,
) -> None:
    """One page of the municipality's schools matching what the person typed, as buttons."""
    found = await directory.search_schools(session, municipality_id, query, page)
    if not found.total:
        await message.answer(t("join-no-schools"))
        return
    await message.answer(
        t("join-pick-school", total=found.total),
        reply_markup=schools_keyboard(t, found.schools, purpose, found.page, found.pages),
    )


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Removes the pressed keyboard so an old step cannot be pressed again."""
    if isinstance(callback.message, Message):
        with suppress(TelegramAPIError):
            await callback.message.edit_reply_markup(reply_markup=None)


def message_of(callback: CallbackQuery) -> Message:
    """The message under the pressed button (always there for the bot's own messages)."""
    assert isinstance(callback.message, Message)
    return callback.message
