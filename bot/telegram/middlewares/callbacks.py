from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware


class AnswerAfterHandling(CallbackAnswerMiddleware):
    """Answers a button press once its handler has succeeded.

    Telegram shows only the first answer to a press, so nothing may answer it before the
    access checks: a refused press is answered by the error handler with the reason. A
    handler that wants a pop-up sets `callback_answer.text` / `.show_alert` instead of
    answering itself. (aiogram's own middleware answers in a `finally`, before the error
    handler could.)
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = self.construct_callback_answer(
            properties=get_flag(data, "callback_answer")
        )
        result = await handler(event, data)
        if not answer.disabled and not answer.answered:
            await self.answer(event, answer)
        return result
