"""`python -m bot backup FILE` and `restore FILE [--yes]`: copies of the SQLite database
(storage/backup.py). For PostgreSQL both say which pg_dump / pg_restore command to run."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cli import Console

# What confirms a restore, in either locale.
YES = frozenset({"да", "д", "yes", "y"})


def postgres_target(database_url: str) -> str:
    """pg_dump's connection options for DATABASE_URL, without the password (libpq reads
    it from ~/.pgpass or PGPASSWORD)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    parts = [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(f"--dbname={url.database or ''}")
    return " ".join(parts)


def run_backup(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli import EXIT_CONFIG, EXIT_UNAVAILABLE, describe_database
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


def run_restore(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli import EXIT_CONFIG, EXIT_REFUSED, describe_database
    from storage import backup, migrate
    from storage.types import utcnow

    database = describe_database(settings.database_url)
    source: Path = args.file
    if not backup.is_sqlite(settings.database_url):
        return console.refuse(
            "cli-restore-postgresql",
            database=database,
            command=(
                "pg_restore --clean --if-exists --no-owner "
                f"{postgres_target(settings.database_url)} {source}"
            ),
        )
    if not source.is_file():
        return console.refuse("cli-file-missing", EXIT_CONFIG, file=str(source))
    try:
        backup.revision_of(source, migrate.revisions())
    except backup.NotOurDatabase as refusal:
        return console.refuse(
            f"cli-restore-refused-{refusal.reason}", file=str(source), revision=refusal.revision
        )
    except OSError:
        return console.refuse("cli-file-unreadable", EXIT_CONFIG, file=str(source))
    if not args.yes and not _confirmed(console, database, source):
        return console.refuse("cli-restore-cancelled", EXIT_REFUSED)
    path = backup.sqlite_file(settings.database_url)
    kept = backup.restore(source, path, utcnow().astimezone(settings.zone))
    revision = asyncio.run(_upgrade(settings.database_url))
    console.say("cli-restore-done", database=database, file=str(source), revision=revision)
    if kept is not None:
        console.say("cli-restore-kept", file=str(kept))
    return 0


async def _upgrade(database_url: str) -> str | None:
    """A copy made by an older version gets the migrations it lacks: the bot starts on it."""
    from storage import migrate
    from storage.db import create_engine

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()


def _confirmed(console: Console, database: str, source: Path) -> bool:
    print(console.t("cli-restore-confirm", database=database, file=str(source)), end=" ")
    sys.stdout.flush()
    try:
        answer = input()
    except EOFError:  # no terminal (a script without --yes): not a yes
        print()
        return False
    if not sys.stdin.isatty():
        print()  # an answer piped in is not echoed: end the question's line
    return answer.strip().lower() in YES
