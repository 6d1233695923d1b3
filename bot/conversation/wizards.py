"""Commands over wizards, for every messenger: a typed command ends whatever step is open.

Registration, the webinar wizard, the announcement composer, typed survey answers, school
search…: whatever step is open, `/menu`, `/help` or a command nobody knows works as it
would outside it, and the person is told the wizard stopped («Заполнение прервано.»). The
adapter calls `end_for_command` before it picks the step, so no typed step can take the
command for input (bot/telegram/middlewares/commands.py, bot/max/runner.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation.turn import ConversationState
from bot.i18n import Localizer

# /cancel ends a wizard itself and says so in its own words.
ENDS_ITSELF = frozenset({"cancel"})


def is_command(text: str) -> bool:
    """A typed «/word»: always a command, never the answer to a wizard's question."""
    return text.startswith("/")


def command_name(text: str) -> str:
    """«/Menu@bot args» → "menu" ("" for a lone «/»)."""
    head = text[1:].split(maxsplit=1)
    return head[0].split("@")[0].lower() if head else ""


async def end_for_command(
    text: str,
    state_name: str | None,
    state: ConversationState,
    t: Localizer,
    say: Callable[[str], Awaitable[object]],
) -> bool:
    """Ends the open wizard if `text` is a command other than /cancel, telling the person
    with `say`; True when it did (the step is then chosen as outside any wizard)."""
    if not state_name or not is_command(text) or command_name(text) in ENDS_ITSELF:
        return False
    await state.clear()
    await say(t("wizard-interrupted"))
    return True
