"""One turn of the conversation: what a person sent, and what a step needs to answer it.

A step (a function of a `Routes`) receives a `Turn`: the database session, the person,
their texts, the settings, the wizard's state, and the chat it answers through. The
messenger's adapter builds it from the incoming event; the step never sees the
messenger's own types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.screens import Press, Rows, Screen
from bot.i18n import Localizer, Translator
from bot.services import files
from bot.settings import Settings
from storage.models import Channel, Participant


@dataclass(frozen=True)
class IncomingFile:
    """A file a person sent: its reference in the messenger, name and size as declared."""

    reference: str
    name: str | None
    size: int | None
    kind: Literal["document", "photo"] = "document"
    mime_type: str | None = None
    # The reference the same messenger sends this file again by (Telegram's file id),
    # when it has one: kept with the file, so it is not uploaded back there.
    resend: str | None = None


class FileTooLarge(Exception):
    """A file sent to the bot is larger than it downloads (`bot.services.files.MAX_SIZE`)."""


@dataclass(frozen=True)
class Shown:
    """A message the bot has shown, by its ids in the messenger (to edit it later)."""

    chat_id: int
    message_id: int
    # The messenger's own id when it is not a number (MAX's «mid.…»; message_id is then
    # its sequence number in the chat).
    reference: str | None = None
    channel: Channel = Channel.TELEGRAM  # the messenger it is on
    # What the messenger calls the file this message uploaded (Telegram's file id, MAX's
    # token), to send it again without the bytes; None when it uploaded none.
    file: str | None = None


class ConversationState(Protocol):
    """Where a person is in a wizard, and what it has collected (aiogram's FSMContext has
    this shape)."""

    async def get_state(self) -> str | None: ...
    async def set_state(self, state: str | None = None) -> None: ...
    async def get_data(self) -> dict[str, Any]: ...
    async def set_data(self, data: Mapping[str, Any]) -> None: ...
    async def update_data(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any: ...
    async def clear(self) -> None: ...


class Chat(Protocol):
    """The chat a turn answers in, as a messenger's adapter provides it."""

    channel: Channel

    async def show(self, screen: Screen) -> Shown:
        """Sends the screen, or puts it in place of the pressed message (`replace`). A
        kept file has been resolved for the channel before (`Turn.show`)."""

    async def replace_buttons(self, rows: Rows) -> None:
        """Changes the pressed message's buttons (none: takes them away)."""

    async def toast(self, text: str, *, alert: bool = False) -> None:
        """The answer to a press: a short notice, or an alert to close."""

    async def download(self, file: IncomingFile) -> bytes:
        """The file's bytes; FileTooLarge beyond `bot.services.files.MAX_SIZE`."""

    async def link_to_start(self, payload: str) -> str:
        """The address that opens the bot with `payload` (an invite)."""

    async def refresh_commands(self, participant: Participant) -> None:
        """The command menu the participant's role and language call for."""

    async def drop_commands(self) -> None:
        """After /forget: this chat's own command menu goes, the default one shows."""


@dataclass
class Turn:
    session: AsyncSession
    participant: Participant
    t: Localizer
    translator: Translator
    settings: Settings
    state: ConversationState
    chat: Chat
    state_name: str | None = None  # the wizard step the person was at
    text: str = ""  # what they typed (a command's whole line), or a file's caption
    html: str = ""  # the same with its formatting, in the screens' markup
    args: str | None = None  # a command's arguments
    file: IncomingFile | None = None

    @property
    def is_command(self) -> bool:
        """A typed «/word»: always a command, never the answer to a wizard's question."""
        return self.text.startswith("/")

    async def show(self, screen: Screen) -> Shown:
        """Through the chat; a kept file goes by this messenger's reference, or is
        uploaded and its reference remembered for the next time."""
        if files.kept_of(screen) is None:
            return await self.chat.show(screen)
        resolved = await files.resolve(self.session, screen, self.chat.channel)
        shown = await self.chat.show(resolved.screen)
        await files.remember(self.session, resolved, self.chat.channel, shown.file)
        return shown

    async def say(self, text: str, *rows: list[Press]) -> Shown:
        """A message with rows of buttons, sent anew."""
        return await self.chat.show(Screen(text, rows))
