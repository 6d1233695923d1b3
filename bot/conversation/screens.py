"""What the bot shows, as plain values any messenger's adapter can render.

Text is in the small HTML subset Telegram and MAX both render: <b>, <i>, <a href>, <code>
(and `html.escape` for user text). Buttons come in rows; a button either does an action
(its packed data comes back when pressed) or opens an address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.conversation.actions import Action
from bot.services.delivery import Button, Payload


@dataclass(frozen=True)
class Link:
    """A button that opens an address instead of coming back to the bot."""

    url: str


# A button: its label and what it does (an action, or its packed data as stored in the
# outbox, or an address).
Press = tuple[str, Action | str | Link]
Rows = Sequence[Sequence[Press]]


@dataclass(frozen=True)
class Upload:
    """A file made for this message (a report, an .ics, a chart)."""

    content: bytes
    filename: str


@dataclass(frozen=True)
class Stored:
    """A file the messenger already holds, by its reference there (a Telegram file id, a
    MAX upload token)."""

    reference: str


@dataclass(frozen=True)
class Kept:
    """A file the bot keeps (`stored_files`), by its id. Before a messenger's adapter gets
    it, it becomes that messenger's `Stored` reference, or an `Upload` of the bytes when
    the messenger has none yet (`bot.services.files.attachment_for`: the turn does it for
    the steps' screens, the senders for the outbox's). `missing`: the line shown instead
    where the file cannot be sent (kept before the bytes were, and not on this messenger)."""

    file_id: int
    missing: str = ""


@dataclass(frozen=True)
class Attachment:
    file: Upload | Stored | Kept
    kind: Literal["document", "photo"] = "document"


@dataclass(frozen=True)
class Screen:
    """One message. `replace`: it takes the place of the pressed message (after a press;
    otherwise it is sent anew). `choices`: answers offered as a keyboard to type with (the
    language choice); an empty tuple takes such a keyboard away."""

    text: str = ""
    rows: Rows = ()
    attachment: Attachment | None = None
    replace: bool = False
    choices: Sequence[str] | None = None


def grid(presses: Sequence[Press], columns: int) -> list[list[Press]]:
    """Buttons laid out `columns` to a row."""
    return [list(presses[i : i + columns]) for i in range(0, len(presses), columns)]


def rows_of(buttons: Sequence[Sequence[Button]]) -> list[list[Press]]:
    """An outbox payload's buttons (their data stored packed) as rows of a screen."""
    return [[(button.text, button.data) for button in row] for row in buttons]


def buttons_of(rows: Rows) -> list[list[Button]]:
    """Rows of a screen as an outbox payload's buttons, their actions packed (the inverse
    of `rows_of`). The outbox keeps no address buttons."""

    def packed(what: Action | str | Link) -> str:
        if isinstance(what, Link):
            raise TypeError("an outbox message cannot carry a link button")
        return what if isinstance(what, str) else what.pack()

    return [[Button(label, packed(what)) for label, what in row] for row in rows]


def screen_of(payload: Payload) -> Screen:
    """An outbox payload as a screen (its buttons are stored packed, its file by the id
    of the stored file, which the channel's sender resolves)."""
    rows = rows_of(payload.buttons)
    attachment = None
    if payload.file is not None:
        kept = Kept(payload.file.id, payload.file.missing)
        attachment = Attachment(kept, payload.file.kind)
    return Screen(payload.text, rows, attachment)
