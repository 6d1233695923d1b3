"""Joining: /start (with or without an invite code), consent, school, role, name, confirm."""

from __future__ import annotations

from bot import notices
from bot.conversation.actions import (
    ConfirmJoinCb,
    ConsentCb,
    MunicipalityCb,
    PageCb,
    RoleCb,
    SchoolCb,
)
from bot.conversation.buttons import consent_rows, municipality_rows, role_rows
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Screen
from bot.conversation.turn import Turn
from bot.services import directory, registration
from bot.services.errors import AccessDenied, DomainError
from bot.services.registration import SCHOOL_ROLES
from bot.views import error_text, join_card
from handlers.menu import main_menu_screen
from handlers.shared import offer_schools
from storage.models import Role

routes = Routes("registration")


class Join(StateGroup):
    consent = State()
    code_or_municipality = State()
    school = State()
    role = State()
    name = State()
    confirm = State()


@routes.command("start", deep_link=True)
async def start_with_code(turn: Turn) -> None:
    await start(turn)


@routes.command("start")
async def start(turn: Turn) -> None:
    state, participant, t = turn.state, turn.participant, turn.t
    await state.clear()
    if participant.is_registered:
        await turn.show(Screen(t("start-welcome"), choices=()))
        await turn.show(main_menu_screen(participant, t))
        return
    if await registration.pending_request(turn.session, participant) is not None:
        await turn.say(t("join-request-waiting"))
        return
    code = (turn.args or "").strip()
    if code:
        # A dead code is refused at once, before consent is asked for nothing.
        try:
            await registration.check_invite(turn.session, code)
        except DomainError as error:
            await turn.say(error_text(t, error))
            await turn.say(t("join-without-code"))
            return
    await state.update_data(code=code)
    if participant.consent_at is None:
        await state.set_state(Join.consent)
        await turn.show(Screen(t("start-welcome"), choices=()))
        await turn.say(t("consent-text"), *consent_rows(t))
        return
    await _begin(turn, code)


@routes.press(ConsentCb, state=Join.consent)
async def consent(turn: Turn, action: ConsentCb) -> None:
    t = turn.t
    # The consent message keeps its text and says what was chosen, so the choice is on record.
    chosen = t("consent-given" if action.accept else "consent-refused")
    await turn.show(Screen(t("consent-text") + "\n\n" + chosen, replace=True))
    if not action.accept:
        await turn.state.clear()
        await turn.say(t("consent-declined"))
        return
    turn.participant = await registration.give_consent(turn.session, turn.participant)
    code = str((await turn.state.get_data()).get("code", ""))
    await _begin(turn, code)


async def _begin(turn: Turn, code: str) -> None:
    """After consent: by the code, as an admin from settings, or by choosing a school."""
    if code:
        await _take_code(turn, code)
        return
    settings = turn.settings
    if registration.named_admin(turn.participant, settings.admin_ids, settings.max_admin_ids):
        await turn.state.set_state(Join.name)
        await turn.state.update_data(role=Role.ADMIN.value, admin=True)
        await turn.say(turn.t("join-ask-name"))
        return
    await turn.state.set_state(Join.code_or_municipality)
    await _ask_code_or_municipality(turn)


async def _ask_code_or_municipality(turn: Turn) -> None:
    municipalities = await directory.municipalities(turn.session)
    await turn.say(turn.t("join-code-or-municipality"), *municipality_rows(municipalities, "join"))


async def _take_code(turn: Turn, code: str) -> None:
    state, t = turn.state, turn.t
    try:
        offer = await registration.check_invite(turn.session, code)
    except DomainError as error:
        await state.set_state(Join.code_or_municipality)
        await state.update_data(code="")
        await turn.say(error_text(t, error))
        await _ask_code_or_municipality(turn)
        return
    await state.update_data(
        code=code,
        role=offer.role.value,
        municipality_id=offer.municipality.id if offer.municipality else None,
        school_id=offer.schools[0].id if len(offer.schools) == 1 else None,
    )
    role = t(f"role-{offer.role.value}")
    if offer.needs_school_choice:
        assert offer.municipality is not None
        await state.set_state(Join.school)
        await turn.say(
            t("join-invite-choose-school", role=role, municipality=offer.municipality.name)
        )
        return
    await state.set_state(Join.name)
    await turn.say(t("join-invite-accepted", role=role))
    await turn.say(t("join-ask-name"))


@routes.text(state=Join.code_or_municipality)
async def typed_code(turn: Turn) -> None:
    await _take_code(turn, turn.text.strip())


@routes.press(MunicipalityCb, state=Join.code_or_municipality, purpose="join")
async def municipality_chosen(turn: Turn, action: MunicipalityCb) -> None:
    municipality = await directory.municipality(turn.session, action.id)
    await turn.state.set_state(Join.school)
    await turn.state.update_data(municipality_id=municipality.id, code="")
    await turn.say(turn.t("join-type-school", municipality=municipality.name))


@routes.text(state=Join.school)
async def school_query(turn: Turn) -> None:
    query = turn.text[:100]
    await turn.state.update_data(query=query)
    await _show_schools(turn, query, page=0)


@routes.press(PageCb, state=Join.school, purpose="join")
async def schools_page(turn: Turn, action: PageCb) -> None:
    query = str((await turn.state.get_data()).get("query", ""))
    await _show_schools(turn, query, action.page)


async def _show_schools(turn: Turn, query: str, page: int) -> None:
    municipality_id = int((await turn.state.get_data())["municipality_id"])
    await offer_schools(
        turn, municipality_id=municipality_id, query=query, page=page, purpose="join"
    )


@routes.press(SchoolCb, state=Join.school, purpose="join")
async def school_chosen(turn: Turn, action: SchoolCb) -> None:
    state, t = turn.state, turn.t
    data = await state.get_data()
    school = await directory.school(turn.session, action.id)
    if school.municipality_id != data.get("municipality_id"):
        raise AccessDenied()
    await turn.chat.replace_buttons(())
    await state.update_data(school_id=school.id)
    if data.get("code"):
        await state.set_state(Join.name)
        await turn.say(t("join-ask-name"))
        return
    await state.set_state(Join.role)
    await turn.say(
        t("join-pick-role", school=school.short_name), *role_rows(t, SCHOOL_ROLES, "join")
    )


@routes.press(RoleCb, state=Join.role, purpose="join")
async def role_chosen(turn: Turn, action: RoleCb) -> None:
    if action.role not in SCHOOL_ROLES:  # forged: nobody asks to be a coordinator
        raise AccessDenied()
    await turn.chat.replace_buttons(())
    await turn.state.update_data(role=action.role.value)
    await turn.state.set_state(Join.name)
    await turn.say(turn.t("join-ask-name"))


@routes.text(state=Join.name)
async def name_given(turn: Turn) -> None:
    state, t = turn.state, turn.t
    try:
        name = registration.clean_full_name(turn.text)
    except DomainError as error:
        await turn.say(error_text(t, error))
        return
    await state.update_data(name=name)
    await state.set_state(Join.confirm)
    data = await state.get_data()
    role = Role(data["role"])
    school, municipality = await registration.join_card_places(
        turn.session, role, data.get("school_id"), data.get("municipality_id")
    )
    await turn.say(
        join_card(t, role, name, school, municipality),
        [(t("button-confirm"), ConfirmJoinCb(ok=True))],
        [(t("button-start-over"), ConfirmJoinCb(ok=False))],
    )


@routes.press(ConfirmJoinCb, state=Join.confirm)
async def confirmed(turn: Turn, action: ConfirmJoinCb) -> None:
    state, participant, t = turn.state, turn.participant, turn.t
    await turn.chat.replace_buttons(())
    data = await state.get_data()
    if not action.ok:
        await state.clear()
        # Starting over keeps the invite: the person came by it and it still holds.
        await _begin(turn, str(data.get("code") or ""))
        return
    try:
        joined = await registration.finish_joining(
            turn.session,
            participant,
            full_name=data["name"],
            role=Role(data["role"]),
            code=str(data.get("code") or ""),
            school_id=data.get("school_id"),
            as_admin=bool(data.get("admin")),
            admin_ids=turn.settings.admin_ids,
            max_admin_ids=turn.settings.max_admin_ids,
            notice=notices.join_request(turn.translator),
        )
    except DomainError as error:
        await state.clear()
        await turn.say(error_text(t, error))
        await turn.say(t("join-start-again"))
        return
    await state.clear()
    if joined.request is not None:
        await turn.say(t("join-request-sent"))
        return
    await turn.say(t("join-done"))
    await turn.show(main_menu_screen(participant, t))
    await turn.chat.refresh_commands(participant)


@routes.message(state=(Join.consent, Join.role, Join.confirm))
async def use_the_buttons(turn: Turn) -> None:
    await turn.say(turn.t("hint-use-buttons"))
