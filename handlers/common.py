"""/help and /cancel."""

from __future__ import annotations

from bot.conversation.routes import Routes
from bot.conversation.screens import Screen
from bot.conversation.turn import Turn

routes = Routes("common")


@routes.command("help")
async def help_(turn: Turn) -> None:
    await turn.say(turn.t("help-text"))


@routes.command("cancel")
async def cancel(turn: Turn) -> None:
    had_state = await turn.state.get_state() is not None
    await turn.state.clear()
    await turn.show(Screen(turn.t("cancel-done" if had_state else "cancel-nothing"), choices=()))
