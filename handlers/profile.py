"""/me (my data, change my name) and /forget (delete my data)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import ForgetCb, MenuCb
from bot.i18n import Localizer
from bot.keyboards import inline, menu_button
from bot.services import registration
from bot.services.errors import DomainError
from bot.telegram.commands import drop_commands
from bot.telegram.routing import Pressed
from bot.views import error_text, profile_text
from handlers.shared import message_of
from storage.models import Participant


class ProfileEdit(StatesGroup):
    name = State()


async def show_profile(
    message: Message, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    if not participant.is_registered:
        # The Telegram id too: someone not registered yet may be asked for it (ADMIN_IDS).
        pending = await registration.pending_request(session, participant) is not None
        status = t("join-request-waiting" if pending else "menu-not-registered")
        await message.answer(
            f"{status}\n{t('profile-telegram-id', id=str(participant.telegram_id))}"
        )
        return
    digest = t("button-digest-off" if participant.digest_enabled else "button-digest-on")
    await message.answer(
        profile_text(t, await registration.profile(session, participant)),
        reply_markup=inline(
            [(t("button-change-name"), MenuCb(item="rename-self"))],
            [(digest, MenuCb(item="digest"))],
            [menu_button(t)],
        ),
    )


async def me_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await state.clear()
    await show_profile(message, session, participant, t)


async def profile_button(
    callback: CallbackQuery, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    await show_profile(message_of(callback), session, participant, t)


async def change_name(
    callback: CallbackQuery, state: FSMContext, participant: Participant, t: Localizer
) -> None:
    if not participant.is_registered:
        await message_of(callback).answer(t("menu-not-registered"))
        return
    await state.set_state(ProfileEdit.name)
    await message_of(callback).answer(t("profile-ask-name"))


async def new_name(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    try:
        await registration.change_name(session, participant, message.text or "")
    except DomainError as error:
        await message.answer(error_text(t, error))
        return
    await state.clear()
    await message.answer(t("profile-name-saved"))
    await show_profile(message, session, participant, t)


async def forget_command(message: Message, state: FSMContext, t: Localizer) -> None:
    await state.clear()
    await message.answer(
        t("forget-warning"),
        reply_markup=inline(
            [(t("button-forget"), ForgetCb(step=1))], [(t("button-keep"), ForgetCb(step=0))]
        ),
    )


async def forget_step(
    callback: CallbackQuery,
    callback_data: ForgetCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    bot: Bot,
    t: Localizer,
) -> None:
    await message_of(callback).edit_reply_markup(reply_markup=None)
    if callback_data.step == 0:
        await message_of(callback).answer(t("forget-kept"))
    elif callback_data.step == 1:
        await message_of(callback).answer(
            t("forget-sure"),
            reply_markup=inline(
                [(t("button-forget-final"), ForgetCb(step=2))],
                [(t("button-keep"), ForgetCb(step=0))],
            ),
        )
    else:
        await state.clear()
        telegram_id = participant.telegram_id
        await registration.forget(session, participant)
        await message_of(callback).answer(t("forget-done"))
        await drop_commands(bot, telegram_id)


def build_router() -> Router:
    router = Router(name="profile")
    router.message.register(me_command, Command("me"))
    router.callback_query.register(profile_button, Pressed(MenuCb, item="profile"))
    router.callback_query.register(change_name, Pressed(MenuCb, item="rename-self"))
    router.message.register(new_name, ProfileEdit.name, F.text)
    router.message.register(forget_command, Command("forget"))
    router.callback_query.register(forget_step, Pressed(ForgetCb))
    return router
