"""Screens sent with aiogram, and the chat a Telegram turn answers in."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.conversation.screens import Attachment, Link, Rows, Screen, Stored, Upload
from bot.conversation.turn import FileTooLarge, IncomingFile, Shown
from bot.i18n import Translator
from bot.services.files import MAX_SIZE
from bot.telegram.commands import drop_commands, show_commands
from storage.models import Channel, Participant

logger = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # characters of a document's or photo's caption

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def markup_of(rows: Rows) -> InlineKeyboardMarkup | None:
    """Inline buttons: an action's data comes back when pressed, a link opens its address."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=label, url=what.url)
                if isinstance(what, Link)
                else InlineKeyboardButton(
                    text=label, callback_data=what if isinstance(what, str) else what.pack()
                )
                for label, what in row
            ]
            for row in rows
        ]
    )


def _markup(screen: Screen) -> Markup | None:
    if screen.choices is None:
        return markup_of(screen.rows)
    if not screen.choices:
        return ReplyKeyboardRemove()
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=choice) for choice in screen.choices]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@dataclass(frozen=True)
class Sent:
    """The message sent last (the one with the buttons), and Telegram's file id of the
    file uploaded with it, to send it again without the bytes (None: none uploaded)."""

    message: Message
    file: str | None = None


async def send_screen(bot: Bot, chat_id: int, screen: Screen) -> Message:
    """Text with buttons, or a document / photo with the text as its caption (the file
    first and then the text when the text is too long for a caption)."""
    return (await send(bot, chat_id, screen)).message


async def send(bot: Bot, chat_id: int, screen: Screen) -> Sent:
    """`send_screen`, telling what Telegram calls a file it uploaded."""
    markup = _markup(screen)
    if screen.attachment is None:
        return Sent(await bot.send_message(chat_id, screen.text, reply_markup=markup))
    uploaded = isinstance(screen.attachment.file, Upload)
    if len(screen.text) > CAPTION_LIMIT:
        file = await _send_file(bot, chat_id, screen.attachment, caption=None, markup=None)
        message = await bot.send_message(chat_id, screen.text, reply_markup=markup)
    else:
        file = await _send_file(bot, chat_id, screen.attachment, screen.text or None, markup)
        message = file
    return Sent(message, file_id_of(file) if uploaded else None)


def file_id_of(message: Message) -> str | None:
    """The file id of the document or photo a message carries (a photo's largest size)."""
    if message.document is not None:
        return message.document.file_id
    if message.photo:
        return message.photo[-1].file_id
    return None


async def edit_screen(bot: Bot, chat_id: int, message_id: int, screen: Screen) -> None:
    """Puts a text screen in place of an earlier message (the broadcast's progress)."""
    # "message is not modified" when nothing changed since the last look: nothing to do.
    with suppress(TelegramBadRequest):
        await bot.edit_message_text(
            text=screen.text,
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=markup_of(screen.rows),
        )


async def _send_file(
    bot: Bot, chat_id: int, attachment: Attachment, caption: str | None, markup: Markup | None
) -> Message:
    file = attachment.file
    if not isinstance(file, Upload | Stored):  # a kept file is resolved before it comes here
        raise TypeError(f"a kept file must be resolved for Telegram first: {file}")
    sent = (
        BufferedInputFile(file.content, filename=file.filename)
        if isinstance(file, Upload)
        else file.reference
    )
    if attachment.kind == "photo":
        return await bot.send_photo(chat_id, sent, caption=caption, reply_markup=markup)
    return await bot.send_document(chat_id, sent, caption=caption, reply_markup=markup)


class TelegramChat:
    """The conversation's `Chat` over aiogram: `message` is the pressed message (for a
    press) or the one received; `answer` collects the press's toast, which the
    AnswerAfterHandling middleware sends once the step has succeeded."""

    channel = Channel.TELEGRAM

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        translator: Translator,
        *,
        pressed: Message | None = None,
        answer: CallbackAnswer | None = None,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self._translator = translator
        self._pressed = pressed
        self._answer = answer

    async def show(self, screen: Screen) -> Shown:
        if screen.replace and self._pressed is not None and screen.attachment is None:
            markup = markup_of(screen.rows)
            try:
                edited = await self._pressed.edit_text(screen.text, reply_markup=markup)
                if isinstance(edited, Message):
                    return Shown(edited.chat.id, edited.message_id)
                return Shown(self._pressed.chat.id, self._pressed.message_id)
            except TelegramBadRequest:
                pass  # too old to edit: sent anew
        sent = await send(self.bot, self.chat_id, screen)
        return Shown(sent.message.chat.id, sent.message.message_id, file=sent.file)

    async def replace_buttons(self, rows: Rows) -> None:
        if self._pressed is not None:
            with suppress(TelegramAPIError):  # an old message's buttons stay: still refused
                await self._pressed.edit_reply_markup(reply_markup=markup_of(rows))

    async def toast(self, text: str, *, alert: bool = False) -> None:
        if self._answer is None:
            await self.bot.send_message(self.chat_id, text)
            return
        self._answer.text = text
        # A notice leaves show_alert out of the request (Telegram's default), as the steps
        # answering through aiogram's CallbackAnswer did.
        self._answer.show_alert = True if alert else None

    async def download(self, file: IncomingFile) -> bytes:
        # Telegram gives a bot no file larger (getFile refuses), and says a file's size.
        if (file.size or 0) > MAX_SIZE:
            raise FileTooLarge(file.name)
        try:
            buffer = await self.bot.download(file.reference)
        except TelegramBadRequest as error:  # "file is too big": its size was not declared
            if "too big" in str(error).lower():
                raise FileTooLarge(file.name) from error
            raise
        assert buffer is not None
        return buffer.read()

    async def link_to_start(self, payload: str) -> str:
        me = await self.bot.me()
        return f"https://t.me/{me.username}?start={payload}"

    async def refresh_commands(self, participant: Participant) -> None:
        await show_commands(self.bot, self._translator, participant)

    async def drop_commands(self) -> None:
        await drop_commands(self.bot, self.chat_id)
