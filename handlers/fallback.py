"""The catch-all: anything no other step understood. Declared last."""

from __future__ import annotations

from bot.conversation.routes import Routes
from bot.conversation.turn import Turn

routes = Routes("fallback")


@routes.message()
async def unknown_message(turn: Turn) -> None:
    await turn.say(turn.t("fallback-command" if turn.is_command else "fallback-text"))


@routes.press(None)
async def stale_button(turn: Turn, _: str) -> None:
    await turn.chat.toast(turn.t("fallback-callback"), alert=True)
