"""The delivery loop's sender for MAX: an outbox screen sent to a person by their MAX
user id (`DeliveryLoop(senders={Channel.MAX: max_sender(bot)})`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from maxapi import Bot

from bot.conversation.screens import Screen
from bot.max.chat import send_screen


def max_sender(bot: Bot) -> Callable[[int, Screen], Awaitable[int]]:
    async def send(user_id: int, screen: Screen) -> int:
        message = await send_screen(bot, user_id, screen)
        assert message.body is not None
        return int(message.body.seq)  # the message's number in the dialog, as message_id

    return send
