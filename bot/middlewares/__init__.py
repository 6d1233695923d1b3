"""Outer middlewares, in the order the dispatcher runs them (see `bot.app`)."""

from bot.middlewares.callbacks import AnswerAfterHandling
from bot.middlewares.chats import PrivateChatsOnly
from bot.middlewares.commands import CommandsEndWizards
from bot.middlewares.context import ParticipantMiddleware
from bot.middlewares.database import DbSessionMiddleware

__all__ = [
    "AnswerAfterHandling",
    "CommandsEndWizards",
    "DbSessionMiddleware",
    "ParticipantMiddleware",
    "PrivateChatsOnly",
]
