"""Joining: /start (with or without an invite code), consent, school, role, name, confirm."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import (
    ConfirmJoinCb,
    ConsentCb,
    MunicipalityCb,
    PageCb,
    RoleCb,
    SchoolCb,
)
from bot.i18n import Localizer, Translator
from bot.keyboards import (
    consent_keyboard,
    inline,
    municipalities_keyboard,
    request_keyboard,
    roles_keyboard,
)
from bot.services import directory, registration
from bot.services.errors import AccessDenied, DomainError
from bot.services.registration import SCHOOL_ROLES
from bot.settings import Settings
from bot.telegram.chat import send_screen
from bot.telegram.commands import show_commands
from bot.telegram.routing import Pressed
from bot.views import error_text, join_card, request_text
from handlers.menu import main_menu_screen
from handlers.shared import drop_keyboard, message_of, show_school_search
from storage.models import Participant, Role

logger = logging.getLogger(__name__)


class Join(StatesGroup):
    consent = State()
    code_or_municipality = State()
    school = State()
    role = State()
    name = State()
    confirm = State()


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    await state.clear()
    if participant.is_registered:
        await message.answer(t("start-welcome"), reply_markup=ReplyKeyboardRemove())
        await send_screen(bot, message.chat.id, main_menu_screen(participant, t))
        return
    if await registration.pending_request(session, participant) is not None:
        await message.answer(t("join-request-waiting"))
        return
    code = (command.args or "").strip()
    if code:
        # A dead code is refused at once, before consent is asked for nothing.
        try:
            await registration.check_invite(session, code)
        except DomainError as error:
            await message.answer(error_text(t, error))
            await message.answer(t("join-without-code"))
            return
    await state.update_data(code=code)
    if participant.consent_at is None:
        await state.set_state(Join.consent)
        await message.answer(t("start-welcome"), reply_markup=ReplyKeyboardRemove())
        await message.answer(t("consent-text"), reply_markup=consent_keyboard(t))
        return
    await _begin(message, state, session, participant, settings, t, code)


async def consent(
    callback: CallbackQuery,
    callback_data: ConsentCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
) -> None:
    # The consent message keeps its text and says what was chosen, so the choice is on record.
    with suppress(TelegramAPIError):
        await message_of(callback).edit_text(
            t("consent-text")
            + "\n\n"
            + t("consent-given" if callback_data.accept else "consent-refused"),
            reply_markup=None,
        )
    if not callback_data.accept:
        await state.clear()
        await message_of(callback).answer(t("consent-declined"))
        return
    participant = await registration.give_consent(session, participant)
    code = str((await state.get_data()).get("code", ""))
    await _begin(message_of(callback), state, session, participant, settings, t, code)


async def _begin(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    t: Localizer,
    code: str,
) -> None:
    """After consent: by the code, as an admin from settings, or by choosing a school."""
    if code:
        await _take_code(message, state, session, t, code)
        return
    if participant.telegram_id in settings.admin_ids:
        await state.set_state(Join.name)
        await state.update_data(role=Role.ADMIN.value, admin=True)
        await message.answer(t("join-ask-name"))
        return
    await state.set_state(Join.code_or_municipality)
    await message.answer(
        t("join-code-or-municipality"),
        reply_markup=municipalities_keyboard(await directory.municipalities(session), "join"),
    )


async def _take_code(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer, code: str
) -> None:
    try:
        offer = await registration.check_invite(session, code)
    except DomainError as error:
        await state.set_state(Join.code_or_municipality)
        await state.update_data(code="")
        await message.answer(error_text(t, error))
        await message.answer(
            t("join-code-or-municipality"),
            reply_markup=municipalities_keyboard(await directory.municipalities(session), "join"),
        )
        return
    await state.update_data(
        code=code,
        role=offer.role.value,
        municipality_id=offer.municipality.id if offer.municipality else None,
        school_id=offer.schools[0].id if len(offer.schools) == 1 else None,
    )
    if offer.needs_school_choice:
        assert offer.municipality is not None
        await state.set_state(Join.school)
        await message.answer(
            t(
                "join-invite-choose-school",
                role=t(f"role-{offer.role.value}"),
                municipality=offer.municipality.name,
            )
        )
        return
    await state.set_state(Join.name)
    await message.answer(t("join-invite-accepted", role=t(f"role-{offer.role.value}")))
    await message.answer(t("join-ask-name"))


async def typed_code(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer
) -> None:
    await _take_code(message, state, session, t, (message.text or "").strip())


async def municipality_chosen(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    state: FSMContext,
    session: AsyncSession,
    t: Localizer,
) -> None:
    municipality = await directory.municipality(session, callback_data.id)
    await state.set_state(Join.school)
    await state.update_data(municipality_id=municipality.id, code="")
    await message_of(callback).answer(t("join-type-school", municipality=municipality.name))


async def school_query(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer
) -> None:
    query = (message.text or "")[:100]
    await state.update_data(query=query)
    await _show_schools(message, state, session, t, query, page=0)


async def schools_page(
    callback: CallbackQuery,
    callback_data: PageCb,
    state: FSMContext,
    session: AsyncSession,
    t: Localizer,
) -> None:
    query = str((await state.get_data()).get("query", ""))
    await _show_schools(message_of(callback), state, session, t, query, callback_data.page)


async def _show_schools(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    t: Localizer,
    query: str,
    page: int,
) -> None:
    municipality_id = int((await state.get_data())["municipality_id"])
    await show_school_search(
        message,
        session,
        t,
        municipality_id=municipality_id,
        query=query,
        page=page,
        purpose="join",
    )


async def school_chosen(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    state: FSMContext,
    session: AsyncSession,
    t: Localizer,
) -> None:
    data = await state.get_data()
    school = await directory.school(session, callback_data.id)
    if school.municipality_id != data.get("municipality_id"):
        raise AccessDenied()
    await drop_keyboard(callback)
    await state.update_data(school_id=school.id)
    if data.get("code"):
        await state.set_state(Join.name)
        await message_of(callback).answer(t("join-ask-name"))
        return
    await state.set_state(Join.role)
    await message_of(callback).answer(
        t("join-pick-role", school=school.short_name),
        reply_markup=roles_keyboard(t, SCHOOL_ROLES, "join"),
    )


async def role_chosen(
    callback: CallbackQuery, callback_data: RoleCb, state: FSMContext, t: Localizer
) -> None:
    if callback_data.role not in SCHOOL_ROLES:  # forged: nobody asks to be a coordinator
        raise AccessDenied()
    await drop_keyboard(callback)
    await state.update_data(role=callback_data.role.value)
    await state.set_state(Join.name)
    await message_of(callback).answer(t("join-ask-name"))


async def name_given(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer
) -> None:
    try:
        name = registration.clean_full_name(message.text or "")
    except DomainError as error:
        await message.answer(error_text(t, error))
        return
    await state.update_data(name=name)
    await state.set_state(Join.confirm)
    data = await state.get_data()
    school = await directory.school(session, data["school_id"]) if data.get("school_id") else None
    municipality_id = data.get("municipality_id")
    municipality = (
        await directory.municipality(session, municipality_id)
        if municipality_id and data.get("role") == Role.MUNICIPAL_COORDINATOR
        else (school.municipality if school else None)
    )
    await message.answer(
        join_card(t, Role(data["role"]), name, school, municipality),
        reply_markup=inline(
            [(t("button-confirm"), ConfirmJoinCb(ok=True))],
            [(t("button-start-over"), ConfirmJoinCb(ok=False))],
        ),
    )


async def confirmed(
    callback: CallbackQuery,
    callback_data: ConfirmJoinCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    translator: Translator,
    bot: Bot,
    t: Localizer,
) -> None:
    await drop_keyboard(callback)
    data = await state.get_data()
    if not callback_data.ok:
        await state.clear()
        # Starting over keeps the invite: the person came by it and it still holds.
        code = str(data.get("code") or "")
        await _begin(message_of(callback), state, session, participant, settings, t, code)
        return
    try:
        if data.get("admin"):
            await registration.join_as_admin(session, participant, data["name"], settings.admin_ids)
        elif data.get("code"):
            await registration.join_with_invite(
                session, participant, data["code"], data["name"], data.get("school_id")
            )
        else:
            request = await registration.request_to_join(
                session, participant, data["school_id"], Role(data["role"]), data["name"]
            )
            await state.clear()
            await message_of(callback).answer(t("join-request-sent"))
            await _ask_deciders(bot, session, translator, request.id)
            return
    except DomainError as error:
        await session.rollback()
        await state.clear()
        await message_of(callback).answer(error_text(t, error))
        await message_of(callback).answer(t("join-start-again"))
        return
    await state.clear()
    await message_of(callback).answer(t("join-done"))
    await send_screen(bot, message_of(callback).chat.id, main_menu_screen(participant, t))
    await show_commands(bot, translator, participant)


async def _ask_deciders(
    bot: Bot, session: AsyncSession, translator: Translator, request_id: int
) -> None:
    """Sends the request with Approve / Reject to every coordinator who may decide it."""
    request = await registration.join_request(session, request_id)
    for decider in await registration.deciders(session, request):
        t = translator.for_locale(decider.locale)
        with suppress(TelegramAPIError):
            await bot.send_message(
                decider.telegram_id,
                request_text(t, request),
                reply_markup=request_keyboard(t, request.id),
            )


async def use_the_buttons(message: Message, t: Localizer) -> None:
    await message.answer(t("hint-use-buttons"))


def build_router() -> Router:
    router = Router(name="registration")
    router.message.register(start, CommandStart())
    router.callback_query.register(consent, Join.consent, Pressed(ConsentCb))
    router.message.register(typed_code, Join.code_or_municipality, F.text)
    router.callback_query.register(
        municipality_chosen, Join.code_or_municipality, Pressed(MunicipalityCb, purpose="join")
    )
    router.message.register(school_query, Join.school, F.text)
    router.callback_query.register(schools_page, Join.school, Pressed(PageCb, purpose="join"))
    router.callback_query.register(school_chosen, Join.school, Pressed(SchoolCb, purpose="join"))
    router.callback_query.register(role_chosen, Join.role, Pressed(RoleCb, purpose="join"))
    router.message.register(name_given, Join.name, F.text)
    router.callback_query.register(confirmed, Join.confirm, Pressed(ConfirmJoinCb))
    router.message.register(use_the_buttons, StateFilter(Join.consent, Join.role, Join.confirm))
    return router
