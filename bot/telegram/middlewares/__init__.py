"""Outer middlewares, in the order the dispatcher runs them (see `bot.app`)."""

from bot.telegram.middlewares.callbacks import AnswerAfterHandling
from bot.telegram.middlewares.chats import PrivateChatsOnly
from bot.telegram.middlewares.commands import CommandsEndWizards
from bot.telegram.middlewares.context import ParticipantMiddleware
from bot.telegram.middlewares.database import DbSessionMiddleware

__all__ = [
    "AnswerAfterHandling",
    "CommandsEndWizards",
    "DbSessionMiddleware",
    "ParticipantMiddleware",
    "PrivateChatsOnly",
]
