"""Random and hostile Telegram updates, from a seeded generator, for the fuzz tests.

Every kind of update Telegram can send (and some it would not), from the people of a small
region: texts of every shape, commands with junk, forged and stale button presses for every
callback prefix the bot uses, files, media, edits, group and channel posts, membership
changes and inline queries. The same seed gives the same updates, so a failure reproduces.
"""

from __future__ import annotations

import itertools
import random
import string
import time
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup

from bot.conversation import actions
from bot.conversation.actions import SEPARATOR, Action
from tests.support.updates import BOT_USER, TelegramUser

# Every callback-data factory of the bot: the fuzzer forges presses for each.
CALLBACKS: tuple[type[Action], ...] = tuple(
    sorted(
        (
            value
            for value in vars(actions).values()
            if isinstance(value, type) and issubclass(value, Action) and value is not Action
        ),
        key=lambda cls: cls.prefix,
    )
)

# Words the handlers' filters compare string fields with (F.action == "...", etc.).
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "purpose": ("join", "roster", "invite", "rename", "card", "assign", "unreachable", "broadcast"),
    "action": (
        "open",
        "ans",
        "tog",
        "done",
        "skip",
        "back",
        "keep",
        "edit",
        "submit",
        "view",
        "sum",
        "status",
        "remind",
        "admin-open",
        "admin-round",
        "admin-close",
        "revoke",
        "revoke-yes",
        "assign",
        "card",
        "cancel",
        "who",
        "xlsx",
        "ics",
        "ics-all",
        "report",
        "move",
        "cancel-yes",
        "new",
        "rates",
        "questions",
        "question",
        "index",
        "low",
        "anon",
        "csv",
        "list",
    ),
    "item": (
        "profile",
        "schools",
        "requests",
        "invite",
        "rename",
        "import",
        "rename-self",
        "main",
        "analytics",
        "broadcast-new",
        "broadcasts",
        "digest",
        "events",
        "schedule",
        "survey-upload",
        "surveys",
        "surveys-admin",
        "surveys-status",
    ),
    "field": (
        "date",
        "time",
        "duration",
        "audience",
        "create",
        "aud",
        "prog",
        "declined",
        "survey",
        "ack",
        "when",
        "send",
        "materials",
        "schools",
        "unsubmitted",
    ),
    "value": (
        "all",
        "director",
        "curator",
        "municipal_coordinator",
        "municipality",
        "programme",
        "schools",
        "declined",
        "unsubmitted",
        "now",
        "yes",
        "no",
        "skip",
        "0",
        "1",
        "2",
        "60",
        "90",
        "10:00",
        "23:59",
        "2026-12-15",
        "15.12.2026",
        "-1",
        "99999999999999999999",
        "yes",
        "discard",
        "send",
        "edit",
    ),
    "v": ("0", "1", "2", "3", "4", "5", "10", "-1", "yes", "no", "99999999999999999999", "a", ""),
}

HUGE_INTS = (2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -1, -(2**63) - 1)
JUNK = (
    "",
    " ",
    "abc",
    "1.5",
    "1e9",
    "0x10",
    "None",
    "null",
    "true",
    "-0",
    "٣",
    "１",
    "²",
    "💥",
    "'; DROP TABLE participants; --",
    "%s",
    "{}",
    "\x00",
    "9" * 80,
)

TEXTS = (
    "",
    " ",
    "\n\n\t",
    "a",
    "Да",
    "нет",
    "English",
    "Русский",
    "Deutsch",
    "47001",
    "Кириш",
    "Тосн",
    "СОШ",
    "Иванова Ирина Петровна",
    "Ив",
    "Анна-Мария О'Коннор",
    "Q" * 101,
    "Петров Пётр Петрович",
    "15.12.2026 10:00",
    "31.02.2026 25:61",
    "01.01.1970 00:00",
    "завтра",
    "10:00",
    "24:00",
    "https://example.org/webinar",
    "http://",
    "javascript:alert(1)",
    "https://" + "x" * 600 + ".org",
    "Вебинар о наставничестве",
    "<b>жирный</b>",
    "</code><script>alert(1)</script>",
    "&amp; &lt; & <",
    "{name} {$name} { $x }",
    "\u202eRTL override",
    "zero\u200bwidth",
    "e\u0301\u0301\u0301",
    "👨‍👩‍👧‍👦" * 50,
    "\ud7ff\ue000",
    "\x00",
    "\x1b[31m",
    "null",
    "None",
    "-1",
    "0",
    "99999999999999999999",
    "1" * 400,
    "🙂",
    "Ю" * 4096,
    "x" * 20000,
    "SELECT * FROM participants",
    "../../etc/passwd",
    "да\x00нет",
    "ﷺ" * 300,
    "ЙЦУКЕН" * 700,
)

COMMANDS = (
    "start",
    "help",
    "menu",
    "me",
    "forget",
    "lang",
    "cancel",
    "surveys",
    "schedule",
    "unknown",
    "admin",
    "settings",
    "START",
    "Help",
)

DOCUMENT_NAMES = (
    None,
    "",
    "schools.csv",
    "школы.xlsx",
    "survey.yaml",
    "pulse.yml",
    "a.csv",
    "../../etc/passwd",
    "x" * 300 + ".csv",
    "virus.exe",
    "archive.zip",
    "report.xlsx",
    "noextension",
    ".csv",
    "file.CSV",
    "документ.pdf",
    "\u202egpj.exe",
    "a\x00b.csv",
)
MIME_TYPES = (
    None,
    "text/csv",
    "text/plain",
    "application/x-msdownload",
    "image/png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/x-yaml",
    "application/zip",
    "application/pdf",
    "x/" + "y" * 200,
)
DECLARED_SIZES = (None, 0, 1, 100, 5 * 1024 * 1024, 20 * 1024 * 1024, 2**31, 2**53)


@dataclass(frozen=True)
class Actor:
    """A person of the region as Telegram knows them: who they are, and their label."""

    label: str
    user: TelegramUser


@dataclass
class Pools:
    """What the region holds for the fuzzer to aim at: real ids (others' too) and codes."""

    ids: list[int]
    start_payloads: list[str]
    files: dict[str, bytes]  # content the fake Bot API serves for a document's file id


@dataclass
class Sent:
    """One update handed to the bot, and what the bot owes in return."""

    update: dict[str, Any]
    kind: str
    chat_id: int | None = None  # a private chat that must get an answer
    callback_id: str | None = None  # a button press that must be answered


@dataclass
class HostileUpdates:
    rng: random.Random
    actors: Sequence[Actor]
    pools: Pools
    # Buttons the bot has shown each user: pressed as shown, stale, or forged.
    seen: dict[int, list[str]] = field(default_factory=dict)
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_000_000))
    fresh_users: Iterator[int] = field(default_factory=lambda: itertools.count(70_000_000))

    def _next(self) -> int:
        return next(self.update_ids)

    def learn(self, requests: Sequence[TelegramMethod[Any]]) -> None:
        """Remembers the inline buttons the bot sent, keyed by the chat they went to."""
        for request in requests:
            markup = getattr(request, "reply_markup", None)
            chat_id = getattr(request, "chat_id", None)
            if isinstance(markup, InlineKeyboardMarkup) and isinstance(chat_id, int):
                self.remember(
                    chat_id, [b.callback_data for row in markup.inline_keyboard for b in row]
                )

    def remember(self, chat_id: int, callback_data: Iterable[str | None]) -> None:
        buttons = self.seen.setdefault(chat_id, [])
        buttons.extend(data for data in callback_data if data)
        del buttons[:-200]

    # -- people ------------------------------------------------------------------------------

    def _actor(self) -> TelegramUser:
        if self.rng.random() < 0.05:  # someone the bot has never seen
            return TelegramUser(
                id=next(self.fresh_users),
                first_name=self.rng.choice(("Аноним", "", "x" * 64, "<b>")) or "A",
                language_code=self.rng.choice(("ru", "en", "de", "uk", None)),
            )
        return self.rng.choice(self.actors).user

    def _user_dict(self, user: TelegramUser) -> dict[str, Any]:
        data = user.as_dict()
        if self.rng.random() < 0.1:
            data["language_code"] = self.rng.choice(("en", "ru", "de", "zz-ZZ", ""))
        return data

    # -- values ------------------------------------------------------------------------------

    def _int(self) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            return str(self.rng.choice(self.pools.ids))
        if roll < 0.75:
            return str(self.rng.randint(0, 40))
        if roll < 0.9:
            return str(self.rng.choice(HUGE_INTS))
        return self.rng.choice(JUNK)

    def _word(self, name: str) -> str:
        if self.rng.random() < 0.85 and name in FIELD_WORDS:
            return self.rng.choice(FIELD_WORDS[name])
        return self.rng.choice(JUNK + tuple(self.rng.choice(list(FIELD_WORDS.values()))))

    def _field(self, name: str, annotation: Any) -> str:
        if annotation is bool:
            return self.rng.choice(("1", "0", "1", "0", "true", "yes", "2", ""))
        if annotation is int:
            return self._int()
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            values = [member.value for member in annotation]
            return str(self.rng.choice([*values, "admin", "ADMIN", "", "0"]))
        return self._word(name)

    def _forged(self) -> str:
        """A press of any of the bot's buttons, its fields chosen by a forger."""
        factory = self.rng.choice(CALLBACKS)
        hints = typing.get_type_hints(factory)
        parts = [factory.prefix]
        for name in factory.model_fields:
            parts.append(self._field(name, hints[name]))
        roll = self.rng.random()
        if roll < 0.05:
            parts.pop()  # a field short
        elif roll < 0.1:
            parts.append(self._int())  # a field too many
        return SEPARATOR.join(parts)

    def _mutated(self, data: str) -> str:
        """A button the bot did show, with one field changed."""
        parts = data.split(":")
        if len(parts) > 1:
            index = self.rng.randrange(1, len(parts))
            parts[index] = self.rng.choice((self._int(), self.rng.choice(JUNK), parts[index]))
        return ":".join(parts)

    def callback_data(self, user_id: int) -> str | None:
        """Mostly what a person does: a button of the last messages; else a stale one, one
        with a field changed, or one forged from scratch."""
        seen = self.seen.get(user_id, [])
        roll = self.rng.random()
        if seen and roll < 0.55:
            return seen[-1 - min(self.rng.randrange(6), len(seen) - 1)]
        if seen and roll < 0.65:
            return self.rng.choice(seen)
        if seen and roll < 0.8:
            return self._mutated(self.rng.choice(seen))
        if roll < 0.83:
            return None  # a game button: no data at all
        if roll < 0.87:
            return self.rng.choice((*JUNK, "menu", "menu:", ":", "sv:::::", "x" * 300))
        return self._forged()

    def text(self) -> str:
        roll = self.rng.random()
        if roll < 0.68:
            return self.rng.choice(TEXTS)
        if roll < 0.85:
            alphabet = string.printable + "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВ№«»—🙂\u0301"
            return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(1, 80)))
        return self.command()

    def command(self) -> str:
        name = self.rng.choice(COMMANDS)
        suffix = self.rng.choice(("", "", "", "@test_bot", "@other_bot", "@"))
        roll = self.rng.random()
        if name == "start" and roll < 0.6:
            argument = self.rng.choice(self.pools.start_payloads)
        elif name == "lang" and roll < 0.6:
            argument = self.rng.choice(("en", "ru", "de", "EN", "", "en ru", "русский"))
        elif roll < 0.8:
            argument = ""
        else:
            argument = self.rng.choice(TEXTS)
        return f"/{name}{suffix} {argument}".rstrip(" ") if argument else f"/{name}{suffix}"

    # -- updates -----------------------------------------------------------------------------

    def _message(self, user: TelegramUser, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.rng.randint(1, 10**6),
            "date": int(time.time()) - self.rng.choice((0, 0, 0, 60, 86400 * 3)),
            "chat": chat,
            "from": self._user_dict(user),
            **content,
        }
        return message

    def _text_content(self) -> dict[str, Any]:
        text = self.text()
        if not text:
            return {"text": text}  # Telegram never sends it; a forger might
        content: dict[str, Any] = {"text": text}
        length = len(text.encode("utf-16-le")) // 2
        if text.startswith("/"):
            command = len(text.split()[0].encode("utf-16-le")) // 2 if text.split() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": command}]
        elif self.rng.random() < 0.15:
            kind = self.rng.choice(("bold", "italic", "code", "pre", "text_link", "spoiler"))
            entity: dict[str, Any] = {"type": kind, "offset": 0, "length": length}
            if kind == "text_link":
                entity["url"] = 'https://example.org/?a=<b>&c="d"'
            if kind == "pre":
                entity["language"] = '"><script>'
            content["entities"] = [entity]
        return content

    def _document(self) -> dict[str, Any]:
        file_id = f"doc-{self._next()}"
        self.pools.files[file_id] = self.rng.choice(list(self.pools.files.values()) or [b""])
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        for key, choices in (
            ("file_name", DOCUMENT_NAMES),
            ("mime_type", MIME_TYPES),
            ("file_size", DECLARED_SIZES),
        ):
            value = self.rng.choice(choices)
            if value is not None:
                document[key] = value
        content: dict[str, Any] = {"document": document}
        if self.rng.random() < 0.4:
            content["caption"] = self.rng.choice(TEXTS)[:1024]
        return content

    def _media(self) -> dict[str, Any]:
        file_id = f"media-{self._next()}"
        self.pools.files[file_id] = b"\x89PNG\r\n\x1a\n"
        kind = self.rng.choice(
            ("photo", "sticker", "voice", "location", "contact", "dice", "forward", "video_note")
        )
        if kind == "photo":
            sizes = [
                {"file_id": file_id, "file_unique_id": file_id, "width": w, "height": w}
                for w in (90, 320, 1280)
            ]
            content: dict[str, Any] = {"photo": sizes}
            if self.rng.random() < 0.5:
                content["caption"] = self.rng.choice(TEXTS)[:1024]
            return content
        if kind == "sticker":
            return {
                "sticker": {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        if kind == "voice":
            return {"voice": {"file_id": file_id, "file_unique_id": file_id, "duration": 3}}
        if kind == "video_note":
            return {
                "video_note": {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "length": 240,
                    "duration": 2,
                }
            }
        if kind == "location":
            return {"location": {"latitude": 59.93, "longitude": 30.31}}
        if kind == "contact":
            return {"contact": {"phone_number": "+79990000000", "first_name": "Кто-то"}}
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 6}}
        origin = {
            "type": "user",
            "date": 0,
            "sender_user": {"id": 1, "is_bot": False, "first_name": "Другой"},
        }
        return {"forward_origin": origin, **self._text_content()}

    def _content(self) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.75:
            return self._text_content()
        if roll < 0.9:
            return self._document()
        return self._media()

    def _group_chat(self) -> dict[str, Any]:
        kind = self.rng.choice(("group", "supergroup"))
        chat_id = -self.rng.randint(1, 10**9) if kind == "group" else -(10**12) - 7
        return {"id": chat_id, "type": kind, "title": "Школьный <чат>"}

    def next(self) -> Sent:
        update_id = self._next()
        user = self._actor()
        roll = self.rng.random()
        if roll < 0.42:
            content = self._content()
            update = {
                "update_id": update_id,
                "message": self._message(user, user.chat(), **content),
            }
            return Sent(update, "message", chat_id=user.id)
        if roll < 0.80:
            return self._press(update_id, user)
        if roll < 0.85:
            message = self._message(user, user.chat(), **self._text_content())
            message["edit_date"] = int(time.time())
            return Sent({"update_id": update_id, "edited_message": message}, "edited_message")
        if roll < 0.91:
            content = self._content()
            if self.rng.random() < 0.2:
                content = {"new_chat_members": [BOT_USER, self._user_dict(user)]}
            message = self._message(user, self._group_chat(), **content)
            return Sent({"update_id": update_id, "message": message}, "group_message")
        if roll < 0.93:
            channel = {"id": -(10**12) - 99, "type": "channel", "title": "Канал"}
            post = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": channel,
                "sender_chat": channel,
                **self._text_content(),
            }
            key = self.rng.choice(("channel_post", "edited_channel_post"))
            if key == "edited_channel_post":
                post["edit_date"] = int(time.time())
            return Sent({"update_id": update_id, key: post}, key)
        if roll < 0.96:
            return self._membership(update_id, user)
        query = {
            "id": str(update_id),
            "from": self._user_dict(user),
            "query": self.rng.choice(TEXTS)[:256],
            "offset": "",
        }
        return Sent({"update_id": update_id, "inline_query": query}, "inline_query")

    def _membership(self, update_id: int, user: TelegramUser) -> Sent:
        chat = self.rng.choice((user.chat(), self._group_chat()))
        old, new = self.rng.sample(("member", "kicked", "left"), 2)

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": BOT_USER}
            if status == "kicked":
                data["until_date"] = 0
            return data

        change = {
            "chat": chat,
            "from": self._user_dict(user),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return Sent({"update_id": update_id, "my_chat_member": change}, "my_chat_member")

    def _press(self, update_id: int, user: TelegramUser) -> Sent:
        query_id = f"cb-{update_id}"
        data = self.callback_data(user.id)
        query: dict[str, Any] = {
            "id": query_id,
            "from": self._user_dict(user),
            "chat_instance": str(user.id),
        }
        if data is not None:
            query["data"] = data
        roll = self.rng.random()
        chat = user.chat() if roll < 0.95 else self._group_chat()
        if roll < 0.92 or roll >= 0.95:
            query["message"] = {
                "message_id": self.rng.randint(1, 10**6),
                "date": int(time.time()),
                "chat": chat,
                "from": BOT_USER,
                "text": self.rng.choice(("", "Вопрос 1 из 8", "Меню")),
            }
        elif roll < 0.935:
            # Older than 48 hours or deleted: Telegram sends the message as inaccessible.
            query["message"] = {"message_id": 1, "date": 0, "chat": chat}
        else:
            query["inline_message_id"] = f"inline-{update_id}"
        return Sent(
            {"update_id": update_id, "callback_query": query},
            "callback_query",
            callback_id=query_id,
        )
