"""/me (my data, change my name) and /forget (delete my data)."""

from __future__ import annotations

from bot.conversation.actions import ForgetCb, MenuCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.turn import Turn
from bot.services import registration
from bot.services.errors import DomainError
from bot.views import error_text, profile_text
from storage.models import Channel

routes = Routes("profile")


class ProfileEdit(StateGroup):
    name = State()


async def show_profile(turn: Turn) -> None:
    participant, t = turn.participant, turn.t
    if not participant.is_registered:
        # The Telegram id too: someone not registered yet may be asked for it (ADMIN_IDS).
        pending = await registration.pending_request(turn.session, participant) is not None
        status = t("join-request-waiting" if pending else "menu-not-registered")
        telegram_id = participant.external_id(Channel.TELEGRAM)
        if telegram_id is None:
            await turn.say(status)
            return
        await turn.say(f"{status}\n{t('profile-telegram-id', id=str(telegram_id))}")
        return
    digest = t("button-digest-off" if participant.digest_enabled else "button-digest-on")
    await turn.say(
        profile_text(t, await registration.profile(turn.session, participant)),
        [(t("button-change-name"), MenuCb(item="rename-self"))],
        [(digest, MenuCb(item="digest"))],
        [menu_button(t)],
    )


@routes.command("me")
async def me_command(turn: Turn) -> None:
    await turn.state.clear()
    await show_profile(turn)


@routes.press(MenuCb, item="profile")
async def profile_button(turn: Turn, _: MenuCb) -> None:
    await show_profile(turn)


@routes.press(MenuCb, item="rename-self")
async def change_name(turn: Turn, _: MenuCb) -> None:
    if not turn.participant.is_registered:
        await turn.say(turn.t("menu-not-registered"))
        return
    await turn.state.set_state(ProfileEdit.name)
    await turn.say(turn.t("profile-ask-name"))


@routes.text(state=ProfileEdit.name)
async def new_name(turn: Turn) -> None:
    try:
        await registration.change_name(turn.session, turn.participant, turn.text)
    except DomainError as error:
        await turn.say(error_text(turn.t, error))
        return
    await turn.state.clear()
    await turn.say(turn.t("profile-name-saved"))
    await show_profile(turn)


@routes.command("forget")
async def forget_command(turn: Turn) -> None:
    t = turn.t
    await turn.state.clear()
    await turn.say(
        t("forget-warning"),
        [(t("button-forget"), ForgetCb(step=1))],
        [(t("button-keep"), ForgetCb(step=0))],
    )


@routes.press(ForgetCb)
async def forget_step(turn: Turn, action: ForgetCb) -> None:
    t = turn.t
    await turn.chat.replace_buttons(())
    if action.step == 0:
        await turn.say(t("forget-kept"))
    elif action.step == 1:
        await turn.say(
            t("forget-sure"),
            [(t("button-forget-final"), ForgetCb(step=2))],
            [(t("button-keep"), ForgetCb(step=0))],
        )
    else:
        await turn.state.clear()
        await registration.forget(turn.session, turn.participant)
        await turn.say(t("forget-done"))
        await turn.chat.drop_commands()
