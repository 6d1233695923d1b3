"""Coordinators' tools: schools and who is registered, requests, invites, curators,
revocations, renaming municipalities. Every step re-checks access in the services."""

from __future__ import annotations

from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import (
    InviteScopeCb,
    MenuCb,
    MunicipalityCb,
    PageCb,
    PersonCb,
    RequestCb,
    RoleCb,
    SchoolCb,
)
from bot.conversation.screens import Press
from bot.i18n import Localizer, Translator
from bot.keyboards import (
    inline,
    menu_button,
    municipalities_keyboard,
    request_keyboard,
    roles_keyboard,
    schools_keyboard,
)
from bot.services import directory, registration
from bot.services.access import Action, can, grantable_roles
from bot.services.errors import AccessDenied, DomainError
from bot.services.registration import SCHOOL_ROLES
from bot.settings import Settings
from bot.telegram.commands import show_commands
from bot.telegram.routing import Pressed
from bot.views import (
    ROSTER_PAGE,
    format_when,
    request_text,
    role_name,
    roster_text,
    school_card,
)
from handlers.shared import message_of, show_school_search
from storage.models import Participant, Role


class InviteFlow(StatesGroup):
    municipality = State()
    scope = State()
    school = State()


class Rename(StatesGroup):
    municipality = State()
    name = State()


async def _municipality_or_choice(
    message: Message,
    session: AsyncSession,
    actor: Participant,
    purpose: str,
    t: Localizer,
) -> int | None:
    """A municipal coordinator's own municipality; the regional team is asked to choose."""
    if can(actor, Action.CHOOSE_MUNICIPALITY):
        await message.answer(
            t("choose-municipality"),
            reply_markup=municipalities_keyboard(await directory.municipalities(session), purpose),
        )
        return None
    if actor.municipality_id is None:
        raise AccessDenied()
    return actor.municipality_id


# -- schools and who is registered ---------------------------------------------------------


async def schools_menu(
    callback: CallbackQuery, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    municipality_id = await _municipality_or_choice(
        message_of(callback), session, participant, "roster", t
    )
    if municipality_id is not None:
        await _show_roster(message_of(callback), session, participant, t, municipality_id, 0)


async def roster_municipality(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await _show_roster(message_of(callback), session, participant, t, callback_data.id, 0)


async def roster_page(
    callback: CallbackQuery,
    callback_data: PageCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await _show_roster(
        message_of(callback), session, participant, t, callback_data.ref, callback_data.page
    )


async def _show_roster(
    message: Message,
    session: AsyncSession,
    actor: Participant,
    t: Localizer,
    municipality_id: int,
    page: int,
) -> None:
    entries = await directory.roster(session, actor, municipality_id)
    municipality = await directory.municipality(session, municipality_id)
    pages = max(1, -(-len(entries) // ROSTER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = [entry.school for entry in entries[page * ROSTER_PAGE : (page + 1) * ROSTER_PAGE]]
    keyboard = schools_keyboard(
        t,
        shown,
        "card",
        page,
        pages,
        ref=municipality_id,
        footer=[
            (t("button-unreachable"), MunicipalityCb(purpose="unreachable", id=municipality_id)),
            menu_button(t),
        ],
    )
    await message.answer(roster_text(t, municipality, entries, page, pages), reply_markup=keyboard)


async def unreachable_list(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    people = await directory.unreachable(session, participant, callback_data.id)
    if not people:
        await message_of(callback).answer(t("unreachable-none"))
        return
    names = "\n".join(f"• {escape(p.full_name or '—')} ({role_name(t, p.role)})" for p in people)
    await message_of(callback).answer(t("unreachable-title", count=len(people)) + "\n" + names)


async def school_card_view(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    entry = await directory.school_roster(session, participant, callback_data.id)
    staff = [person for person in [entry.director, *entry.curators] if person is not None]
    # Only those the coordinator may revoke: a curator with a school elsewhere is not theirs.
    revocable = await registration.may_manage(session, participant, Action.REVOKE, staff)
    rows: list[list[Press]] = []
    for person in staff:
        if person.id in revocable:
            label = t("button-revoke", name=person.full_name or "—")
            rows.append([(label, PersonCb(action="revoke", id=person.id))])
    rows.append([(t("button-assign-curator"), SchoolCb(purpose="assign", id=entry.school.id))])
    rows.append([menu_button(t)])
    await message_of(callback).answer(school_card(t, entry), reply_markup=inline(*rows))


async def assign_list(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    school = await directory.school(session, callback_data.id)
    curators = await registration.curators_in(session, participant, school.municipality_id)
    if not curators:
        await message_of(callback).answer(t("assign-no-curators"))
        return
    rows = [
        [(c.full_name or "—", PersonCb(action="assign", id=c.id, school=school.id))]
        for c in curators
    ]
    await message_of(callback).answer(
        t("assign-choose", school=escape(school.short_name)), reply_markup=inline(*rows)
    )


async def assign(
    callback: CallbackQuery,
    callback_data: PersonCb,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    await registration.assign_curator(session, participant, callback_data.id, callback_data.school)
    await message_of(callback).edit_reply_markup(reply_markup=None)
    await message_of(callback).answer(t("assign-done"))


async def revoke_ask(callback: CallbackQuery, callback_data: PersonCb, t: Localizer) -> None:
    await message_of(callback).answer(
        t("revoke-sure"),
        reply_markup=inline(
            [(t("button-revoke-final"), PersonCb(action="revoke-yes", id=callback_data.id))],
            [menu_button(t)],
        ),
    )


async def revoke(
    callback: CallbackQuery,
    callback_data: PersonCb,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    bot: Bot,
    t: Localizer,
) -> None:
    target = await registration.revoke(session, participant, callback_data.id)
    await message_of(callback).edit_reply_markup(reply_markup=None)
    await message_of(callback).answer(t("revoke-done", name=escape(target.full_name or "—")))
    with suppress(TelegramAPIError):
        await bot.send_message(target.telegram_id, translator.get(target.locale, "revoke-notice"))
    await show_commands(bot, translator, target)


# -- requests --------------------------------------------------------------------------------


async def requests_menu(
    callback: CallbackQuery, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    await show_requests(message_of(callback), session, participant, t)


async def requests_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    """/requests, the coordinators' command: what «Заявки» of the menu shows."""
    await state.clear()
    if not can(participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id):
        raise AccessDenied()
    await show_requests(message, session, participant, t)


async def show_requests(
    message: Message, session: AsyncSession, participant: Participant, t: Localizer
) -> None:
    scope = None if can(participant, Action.CHOOSE_MUNICIPALITY) else participant.municipality_id
    pending = await registration.pending_requests(session, participant, scope)
    if not pending:
        await message.answer(t("requests-none"), reply_markup=inline([menu_button(t)]))
        return
    for request in pending[:20]:
        await message.answer(request_text(t, request), reply_markup=request_keyboard(t, request.id))


async def decide(
    callback: CallbackQuery,
    callback_data: RequestCb,
    session: AsyncSession,
    participant: Participant,
    translator: Translator,
    bot: Bot,
    t: Localizer,
) -> None:
    try:
        request, applicant = await registration.decide(
            session, participant, callback_data.id, callback_data.approve
        )
    except DomainError as error:
        if error.reason == "request-decided":  # the buttons are stale: take them away
            with suppress(TelegramAPIError):
                await message_of(callback).edit_reply_markup(reply_markup=None)
        raise
    approved = request.status == "approved"
    outcome = t("request-approved" if approved else "request-rejected")
    with suppress(TelegramAPIError):
        await message_of(callback).edit_text(f"{request_text(t, request)}\n\n{outcome}")
    if applicant is not None:
        key = "join-approved" if approved else "join-rejected"
        with suppress(TelegramAPIError):
            await bot.send_message(applicant.telegram_id, translator.get(applicant.locale, key))
        if approved:
            await show_commands(bot, translator, applicant)


# -- invites ---------------------------------------------------------------------------------


async def invite_menu(callback: CallbackQuery, participant: Participant, t: Localizer) -> None:
    roles = grantable_roles(participant)
    if not roles:
        raise AccessDenied()
    await message_of(callback).answer(
        t("invite-choose-role"), reply_markup=roles_keyboard(t, roles, "invite")
    )


async def invite_role(
    callback: CallbackQuery,
    callback_data: RoleCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    role = callback_data.role
    if role not in grantable_roles(participant):
        raise AccessDenied()
    await state.clear()
    await state.update_data(role=role.value)
    if role in (Role.REGIONAL_COORDINATOR, Role.ADMIN):
        await _create_invite(message_of(callback), state, session, participant, settings, bot, t)
        return
    await state.set_state(InviteFlow.municipality)
    municipality_id = await _municipality_or_choice(
        message_of(callback), session, participant, "invite", t
    )
    if municipality_id is not None:
        await _invite_in(
            message_of(callback), state, session, participant, settings, bot, t, municipality_id
        )


async def invite_municipality(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    await _invite_in(
        message_of(callback), state, session, participant, settings, bot, t, callback_data.id
    )


async def _invite_in(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    actor: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
    municipality_id: int,
) -> None:
    role = Role((await state.get_data())["role"])
    if not can(actor, Action.INVITE, municipality_id=municipality_id, role=role):
        raise AccessDenied()
    await state.update_data(municipality_id=municipality_id)
    if role not in SCHOOL_ROLES:
        await _create_invite(message, state, session, actor, settings, bot, t)
        return
    await state.set_state(InviteFlow.scope)
    await message.answer(
        t("invite-choose-scope"),
        reply_markup=inline(
            [(t("button-invite-school"), InviteScopeCb(whole=False))],
            [(t("button-invite-municipality"), InviteScopeCb(whole=True))],
        ),
    )


async def invite_scope(
    callback: CallbackQuery,
    callback_data: InviteScopeCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    if callback_data.whole:
        await _create_invite(message_of(callback), state, session, participant, settings, bot, t)
        return
    await state.set_state(InviteFlow.school)
    await message_of(callback).answer(t("invite-type-school"))


async def invite_school_query(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer
) -> None:
    query = (message.text or "")[:100]
    await state.update_data(query=query)
    await _invite_schools(message, state, session, t, 0)


async def invite_schools_page(
    callback: CallbackQuery,
    callback_data: PageCb,
    state: FSMContext,
    session: AsyncSession,
    t: Localizer,
) -> None:
    await _invite_schools(message_of(callback), state, session, t, callback_data.page)


async def _invite_schools(
    message: Message, state: FSMContext, session: AsyncSession, t: Localizer, page: int
) -> None:
    data = await state.get_data()
    await show_school_search(
        message,
        session,
        t,
        municipality_id=int(data["municipality_id"]),
        query=str(data.get("query", "")),
        page=page,
        purpose="invite",
        prompt="invite-pick-school",
    )


async def invite_school(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    await state.update_data(school_id=callback_data.id)
    await _create_invite(message_of(callback), state, session, participant, settings, bot, t)


async def _create_invite(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    actor: Participant,
    settings: Settings,
    bot: Bot,
    t: Localizer,
) -> None:
    data = await state.get_data()
    await state.clear()
    role = Role(data["role"])
    school_id = data.get("school_id")
    whole_municipality = role in SCHOOL_ROLES and school_id is None
    created = await registration.create_invite(
        session,
        actor,
        role,
        municipality_id=data.get("municipality_id"),
        school_ids=[int(school_id)] if school_id else [],
        # A code for a whole municipality is passed around: many may use it.
        max_uses=None if whole_municipality else 1,
    )
    me = await bot.me()
    if created.schools:
        scope = t("invite-for-school", school=escape(created.schools[0].full_name))
    elif created.municipality is not None:
        scope = t("invite-for-municipality", municipality=escape(created.municipality.name))
    else:
        scope = t("invite-for-region")
    await message.answer(
        t(
            "invite-created",
            role=role_name(t, role),
            scope=scope,
            code=created.code,
            link=f"https://t.me/{me.username}?start={created.code}",
            expires=format_when(created.invite.expires_at, settings.zone, t.locale),
            uses=t("invite-many-uses" if whole_municipality else "invite-one-use"),
        ),
        reply_markup=inline([menu_button(t)]),
    )


# -- renaming municipalities ------------------------------------------------------------------


async def rename_menu(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    if not can(participant, Action.RENAME_MUNICIPALITY):
        raise AccessDenied()
    await state.set_state(Rename.municipality)
    await message_of(callback).answer(
        t("choose-municipality"),
        reply_markup=municipalities_keyboard(await directory.municipalities(session), "rename"),
    )


async def rename_municipality_chosen(
    callback: CallbackQuery,
    callback_data: MunicipalityCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    if not can(participant, Action.RENAME_MUNICIPALITY, municipality_id=callback_data.id):
        raise AccessDenied()
    municipality = await directory.municipality(session, callback_data.id)
    await state.set_state(Rename.name)
    await state.update_data(municipality_id=municipality.id)
    await message_of(callback).answer(t("rename-ask", name=escape(municipality.name)))


async def rename_name(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    t: Localizer,
) -> None:
    municipality_id = int((await state.get_data())["municipality_id"])
    renamed = await directory.rename_municipality(
        session, participant, municipality_id, message.text or ""
    )
    await state.clear()
    await message.answer(
        t("rename-done", name=escape(renamed.name)), reply_markup=inline([menu_button(t)])
    )


def build_router() -> Router:
    router = Router(name="coordinator")
    callbacks = router.callback_query
    callbacks.register(schools_menu, Pressed(MenuCb, item="schools"))
    callbacks.register(roster_municipality, Pressed(MunicipalityCb, purpose="roster"))
    callbacks.register(roster_page, Pressed(PageCb, purpose="card"))
    callbacks.register(unreachable_list, Pressed(MunicipalityCb, purpose="unreachable"))
    callbacks.register(school_card_view, Pressed(SchoolCb, purpose="card"))
    callbacks.register(assign_list, Pressed(SchoolCb, purpose="assign"))
    callbacks.register(assign, Pressed(PersonCb, action="assign"))
    callbacks.register(revoke_ask, Pressed(PersonCb, action="revoke"))
    callbacks.register(revoke, Pressed(PersonCb, action="revoke-yes"))
    callbacks.register(requests_menu, Pressed(MenuCb, item="requests"))
    router.message.register(requests_command, Command("requests"))
    callbacks.register(decide, Pressed(RequestCb))
    callbacks.register(invite_menu, Pressed(MenuCb, item="invite"))
    callbacks.register(invite_role, Pressed(RoleCb, purpose="invite"))
    callbacks.register(
        invite_municipality, InviteFlow.municipality, Pressed(MunicipalityCb, purpose="invite")
    )
    callbacks.register(invite_scope, InviteFlow.scope, Pressed(InviteScopeCb))
    router.message.register(invite_school_query, InviteFlow.school, F.text)
    callbacks.register(invite_schools_page, InviteFlow.school, Pressed(PageCb, purpose="invite"))
    callbacks.register(invite_school, InviteFlow.school, Pressed(SchoolCb, purpose="invite"))
    callbacks.register(rename_menu, Pressed(MenuCb, item="rename"))
    callbacks.register(
        rename_municipality_chosen,
        Rename.municipality,
        Pressed(MunicipalityCb, purpose="rename"),
    )
    router.message.register(rename_name, Rename.name, F.text)
    return router
