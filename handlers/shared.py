"""Steps that several conversations share."""

from __future__ import annotations

from datetime import datetime

from bot.conversation.actions import RemindCb
from bot.conversation.buttons import menu_button, school_rows
from bot.conversation.screens import Press, Screen
from bot.conversation.turn import FileTooLarge, IncomingFile, Turn
from bot.services import directory, files
from bot.services.reminders import Reminded
from bot.views import format_recent


async def offer_schools(
    turn: Turn,
    *,
    municipality_id: int,
    query: str,
    page: int,
    purpose: str,
    prompt: str = "join-pick-school",
) -> None:
    """One page of the municipality's schools matching what the person typed, as buttons.
    `prompt` fits who chooses: a person registering picks their own school."""
    t = turn.t
    found = await directory.search_schools(turn.session, municipality_id, query, page)
    if not found.total:
        await turn.say(t("join-no-schools"))
        return
    rows = school_rows(t, found.schools, purpose, found.page, found.pages)
    await turn.show(Screen(t(prompt, total=found.total), rows))


async def tell_reminded(
    turn: Turn, reminded: Reminded, kind: str, subject_id: int, now: datetime
) -> None:
    """What a press of «Напомнить…» did: how many will be reminded, or, for a repeat soon
    after the last reminder, when that one went, with a button to send again."""
    t, zone = turn.t, turn.settings.zone
    when = format_recent(t, reminded.last_at, now, zone) if reminded.last_at else ""
    if reminded.duplicate:
        await turn.chat.toast(t("reminder-already-sent", when=when), alert=True)
    elif reminded.queued is None:
        again = RemindCb(kind=kind, id=subject_id, number=reminded.number)
        rows: list[list[Press]] = [[(t("button-reminder-repeat"), again)], [menu_button(t)]]
        await turn.show(Screen(t("reminder-repeat-ask", when=when), rows))
    else:
        await turn.chat.toast(t("broadcast-reminded", count=reminded.queued), alert=True)


async def keep_file(turn: Turn, file: IncomingFile) -> int | None:
    """Downloads a file a coordinator attached, once, and keeps it so that every
    messenger can be sent it; its stored file's id. A file beyond the limit is refused
    (said so, with the ways on) and None returned: the step stays where it was."""
    t = turn.t
    too_large = t("file-too-large", limit=files.MAX_SIZE_MB)
    if (file.size or 0) > files.MAX_SIZE:  # as declared: not downloaded at all
        await turn.say(too_large, [menu_button(t)])
        return None
    try:
        content = await turn.chat.download(file)
    except FileTooLarge:
        await turn.say(too_large, [menu_button(t)])
        return None
    return await files.keep(
        turn.session,
        content,
        name=file.name,
        mime_type=file.mime_type,
        kind=file.kind,
        channel=turn.chat.channel,
        reference=file.resend,
    )
