"""Screens sent and edited through maxapi, and the chat a MAX turn answers in."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace

from aiohttp import FormData
from maxapi import Bot
from maxapi.enums.attachment import AttachmentType
from maxapi.enums.parse_mode import TextFormat
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions import MaxApiError, MaxError, MaxUploadFileFailed
from maxapi.types import (
    Attachment as MaxAttachment,
)
from maxapi.types import (
    AttachmentUpload,
    ButtonsPayload,
    CallbackButton,
    InputMedia,
    InputMediaBuffer,
    LinkButton,
    Message,
    MessageButton,
)
from maxapi.types.attachments.upload import AttachmentPayload
from maxapi.types.command import BotCommand
from maxapi.utils.deep_linking import create_start_link

from bot.conversation.menus import COMMANDS
from bot.conversation.screens import Attachment, Link, Rows, Screen, Stored, Upload
from bot.conversation.turn import FileTooLarge, IncomingFile, Shown
from bot.i18n import Translator
from bot.max.markup import html_of, parts_of, shortened
from bot.services.files import MAX_SIZE
from storage.models import Channel, Participant

logger = logging.getLogger(__name__)
# The largest file a person may send the bot, as on Telegram (getFile's 20 MB), so the
# same files are accepted on both.
DOWNLOAD_LIMIT = MAX_SIZE

Keyboard = list[list[CallbackButton | LinkButton | MessageButton]]
# One of the lists maxapi's send_message and edit_message take (a list is invariant).
Sent = MaxAttachment | InputMedia | InputMediaBuffer | AttachmentUpload


def keyboard_of(rows: Rows) -> Keyboard:
    """An action's packed data is the callback button's payload (MAX carries up to 256
    characters; ours are at most 64 bytes); a link opens its address."""
    return [
        [
            LinkButton(text=label, url=what.url)
            if isinstance(what, Link)
            else CallbackButton(text=label, payload=what if isinstance(what, str) else what.pack())
            for label, what in row
        ]
        for row in rows
    ]


def attached_keyboard(rows: Keyboard) -> MaxAttachment:
    return MaxAttachment(
        type=AttachmentType.INLINE_KEYBOARD, payload=ButtonsPayload(buttons=rows), bot=None
    )


def _keyboard(screen: Screen) -> MaxAttachment | None:
    # MAX has no keyboard of typed answers: a message button sends its label as the
    # person's message, which is what typing it would do.
    rows: Keyboard = (
        [[MessageButton(text=choice) for choice in screen.choices]]
        if screen.choices
        else keyboard_of(screen.rows)
    )
    if not rows:
        return None
    return attached_keyboard(rows)


async def upload(bot: Bot, file: Upload, kind: UploadType = UploadType.FILE) -> AttachmentUpload:
    """MAX's upload flow: POST /uploads gives an address, the bytes go there as multipart
    `data`, and the answer holds the token a message attaches. (maxapi's own upload adds
    an extension guessed from the content to the name: «report.xlsx.xlsx».)"""
    target = await bot.get_upload_url(kind)
    form = FormData(quote_fields=False)
    form.add_field("data", file.content, filename=file.filename)
    session = await bot.ensure_session()
    async with session.post(target.url, data=form) as response:
        answer = await response.text()
        if not 200 <= response.status < 300:
            raise MaxUploadFileFailed(f"upload: HTTP {response.status}: {answer[:200]}")
    token = target.token or _token_of(json.loads(answer), kind)
    return AttachmentUpload(type=kind, payload=AttachmentPayload(token=token))


def _token_of(answer: dict[str, object], kind: UploadType) -> str:
    if kind is UploadType.IMAGE:
        photos = answer.get("photos")
        if isinstance(photos, dict) and photos:
            first = next(iter(photos.values()))
            if isinstance(first, dict) and isinstance(first.get("token"), str):
                return str(first["token"])
    elif isinstance(answer.get("token"), str):
        return str(answer["token"])
    raise MaxUploadFileFailed(f"upload: no token in {str(answer)[:200]}")


async def _attached(bot: Bot, attachment: Attachment) -> AttachmentUpload:
    kind = UploadType.IMAGE if attachment.kind == "photo" else UploadType.FILE
    if isinstance(attachment.file, Upload):
        return await upload(bot, attachment.file, kind)
    if not isinstance(attachment.file, Stored):  # a kept file is resolved before it comes
        raise TypeError(f"a kept file must be resolved for MAX first: {attachment.file}")
    # A stored reference on MAX is the token of an earlier upload, which can be sent again.
    return AttachmentUpload(type=kind, payload=AttachmentPayload(token=attachment.file.reference))


@dataclass(frozen=True)
class Delivered:
    """The message sent, and the token of the file uploaded for it, which later messages
    attach instead of uploading the bytes again (None: none uploaded)."""

    message: Message
    file: str | None = None


async def send_screen(bot: Bot, user_id: int, screen: Screen) -> Message:
    """Text with buttons, and its document or photo in the same message (MAX has no
    caption limit of its own: the text's limit holds). A text longer than MAX takes
    (`markup.parts_of`) goes in several messages, the buttons and the file with the last:
    the one returned, which a later edit replaces."""
    return (await deliver(bot, user_id, screen)).message


async def deliver(bot: Bot, user_id: int, screen: Screen) -> Delivered:
    """`send_screen`, telling the token of a file it uploaded."""
    attachments: list[Sent] = []
    token: str | None = None
    if screen.attachment is not None:
        attached = await _attached(bot, screen.attachment)
        if isinstance(screen.attachment.file, Upload):
            token = attached.payload.token
        attachments.append(attached)
    keyboard = _keyboard(screen)
    if keyboard is not None:
        attachments.append(keyboard)
    *before, last = parts_of(html_of(screen.text)) if screen.text else [None]
    for part in before:
        await bot.send_message(user_id=user_id, text=part, format=TextFormat.HTML)
    sent = await bot.send_message(
        user_id=user_id,
        text=last,
        attachments=attachments or None,
        format=TextFormat.HTML,
    )
    assert sent is not None
    return Delivered(sent.message, token)


async def edit_screen(bot: Bot, message_id: str, screen: Screen) -> None:
    """A text screen in place of an earlier message; its buttons replace the old ones.
    One message has room for MAX's limit: a longer text is cut there, with «…»."""
    keyboard = _keyboard(screen)
    attachments: list[Sent] | None = [keyboard] if keyboard is not None else None
    await bot.edit_message(
        message_id=message_id,
        text=shortened(html_of(screen.text)),
        attachments=attachments,
        format=TextFormat.HTML,
    )


def shown(message: Message) -> Shown:
    body = message.body
    assert body is not None
    chat_id = message.recipient.chat_id or message.recipient.user_id or 0
    return Shown(chat_id, body.seq, reference=body.mid, channel=Channel.MAX)


async def set_menu(bot: Bot, translator: Translator) -> None:
    """MAX keeps one command list per bot (no list per chat or language): everyone's, in
    the default locale. A refusal is logged: the menu is a hint."""
    commands = [
        BotCommand(name=name, description=translator.get(translator.default_locale, f"cmd-{name}"))
        for name in COMMANDS
    ]
    try:
        await bot.set_commands(*commands)
    except MaxError as error:
        logger.warning("MAX command menu not updated: %s", error)


class MaxChat:
    """The conversation's `Chat` over maxapi, for the person `user_id`: `pressed` is the
    message whose button was pressed and `callback_id` the press, answered by `answer()`
    once the step has succeeded (with the toast it asked for). Messages to other people go
    through the outbox, never through a chat."""

    channel = Channel.MAX

    def __init__(
        self,
        bot: Bot,
        user_id: int,
        translator: Translator,
        *,
        pressed: Message | None = None,
        callback_id: str | None = None,
    ) -> None:
        self.bot = bot
        self.user_id = user_id
        self._translator = translator
        self._pressed = pressed
        self._callback_id = callback_id
        self._notification: str | None = None

    async def show(self, screen: Screen) -> Shown:
        mid = self._pressed_mid()
        if screen.replace and mid is not None and screen.attachment is None:
            try:
                await edit_screen(self.bot, mid, screen)
                assert self._pressed is not None
                return shown(self._pressed)
            except MaxApiError as error:  # gone or too old to edit: sent anew
                logger.info("Pressed message not edited: %s", error)
        delivered = await deliver(self.bot, self.user_id, screen)
        return replace(shown(delivered.message), file=delivered.file)

    async def replace_buttons(self, rows: Rows) -> None:
        mid = self._pressed_mid()
        if mid is None:
            return
        keyboard = keyboard_of(rows)
        # None: maxapi sends an empty list of attachments, and the buttons go.
        attachments: list[Sent] | None = [attached_keyboard(keyboard)] if keyboard else None
        try:
            await self.bot.edit_message(message_id=mid, attachments=attachments)
        except MaxApiError as error:  # an old message's buttons stay: still refused
            logger.info("Buttons of the pressed message not replaced: %s", error)

    async def toast(self, text: str, *, alert: bool = False) -> None:
        # MAX has one kind of answer to a press, a notification: an alert is one too.
        if self._callback_id is None:
            await self.bot.send_message(user_id=self.user_id, text=text)
            return
        self._notification = text

    def forget_toast(self) -> None:
        """The press is answered without the notice asked for (the step failed after)."""
        self._notification = None

    async def answer(self) -> None:
        """Answers the press (MAX shows it as in progress until then), with the toast."""
        if self._callback_id is None:
            return
        await self.bot.send_callback(self._callback_id, notification=self._notification or "")

    async def download(self, file: IncomingFile) -> bytes:
        if (file.size or 0) > DOWNLOAD_LIMIT:
            raise FileTooLarge(file.name)
        session = await self.bot.ensure_session()
        content = bytearray()
        async with session.get(file.reference) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_chunked(64 * 1024):
                content += chunk
                if len(content) > DOWNLOAD_LIMIT:  # the declared size is the sender's word
                    raise FileTooLarge(file.name)
        return bytes(content)

    async def link_to_start(self, payload: str) -> str:
        if self.bot.me is None:
            self.bot.me = await self.bot.get_me()
        assert self.bot.me.username is not None
        return create_start_link(self.bot.me.username, payload)

    async def refresh_commands(self, participant: Participant) -> None:
        await set_menu(self.bot, self._translator)

    async def drop_commands(self) -> None:
        # No chat has a list of its own on MAX: putting everyone's back is all there is.
        await set_menu(self.bot, self._translator)

    def _pressed_mid(self) -> str | None:
        if self._pressed is None or self._pressed.body is None:
            return None
        return self._pressed.body.mid
