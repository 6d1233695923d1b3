"""The main menu: what the person's role may do, and nothing else."""

from __future__ import annotations

from bot.conversation.actions import MenuCb
from bot.conversation.routes import Routes
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.services import registration
from bot.services.access import Action, can, grantable_roles
from storage.models import Participant, Role

routes = Routes("menu")


def main_menu(participant: Participant, t: Localizer) -> list[list[Press]]:
    scope = participant.municipality_id
    rows: list[list[Press]] = [
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
    return rows


def main_menu_screen(participant: Participant, t: Localizer) -> Screen:
    return Screen(t("menu-title", role=t(f"role-{participant.role}")), main_menu(participant, t))


async def show_menu(turn: Turn) -> None:
    """The menu; for who is not registered yet, where they stand: waiting for the
    coordinator, or not begun at all."""
    await turn.state.clear()
    participant, t = turn.participant, turn.t
    if participant.is_registered:
        await turn.show(main_menu_screen(participant, t))
        return
    pending = await registration.pending_request(turn.session, participant) is not None
    await turn.say(t("join-request-waiting" if pending else "menu-not-registered"))


@routes.command("menu")
async def menu_command(turn: Turn) -> None:
    await show_menu(turn)


@routes.press(MenuCb, item="main")
async def menu_button(turn: Turn, _: MenuCb) -> None:
    await show_menu(turn)
