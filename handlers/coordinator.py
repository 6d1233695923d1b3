"""Coordinators' tools: schools and who is registered, requests, invites, curators,
revocations, renaming municipalities. Every step re-checks access in the services."""

from __future__ import annotations

from html import escape

from bot import notices
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
from bot.conversation.buttons import (
    menu_button,
    municipality_rows,
    request_rows,
    role_rows,
    school_rows,
)
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import Turn
from bot.services import directory, registration
from bot.services.access import Action, can, grantable_roles
from bot.services.errors import AccessDenied, DomainError
from bot.services.registration import SCHOOL_ROLES
from bot.views import (
    ROSTER_PAGE,
    format_when,
    request_text,
    role_name,
    roster_text,
    school_card,
)
from handlers.shared import offer_schools
from storage.models import Role

routes = Routes("coordinator")


class InviteFlow(StateGroup):
    municipality = State()
    scope = State()
    school = State()


class Rename(StateGroup):
    municipality = State()
    name = State()


async def _municipality_or_choice(turn: Turn, purpose: str) -> int | None:
    """A municipal coordinator's own municipality; the regional team is asked to choose."""
    actor = turn.participant
    if can(actor, Action.CHOOSE_MUNICIPALITY):
        municipalities = await directory.municipalities(turn.session)
        await turn.say(turn.t("choose-municipality"), *municipality_rows(municipalities, purpose))
        return None
    if actor.municipality_id is None:
        raise AccessDenied()
    return actor.municipality_id


# -- schools and who is registered ---------------------------------------------------------


@routes.press(MenuCb, item="schools")
async def schools_menu(turn: Turn, _: MenuCb) -> None:
    municipality_id = await _municipality_or_choice(turn, "roster")
    if municipality_id is not None:
        await _show_roster(turn, municipality_id, 0)


@routes.press(MunicipalityCb, purpose="roster")
async def roster_municipality(turn: Turn, action: MunicipalityCb) -> None:
    await _show_roster(turn, action.id, 0)


@routes.press(PageCb, purpose="card")
async def roster_page(turn: Turn, action: PageCb) -> None:
    await _show_roster(turn, action.ref, action.page)


async def _show_roster(turn: Turn, municipality_id: int, page: int) -> None:
    t = turn.t
    entries = await directory.roster(turn.session, turn.participant, municipality_id)
    municipality = await directory.municipality(turn.session, municipality_id)
    pages = max(1, -(-len(entries) // ROSTER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = [entry.school for entry in entries[page * ROSTER_PAGE : (page + 1) * ROSTER_PAGE]]
    rows = school_rows(
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
    await turn.show(Screen(roster_text(t, municipality, entries, page, pages), rows))


@routes.press(MunicipalityCb, purpose="unreachable")
async def unreachable_list(turn: Turn, action: MunicipalityCb) -> None:
    t = turn.t
    people = await directory.unreachable(turn.session, turn.participant, action.id)
    if not people:
        await turn.say(t("unreachable-none"))
        return
    names = "\n".join(f"• {escape(p.full_name or '—')} ({role_name(t, p.role)})" for p in people)
    await turn.say(t("unreachable-title", count=len(people)) + "\n" + names)


@routes.press(SchoolCb, purpose="card")
async def school_card_view(turn: Turn, action: SchoolCb) -> None:
    t = turn.t
    entry = await directory.school_roster(turn.session, turn.participant, action.id)
    staff = [person for person in [entry.director, *entry.curators] if person is not None]
    # Only those the coordinator may revoke: a curator with a school elsewhere is not theirs.
    revocable = await registration.may_manage(turn.session, turn.participant, Action.REVOKE, staff)
    rows: list[list[Press]] = []
    for person in staff:
        if person.id in revocable:
            label = t("button-revoke", name=person.full_name or "—")
            rows.append([(label, PersonCb(action="revoke", id=person.id))])
    rows.append([(t("button-assign-curator"), SchoolCb(purpose="assign", id=entry.school.id))])
    rows.append([menu_button(t)])
    await turn.show(Screen(school_card(t, entry), rows))


@routes.press(SchoolCb, purpose="assign")
async def assign_list(turn: Turn, action: SchoolCb) -> None:
    t = turn.t
    school = await directory.school(turn.session, action.id)
    curators = await registration.curators_in(
        turn.session, turn.participant, school.municipality_id
    )
    if not curators:
        await turn.say(t("assign-no-curators"))
        return
    rows: list[list[Press]] = [
        [(c.full_name or "—", PersonCb(action="assign", id=c.id, school=school.id))]
        for c in curators
    ]
    await turn.show(Screen(t("assign-choose", school=escape(school.short_name)), rows))


@routes.press(PersonCb, action="assign")
async def assign(turn: Turn, action: PersonCb) -> None:
    await registration.assign_curator(turn.session, turn.participant, action.id, action.school)
    await turn.chat.replace_buttons(())
    await turn.say(turn.t("assign-done"))


@routes.press(PersonCb, action="revoke")
async def revoke_ask(turn: Turn, action: PersonCb) -> None:
    t = turn.t
    await turn.say(
        t("revoke-sure"),
        [(t("button-revoke-final"), PersonCb(action="revoke-yes", id=action.id))],
        [menu_button(t)],
    )


@routes.press(PersonCb, action="revoke-yes")
async def revoke(turn: Turn, action: PersonCb) -> None:
    target = await registration.revoke(
        turn.session, turn.participant, action.id, notice=notices.role_revoked(turn.translator)
    )
    await turn.chat.replace_buttons(())
    await turn.say(turn.t("revoke-done", name=escape(target.full_name or "—")))
    await turn.chat.refresh_commands(target)


# -- requests --------------------------------------------------------------------------------


@routes.press(MenuCb, item="requests")
async def requests_menu(turn: Turn, _: MenuCb) -> None:
    await show_requests(turn)


@routes.command("requests")
async def requests_command(turn: Turn) -> None:
    """/requests, the coordinators' command: what «Заявки» of the menu shows."""
    await turn.state.clear()
    participant = turn.participant
    if not can(participant, Action.VIEW_MUNICIPALITY, municipality_id=participant.municipality_id):
        raise AccessDenied()
    await show_requests(turn)


async def show_requests(turn: Turn) -> None:
    participant, t = turn.participant, turn.t
    scope = None if can(participant, Action.CHOOSE_MUNICIPALITY) else participant.municipality_id
    pending = await registration.pending_requests(turn.session, participant, scope)
    if not pending:
        await turn.say(t("requests-none"), [menu_button(t)])
        return
    for request in pending[:20]:
        await turn.show(Screen(request_text(t, request), request_rows(t, request.id)))


@routes.press(RequestCb)
async def decide(turn: Turn, action: RequestCb) -> None:
    t = turn.t
    try:
        request, applicant = await registration.decide(
            turn.session,
            turn.participant,
            action.id,
            action.approve,
            notice=notices.join_decision(turn.translator),
        )
    except DomainError as error:
        if error.reason == "request-decided":  # the buttons are stale: take them away
            await turn.chat.replace_buttons(())
        raise
    approved = request.status == "approved"
    outcome = t("request-approved" if approved else "request-rejected")
    await turn.show(Screen(f"{request_text(t, request)}\n\n{outcome}", replace=True))
    if applicant is not None and approved:
        await turn.chat.refresh_commands(applicant)


# -- invites ---------------------------------------------------------------------------------


@routes.press(MenuCb, item="invite")
async def invite_menu(turn: Turn, _: MenuCb) -> None:
    roles = grantable_roles(turn.participant)
    if not roles:
        raise AccessDenied()
    await turn.say(turn.t("invite-choose-role"), *role_rows(turn.t, roles, "invite"))


@routes.press(RoleCb, purpose="invite")
async def invite_role(turn: Turn, action: RoleCb) -> None:
    role = action.role
    if role not in grantable_roles(turn.participant):
        raise AccessDenied()
    await turn.state.clear()
    await turn.state.update_data(role=role.value)
    if role in (Role.REGIONAL_COORDINATOR, Role.ADMIN):
        await _create_invite(turn)
        return
    await turn.state.set_state(InviteFlow.municipality)
    municipality_id = await _municipality_or_choice(turn, "invite")
    if municipality_id is not None:
        await _invite_in(turn, municipality_id)


@routes.press(MunicipalityCb, state=InviteFlow.municipality, purpose="invite")
async def invite_municipality(turn: Turn, action: MunicipalityCb) -> None:
    await _invite_in(turn, action.id)


async def _invite_in(turn: Turn, municipality_id: int) -> None:
    t = turn.t
    role = Role((await turn.state.get_data())["role"])
    if not can(turn.participant, Action.INVITE, municipality_id=municipality_id, role=role):
        raise AccessDenied()
    await turn.state.update_data(municipality_id=municipality_id)
    if role not in SCHOOL_ROLES:
        await _create_invite(turn)
        return
    await turn.state.set_state(InviteFlow.scope)
    await turn.say(
        t("invite-choose-scope"),
        [(t("button-invite-school"), InviteScopeCb(whole=False))],
        [(t("button-invite-municipality"), InviteScopeCb(whole=True))],
    )


@routes.press(InviteScopeCb, state=InviteFlow.scope)
async def invite_scope(turn: Turn, action: InviteScopeCb) -> None:
    if action.whole:
        await _create_invite(turn)
        return
    await turn.state.set_state(InviteFlow.school)
    await turn.say(turn.t("invite-type-school"))


@routes.text(state=InviteFlow.school)
async def invite_school_query(turn: Turn) -> None:
    await turn.state.update_data(query=turn.text[:100])
    await _invite_schools(turn, 0)


@routes.press(PageCb, state=InviteFlow.school, purpose="invite")
async def invite_schools_page(turn: Turn, action: PageCb) -> None:
    await _invite_schools(turn, action.page)


async def _invite_schools(turn: Turn, page: int) -> None:
    data = await turn.state.get_data()
    await offer_schools(
        turn,
        municipality_id=int(data["municipality_id"]),
        query=str(data.get("query", "")),
        page=page,
        purpose="invite",
        prompt="invite-pick-school",
    )


@routes.press(SchoolCb, state=InviteFlow.school, purpose="invite")
async def invite_school(turn: Turn, action: SchoolCb) -> None:
    await turn.state.update_data(school_id=action.id)
    await _create_invite(turn)


async def _create_invite(turn: Turn) -> None:
    t = turn.t
    data = await turn.state.get_data()
    await turn.state.clear()
    role = Role(data["role"])
    school_id = data.get("school_id")
    created = await registration.create_invite(
        turn.session,
        turn.participant,
        role,
        municipality_id=data.get("municipality_id"),
        school_ids=[int(school_id)] if school_id else [],
    )
    if created.schools:
        scope = t("invite-for-school", school=escape(created.schools[0].full_name))
    elif created.municipality is not None:
        scope = t("invite-for-municipality", municipality=escape(created.municipality.name))
    else:
        scope = t("invite-for-region")
    text = t(
        "invite-created",
        role=role_name(t, role),
        scope=scope,
        code=created.code,
        link=await turn.chat.link_to_start(created.code),
        expires=format_when(created.invite.expires_at, turn.settings.zone, t.locale),
        uses=t("invite-many-uses" if created.multi_use else "invite-one-use"),
    )
    await turn.say(text, [menu_button(t)])


# -- renaming municipalities ------------------------------------------------------------------


@routes.press(MenuCb, item="rename")
async def rename_menu(turn: Turn, _: MenuCb) -> None:
    if not can(turn.participant, Action.RENAME_MUNICIPALITY):
        raise AccessDenied()
    await turn.state.set_state(Rename.municipality)
    municipalities = await directory.municipalities(turn.session)
    await turn.say(turn.t("choose-municipality"), *municipality_rows(municipalities, "rename"))


@routes.press(MunicipalityCb, state=Rename.municipality, purpose="rename")
async def rename_municipality_chosen(turn: Turn, action: MunicipalityCb) -> None:
    if not can(turn.participant, Action.RENAME_MUNICIPALITY, municipality_id=action.id):
        raise AccessDenied()
    municipality = await directory.municipality(turn.session, action.id)
    await turn.state.set_state(Rename.name)
    await turn.state.update_data(municipality_id=municipality.id)
    await turn.say(turn.t("rename-ask", name=escape(municipality.name)))


@routes.text(state=Rename.name)
async def rename_name(turn: Turn) -> None:
    municipality_id = int((await turn.state.get_data())["municipality_id"])
    renamed = await directory.rename_municipality(
        turn.session, turn.participant, municipality_id, turn.text
    )
    await turn.state.clear()
    await turn.say(turn.t("rename-done", name=escape(renamed.name)), [menu_button(turn.t)])
