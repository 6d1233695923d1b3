"""Copies of the SQLite database taken while the bot runs, and putting one back.

A WAL-mode database is its file plus the `-wal` file of recent commits: copying the files
may catch them at different moments. sqlite3's online backup API copies through a
connection, so the copy is one consistent snapshot (in WAL mode writers are not held up
meanwhile). PostgreSQL has pg_dump and pg_restore for this (docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables a database of this bot has had since its first migrations.
OUR_TABLES = frozenset({"alembic_version", "participants", "schools", "municipalities"})
BUSY_SECONDS = 30  # a writer of the running bot may hold the lock for a moment


class NotOurDatabase(Exception):
    """The file cannot be restored; `reason` names the text (`cli-restore-refused-…`)."""

    def __init__(self, reason: str, revision: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.revision = revision


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValueError("not a SQLite file")
    return Path(database)


def backup(database: Path, target: Path) -> None:
    """A consistent copy of `database` in `target`, as one file (no `-wal` beside it).
    Written beside the target first and renamed into place: an interrupted copy never
    passes for a complete one."""
    if not database.is_file():
        raise FileNotFoundError(database)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(database, timeout=BUSY_SECONDS)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one snapshot
            # The copy inherits WAL mode from the header; as a single file it travels.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, target)


def revision_of(path: Path, known: list[str]) -> str:
    """The schema revision of a copy of this bot's database; NotOurDatabase when the file
    is something else, damaged, or made by a newer version (a revision not in `known`)."""
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotOurDatabase("not-sqlite")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not tables >= OUR_TABLES:
            raise NotOurDatabase("not-ours")
        if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise NotOurDatabase("damaged")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise NotOurDatabase("damaged") from None
    finally:
        connection.close()
    if row is None:
        raise NotOurDatabase("not-ours")
    if row[0] not in known:
        raise NotOurDatabase("newer", revision=str(row[0]))
    return str(row[0])


def restore(source: Path, database: Path, now: datetime) -> Path | None:
    """Replaces the content of `database` with `source` (checked with `revision_of`
    first); the database as it was is kept beside it, its path returned (None when there
    was none). Through the backup API, so the database's own `-wal` is dealt with by
    SQLite rather than left stale beside a new file."""
    kept = None
    if database.is_file():
        kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        backup(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(database, timeout=BUSY_SECONDS)
        try:
            reading.backup(target)
        finally:
            target.close()
    finally:
        reading.close()
    return kept


def daily_name(database: Path, now: datetime) -> str:
    return f"{database.stem}-{now:%Y%m%d-%H%M%S}.sqlite3"


def backup_into(database: Path, folder: Path, keep: int, now: datetime) -> tuple[Path, list[Path]]:
    """A dated copy in `folder`, and the older copies beyond the newest `keep` deleted;
    the new copy and those deleted. Only files named as this function names them are
    counted or deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / daily_name(database, now)
    backup(database, target)
    pattern = re.compile(rf"{re.escape(database.stem)}-\d{{8}}-\d{{6}}\.sqlite3")
    copies = sorted(path for path in folder.iterdir() if pattern.fullmatch(path.name))
    removed = copies[:-keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return target, removed
