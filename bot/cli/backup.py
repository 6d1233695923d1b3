"""`python -m bot backup FILE`: a copy of the SQLite database (storage/backup.py). For
PostgreSQL it says which pg_dump command to run."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from bot.cli.console import EXIT_CONFIG, EXIT_UNAVAILABLE, Console
from bot.cli.parsing import Commands
from bot.settings import Settings


def register(commands: Commands) -> None:
    commands.add("backup", run).add_argument(
        "file", type=Path, metavar=commands.t("cli-metavar-file")
    )


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import describe_database, postgres_target
    from storage import backup

    database = describe_database(settings.database_url)
    if not backup.is_sqlite(settings.database_url):
        target = postgres_target(settings.database_url)
        return console.refuse(
            "cli-backup-postgresql",
            database=database,
            command=f"pg_dump --format=custom --file={args.file} {target}",
        )
    try:
        path = backup.sqlite_file(settings.database_url)
    except ValueError:  # an in-memory database (tests): no file to copy
        return console.refuse("cli-backup-no-database", database=database)
    if not path.is_file():
        return console.refuse("cli-backup-no-database", database=database)
    try:
        backup.backup(path, args.file)
    except OSError:
        return console.refuse("cli-file-unwritable", EXIT_CONFIG, file=str(args.file))
    except sqlite3.Error:  # locked for longer than BUSY_SECONDS, or damaged
        return console.refuse("cli-backup-failed", EXIT_UNAVAILABLE, database=database)
    console.say("cli-backup-done", database=database, file=str(args.file))
    return 0
