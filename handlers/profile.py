"""/me (my data, change my name, my messengers), /link (an account on another messenger)
and /forget (delete my data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.conversation.actions import AccountCb, ForgetCb, MenuCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.services import accounts, participants, registration
from bot.services.errors import DomainError
from bot.services.registration import has_own_menu
from bot.settings import Settings
from bot.views import account_id_lines, channel_name, error_text, profile_text
from storage.models import Account, Channel, Participant

routes = Routes("profile")


class ProfileEdit(StateGroup):
    name = State()


class LinkEntry(StateGroup):
    code = State()


def channels_on(settings: Settings) -> list[Channel]:
    """The messengers this deployment runs: MAX with its token, Telegram unless MAX runs
    alone."""
    on = [Channel.TELEGRAM] if settings.bot_token is not None or settings.max_token is None else []
    return on + ([Channel.MAX] if settings.max_token is not None else [])


def account_rows(
    t: Localizer, person: Participant, in_use: Account | None, on: list[Channel]
) -> list[list[Press]]:
    """/me's buttons for the person's messengers: link another one the bot runs on, choose
    where messages go, unlink one (never the one written from, so never the last)."""
    rows: list[list[Press]] = []
    if accounts.missing_channels(person, on):
        rows.append([(t("button-link-account"), AccountCb(action="link"))])
    if len(person.accounts) < 2:
        return rows
    contact = person.contact
    for account in person.accounts:
        name = channel_name(t, account.channel)
        if contact is not None and account.channel != contact.channel:
            prefer = AccountCb(action="prefer", channel=Channel(account.channel).value)
            rows.append([(t("button-receive-in", channel=name), prefer)])
    for account in person.accounts:
        if account is not in_use:
            unlink = AccountCb(action="unlink", channel=Channel(account.channel).value)
            rows.append([(t("button-unlink", channel=channel_name(t, account.channel)), unlink)])
    return rows


async def show_profile(turn: Turn, *, replace: bool = False) -> None:
    participant, t = turn.participant, turn.t
    if not participant.is_registered:
        # The ids too: someone not registered yet may be asked for them (ADMIN_IDS…).
        pending = await registration.pending_request(turn.session, participant) is not None
        status = t("join-request-waiting" if pending else "menu-not-registered")
        await turn.say("\n".join([status, *account_id_lines(t, participant)]))
        return
    in_use = participants.account_in_use(participant)
    digest = t("button-digest-off" if participant.digest_enabled else "button-digest-on")
    rows: list[list[Press]] = [
        [(t("button-change-name"), MenuCb(item="rename-self"))],
        [(digest, MenuCb(item="digest"))],
        *account_rows(t, participant, in_use, channels_on(turn.settings)),
        [menu_button(t)],
    ]
    text = profile_text(t, await registration.profile(turn.session, participant), in_use)
    await turn.show(Screen(text, rows, replace=replace))


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


# -- linking another messenger -------------------------------------------------------------


def _channel(value: str) -> Channel | None:
    try:
        return Channel(value)
    except ValueError:
        return None


@routes.press(AccountCb, action="link")
async def link_code(turn: Turn, _: AccountCb) -> None:
    t, person = turn.t, turn.participant
    if not person.is_registered:
        await turn.say(t("menu-not-registered"))
        return
    # A button shown before MAX was turned off still names a messenger the person lacks.
    others = accounts.missing_channels(person, channels_on(turn.settings)) or (
        accounts.missing_channels(person, list(Channel))
    )
    if not others:  # an old button: every messenger is linked since
        await turn.say(t("link-all-linked"), [menu_button(t)])
        return
    try:
        new = await accounts.make_code(turn.session, person)
    except DomainError as error:
        await turn.say(error_text(t, error), [menu_button(t)])
        return
    names = ", ".join(channel_name(t, channel) for channel in others)
    minutes = int(accounts.CODE_TTL.total_seconds() // 60)
    await turn.say(t("link-code", code=new.code, channel=names, minutes=minutes), [menu_button(t)])


@routes.command("link")
async def link_command(turn: Turn) -> None:
    await turn.state.clear()
    if turn.args:
        await _enter_code(turn, turn.args)
        return
    await turn.state.set_state(LinkEntry.code)
    await turn.say(turn.t("link-ask-code"))


@routes.text(state=LinkEntry.code)
async def link_code_typed(turn: Turn) -> None:
    await _enter_code(turn, turn.text)


# A mistyped code may be typed again at once; every other refusal ends the step.
_TYPE_AGAIN = frozenset({"link-code-unknown"})


async def _enter_code(turn: Turn, text: str) -> None:
    try:
        linked = await accounts.enter_code(
            turn.session, turn.participant, text, notice=notices.account_linked(turn.translator)
        )
    except DomainError as error:
        if error.reason in _TYPE_AGAIN:
            await turn.state.set_state(LinkEntry.code)
        else:
            await turn.state.clear()
        await turn.say(error_text(turn.t, error), [menu_button(turn.t)])
        return
    await turn.state.clear()
    person = turn.participant = linked.participant
    # The person's language from now on, not the guess this account came with.
    t = turn.t = turn.translator.for_locale(person.locale)
    names = ", ".join(channel_name(t, channel) for channel in linked.channels)
    await turn.say(
        t("link-done", channel=names),
        [(t("menu-profile"), MenuCb(item="profile"))],
        [menu_button(t)],
    )
    if has_own_menu(person):
        await turn.chat.refresh_commands(person)


@routes.press(AccountCb, action="prefer")
async def prefer_channel(turn: Turn, action: AccountCb) -> None:
    await _change_accounts(turn, action, accounts.prefer, "link-preferred")


@routes.press(AccountCb, action="unlink")
async def unlink_asked(turn: Turn, action: AccountCb) -> None:
    t, channel = turn.t, _channel(action.channel)
    if channel is None or turn.participant.external_id(channel) is None:
        await turn.chat.toast(t("error-link-no-account"), alert=True)
        return
    name = channel_name(t, channel)
    rows: list[list[Press]] = [
        [(t("button-unlink-yes"), AccountCb(action="unlink-yes", channel=channel.value))],
        [(t("button-keep"), MenuCb(item="profile"))],
    ]
    await turn.show(Screen(t("link-unlink-sure", channel=name), rows, replace=True))


@routes.press(AccountCb, action="unlink-yes")
async def unlink_confirmed(turn: Turn, action: AccountCb) -> None:
    await _change_accounts(turn, action, accounts.unlink, "link-unlinked")


async def _change_accounts(
    turn: Turn,
    action: AccountCb,
    change: Callable[[AsyncSession, Participant, Channel], Awaitable[object]],
    done: str,
) -> None:
    """A change of the person's accounts on `action`'s messenger; the profile again and
    `done` said, or the refusal in a pop-up."""
    channel = _channel(action.channel)
    try:
        if channel is None:
            raise DomainError("link-no-account")
        await change(turn.session, turn.participant, channel)
    except DomainError as error:
        await turn.chat.toast(error_text(turn.t, error), alert=True)
        return
    await show_profile(turn, replace=True)
    await turn.chat.toast(turn.t(done, channel=channel_name(turn.t, channel)))
