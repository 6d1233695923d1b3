"""The conversation's routes as aiogram routers, and each event as a `Turn`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart, Filter, StateFilter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.conversation.actions import Action
from bot.conversation.routes import AnyState, Route, Routes, StateRule
from bot.conversation.turn import IncomingFile, Turn
from bot.telegram import errors
from bot.telegram.chat import TelegramChat
from handlers.features import FEATURES


class Pressed(Filter):
    """A press whose data unpacks as `action` with the fields `where` asks for (a set:
    one of them); the handler gets it as `callback_data`."""

    def __init__(self, action: type[Action], /, **where: Any) -> None:
        self._route = Route("press", _nothing, action=action, where=where)

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        unpacked = self._route.pressed(query.data or "")
        if unpacked is None:
            return False
        return {"callback_data": unpacked}


class Typed(Filter):
    """A message with text. (A filter class: aiogram runs a plain callable such as
    `F.text` in a worker thread each time, which costs more than the check.)"""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class WithFile(Filter):
    """A message with a document or a photo."""

    async def __call__(self, message: Message) -> bool:
        return message.document is not None or bool(message.photo)


async def _nothing(*_args: Any) -> None:
    pass


def routers() -> list[Router]:
    """Fresh routers in the order the dispatcher tries them: errors and presses out of
    sight first, then every feature's steps (handlers.features)."""
    first = [errors.build_router(), errors.build_outdated_buttons_router()]
    return first + [router_of(feature) for feature in FEATURES]


def router_of(routes: Routes) -> Router:
    router = Router(name=routes.name)
    for route in routes.routes:
        filters = _state_filters(route.state)
        if route.kind == "press":
            if route.action is not None:
                filters.append(Pressed(route.action, **route.where))
            router.callback_query.register(_pressing(route), *filters)
            continue
        if route.kind == "command":
            filters.append(
                CommandStart(deep_link=True) if route.deep_link else Command(*route.commands)
            )
        elif route.kind == "text":
            filters.append(Typed())
        elif route.kind == "document":
            filters.append(WithFile())
        router.message.register(_receiving(route), *filters)
    return router


def _state_filters(rule: StateRule) -> list[Any]:
    if isinstance(rule, AnyState):
        return []
    if rule is None or isinstance(rule, str):
        return [StateFilter(rule)]
    return [StateFilter(*rule)]


def turn_of(event: TelegramObject, data: dict[str, Any], chat: TelegramChat) -> Turn:
    return Turn(
        session=data["session"],
        participant=data["participant"],
        t=data["t"],
        translator=data["translator"],
        settings=data["settings"],
        state=data["state"],
        chat=chat,
        state_name=data.get("raw_state"),
    )


def _receiving(route: Route) -> Callable[..., Awaitable[None]]:
    async def handle(message: Message, **data: Any) -> None:
        bot: Bot = data["bot"]
        turn = turn_of(message, data, TelegramChat(bot, message.chat.id, data["translator"]))
        turn.text = message.text or message.caption or ""
        turn.html = message.html_text if turn.text else ""
        command: CommandObject | None = data.get("command")
        if command is not None:
            turn.args = command.args
        turn.file = _file_of(message)
        await route.step(turn)

    handle.__name__ = route.step.__name__
    return handle


def _pressing(route: Route) -> Callable[..., Awaitable[None]]:
    async def handle(callback: CallbackQuery, **data: Any) -> None:
        bot: Bot = data["bot"]
        pressed = callback.message if isinstance(callback.message, Message) else None
        chat_id = pressed.chat.id if pressed is not None else callback.from_user.id
        chat = TelegramChat(
            bot, chat_id, data["translator"], pressed=pressed, answer=data.get("callback_answer")
        )
        turn = turn_of(callback, data, chat)
        await route.step(turn, data.get("callback_data", callback.data or ""))

    handle.__name__ = route.step.__name__
    return handle


def _file_of(message: Message) -> IncomingFile | None:
    if message.document is not None:
        document = message.document
        return IncomingFile(
            document.file_id,
            document.file_name,
            document.file_size,
            "document",
            document.mime_type,
            resend=document.file_id,
        )
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram keeps
        return IncomingFile(
            photo.file_id, None, photo.file_size, "photo", "image/jpeg", resend=photo.file_id
        )
    return None
