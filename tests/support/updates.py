"""Telegram updates as the Bot API sends them (plain dicts), for every test tier."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Test", "username": "test_bot"}
_ids = itertools.count(1)


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str = "Test"
    language_code: str | None = "ru"

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def message_update(
    update_id: int, user: TelegramUser, text: str | None, **extra: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": user.chat(),
        "from": user.as_dict(),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int,
    user: TelegramUser,
    data: str,
    message_id: int = 1,
    message_text: str = "",
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(next(_ids)),
            "from": user.as_dict(),
            "chat_instance": str(user.id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": user.chat(),
                "from": BOT_USER,
                "text": message_text,
            },
        },
    }
