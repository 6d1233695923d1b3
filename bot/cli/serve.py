"""`python -m bot run` (and `python -m bot` alone): the bot itself, until it is stopped."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.console import EXIT_CONFIG, Console
from bot.cli.parsing import Commands
from bot.settings import Mode, Settings


def register(commands: Commands) -> None:
    commands.add("run", run)


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    # Telegram, MAX or both; neither is nothing to run.
    if settings.bot_token is None and settings.max_token is None:
        return console.refuse("cli-missing-token", EXIT_CONFIG)
    if settings.bot_token is None and settings.mode is Mode.WEBHOOK:
        return console.refuse("cli-webhook-needs-token", EXIT_CONFIG)
    # The only command that loads the whole bot (aiogram, the handlers).
    from bot.app import CannotStart
    from bot.app import run as run_bot

    try:
        asyncio.run(run_bot(settings))
    except CannotStart as failure:  # the operator's to fix: one line, no traceback
        print(failure, file=sys.stderr)
        return failure.status
    return 0
