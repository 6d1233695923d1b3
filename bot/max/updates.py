"""MAX's updates as the conversation's events, and their dispatch over the routes.

`bot_started` (the person opened the bot, by a link with `?start=<payload>` or the Start
button) is the `/start` command with the payload as its arguments, as Telegram's deep
link is; `message_created` in a dialog is typed text, a command or a file;
`message_callback` is a press, its payload our packed action. Group chats and channels
are left out, as PrivateChatsOnly leaves them out on Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maxapi.enums.chat_type import ChatType
from maxapi.types import BotStarted, Message, MessageCallback, MessageCreated, UpdateUnion
from maxapi.types.attachments.file import File
from maxapi.types.attachments.image import Image
from maxapi.types.updates import UpdateUnionAdapter
from pydantic import ValidationError

from bot.conversation.routes import Received, Routes, command_of, route_for
from bot.conversation.turn import IncomingFile, Turn
from bot.max.chat import MaxChat

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaxEvent:
    """What a person did on MAX, as the routes see it, and where to answer."""

    user_id: int
    first_name: str
    locale: str | None
    received: Received
    html: str = ""  # a message's text in the screens' markup
    pressed: Message | None = None
    callback_id: str | None = None


def update_of(raw: dict[str, Any]) -> UpdateUnion | None:
    """A raw update from GET /updates or a webhook; None for a type maxapi does not know
    or a body it cannot read (logged: MAX adds types)."""
    try:
        update: UpdateUnion = UpdateUnionAdapter.validate_python(raw)
    except ValidationError as error:
        logger.info("MAX update %s not read: %s", raw.get("update_type"), error.error_count())
        return None
    return update


def event_of(update: UpdateUnion) -> MaxEvent | None:
    if isinstance(update, BotStarted):
        text = f"/start {update.payload}" if update.payload else "/start"
        received = Received(text, "start", update.payload or None)
        return MaxEvent(update.user.user_id, update.user.first_name, update.user_locale, received)
    if isinstance(update, MessageCallback):
        pressed = update.message
        if pressed is not None and pressed.recipient.chat_type != ChatType.DIALOG:
            return None
        user = update.callback.user
        return MaxEvent(
            user.user_id,
            user.first_name,
            update.user_locale,
            Received(press=update.callback.payload or ""),
            pressed=pressed,
            callback_id=update.callback.callback_id,
        )
    if isinstance(update, MessageCreated):
        message = update.message
        if message.recipient.chat_type != ChatType.DIALOG or message.sender is None:
            return None
        body = message.body
        typed = (body.text if body is not None else None) or None
        file = _file_of(message)
        command = command_of(typed) if typed is not None and file is None else None
        received = Received(
            typed,
            command[0] if command else None,
            command[1] if command else None,
            file,
        )
        html = (body.html_text or "") if body is not None and typed else ""
        sender = message.sender
        return MaxEvent(sender.user_id, sender.first_name, update.user_locale, received, html)
    return None


def _file_of(message: Message) -> IncomingFile | None:
    for attachment in (message.body.attachments if message.body else None) or []:
        if isinstance(attachment, File) and attachment.payload is not None:
            url = getattr(attachment.payload, "url", None)
            if isinstance(url, str):
                return IncomingFile(url, attachment.filename, attachment.size, "document")
        if isinstance(attachment, Image) and attachment.payload is not None:
            url = getattr(attachment.payload, "url", None)
            if isinstance(url, str):
                return IncomingFile(url, None, None, "photo", "image/jpeg")
    return None


async def dispatch(features: Iterable[Routes], event: MaxEvent, turn: Turn) -> bool:
    """Runs the step that answers `event` on `turn` (built by the caller with a `MaxChat`
    for the event); False when no route takes it. A press is answered once the step has
    succeeded, with the toast it asked for, as Telegram's AnswerAfterHandling does."""
    found = route_for(features, event.received, turn.state_name)
    if found is None:
        return False
    route, pressed = found
    received = event.received
    if route.kind == "press":
        await route.step(turn, pressed)
    else:
        turn.text = received.text or ""
        turn.html = event.html
        turn.args = received.args
        turn.file = received.file
        await route.step(turn)
    if isinstance(turn.chat, MaxChat):
        await turn.chat.answer()
    return True
