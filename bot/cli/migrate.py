"""`python -m bot migrate`: the database schema brought up to this version's."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.console import Console
from bot.cli.parsing import Commands
from bot.settings import Settings


def register(commands: Commands) -> None:
    commands.add("migrate", run)


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import describe_database, upgrade

    before, after = asyncio.run(upgrade(settings.database_url))
    key = "cli-migrate-nothing" if before == after else "cli-migrated"
    console.say(key, database=describe_database(settings.database_url), revision=after)
    return 0
