"""Steps that several conversations share. (The functions taking aiogram's types serve
the steps not yet moved to turns; they go with them.)"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import RemindCb
from bot.conversation.buttons import menu_button, school_rows
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.services import directory
from bot.services.reminders import Reminded
from bot.views import format_recent

# The legacy functions import aiogram when called, so that a converted step importing the
# turn-based ones (offer_schools, tell_reminded) imports no aiogram.
if TYPE_CHECKING:
    from aiogram.types import CallbackQuery, Message
    from aiogram.utils.callback_answer import CallbackAnswer


async def show_school_search(
    message: Message,
    session: AsyncSession,
    t: Localizer,
    *,
    municipality_id: int,
    query: str,
    page: int,
    purpose: str,
    prompt: str = "join-pick-school",
) -> None:
    """One page of the municipality's schools matching what the person typed, as buttons.
    `prompt` fits who chooses: a person registering picks their own school."""
    from bot.keyboards import schools_keyboard

    found = await directory.search_schools(session, municipality_id, query, page)
    if not found.total:
        await message.answer(t("join-no-schools"))
        return
    await message.answer(
        t(prompt, total=found.total),
        reply_markup=schools_keyboard(t, found.schools, purpose, found.page, found.pages),
    )


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Removes the pressed keyboard so an old step cannot be pressed again."""
    from aiogram.exceptions import TelegramAPIError
    from aiogram.types import Message

    if isinstance(callback.message, Message):
        with suppress(TelegramAPIError):
            await callback.message.edit_reply_markup(reply_markup=None)


def message_of(callback: CallbackQuery) -> Message:
    """The message under the pressed button (always there for the bot's own messages)."""
    from aiogram.types import Message

    assert isinstance(callback.message, Message)
    return callback.message


async def answer_reminded(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    t: Localizer,
    reminded: Reminded,
    kind: str,
    subject_id: int,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """What a press of «Напомнить…» did: how many will be reminded, or, for a repeat soon
    after the last reminder, when that one went, with a button to send again."""
    from bot.keyboards import inline

    when = format_recent(t, reminded.last_at, now, zone) if reminded.last_at else ""
    if reminded.duplicate:
        callback_answer.text = t("reminder-already-sent", when=when)
    elif reminded.queued is None:
        again = RemindCb(kind=kind, id=subject_id, number=reminded.number)
        await message_of(callback).answer(
            t("reminder-repeat-ask", when=when),
            reply_markup=inline([(t("button-reminder-repeat"), again)], [menu_button(t)]),
        )
        return
    else:
        callback_answer.text = t("broadcast-reminded", count=reminded.queued)
    callback_answer.show_alert = True


async def offer_schools(
    turn: Turn,
    *,
    municipality_id: int,
    query: str,
    page: int,
    purpose: str,
    prompt: str = "join-pick-school",
) -> None:
    """One page of the municipality's schools matching what the person typed, as buttons.
    `prompt` fits who chooses: a person registering picks their own school."""
    t = turn.t
    found = await directory.search_schools(turn.session, municipality_id, query, page)
    if not found.total:
        await turn.say(t("join-no-schools"))
        return
    rows = school_rows(t, found.schools, purpose, found.page, found.pages)
    await turn.show(Screen(t(prompt, total=found.total), rows))


async def tell_reminded(
    turn: Turn, reminded: Reminded, kind: str, subject_id: int, now: datetime
) -> None:
    """What a press of «Напомнить…» did: how many will be reminded, or, for a repeat soon
    after the last reminder, when that one went, with a button to send again."""
    t, zone = turn.t, turn.settings.zone
    when = format_recent(t, reminded.last_at, now, zone) if reminded.last_at else ""
    if reminded.duplicate:
        await turn.chat.toast(t("reminder-already-sent", when=when), alert=True)
    elif reminded.queued is None:
        again = RemindCb(kind=kind, id=subject_id, number=reminded.number)
        rows: list[list[Press]] = [[(t("button-reminder-repeat"), again)], [menu_button(t)]]
        await turn.show(Screen(t("reminder-repeat-ask", when=when), rows))
    else:
        await turn.chat.toast(t("broadcast-reminded", count=reminded.queued), alert=True)
