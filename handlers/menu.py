"""The main menu: what the person's role may do, and nothing else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Localizer
from bot.keyboards import MenuCb, inline
from bot.services import registration
from bot.services.access import Action, can, grantable_roles
from handlers.shared import message_of
from storage.models import Participant, Role


def main_menu(participant: Participant, t: Localizer) -> InlineKeyboardMarkup:
    scope = participant.municipality_id
    rows = [
        [(t("menu-surveys"), MenuCb(item="surveys"))],
        [(t("menu-schedule"), MenuCb(item="schedule"))],
        [(t("menu-profile"), MenuCb(item="profile"))],
    ]
    if participant.role == Role.CURATOR or can(
        participant, Action.VIEW_MUNICIPALITY, municipality_id=scope
    ):
        rows.append([(t("menu-surveys-status"), MenuCb(item="surveys-status"))])
    if can(participant, Action.VIEW_MUNICIPALITY, municipality_id=scope):
        rows.append([(t("menu-schools"), MenuCb(item="schools"))])
        rows.append([(t("menu-requests"), MenuCb(item="requests"))])
    if can(participant, Action.MANAGE_EVENTS, municipality_id=scope):
        rows.append([(t("menu-events"), MenuCb(item="events"))])
    if can(participant, Action.BROADCAST, municipality_id=scope):
        rows.append([(t("menu-broadcasts"), MenuCb(item="broadcasts"))])
    if can(participant, Action.VIEW_ANALYTICS, municipality_id=scope):
        rows.append([(t("menu-analytics"), MenuCb(item="analytics"))])
    if grantable_roles(participant):
        rows.append([(t("menu-invite"), MenuCb(item="invite"))])
    if can(participant, Action.MANAGE_SURVEYS):
        rows.append([(t("menu-surveys-admin"), MenuCb(item="surveys-admin"))])
    if can(participant, Action.RENAME_MUNICIPALITY):
        rows.append([(t("menu-rename"), MenuCb(item="rename"))])
    if can(participant, Action.IMPORT_SCHOOLS):
        rows.append([(t("menu-import"), MenuCb(item="import"))])
    return inline(*rows)


async def send_main_menu(message: Message, participant: Participant, t: Localizer) -> None:
    await message.answer(
        t("menu-title", role=t(f"role-{participant.role}")), reply_markup=main_menu(participant, t)
    )


async def answer_not_registered(
    message: Message, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    """Who is not registered yet: waiting for the coordinator, or not begun at all."""
    pending = await registration.pending_request(session, participant) is not None
    await message.answer(t("join-request-waiting" if pending else "menu-not-registered"))


async def menu_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await state.clear()
    if not participant.is_registered:
        await answer_not_registered(message, session, participant, t)
        return
    await send_main_menu(message, participant, t)


async def menu_button(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await state.clear()
    if not participant.is_registered:
        await answer_not_registered(message_of(callback), session, participant, t)
        return
    await send_main_menu(message_of(callback), participant, t)


def build_router() -> Router:
    router = Router(name="menu")
    router.message.register(menu_command, Command("menu"))
    router.callback_query.register(menu_button, MenuCb.filter(F.item == "main"))
    return router
