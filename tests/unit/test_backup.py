"""`backup` and `restore` at the command line, and the scheduler's daily copies."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.settings import SettingsError, load_settings
from scheduler import build_scheduler, jobs
from storage import backup, migrate
from storage.db import create_engine
from tests.support.cli import Cli, english_words, run_in_process
from tests.support.recording import recording_bot


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """On `live.sqlite3`, typed answers on stdin."""
    yield from run_in_process(tmp_path, monkeypatch, "live.sqlite3")


def update_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT update_id FROM processed_updates")]


class Writer(threading.Thread):
    """Another connection committing two rows per transaction as fast as it can, as the
    running bot would: a consistent copy holds whole transactions only."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.committed = 0

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        update_id = 0
        while not self.stop.is_set():
            with connection:
                for _ in range(2):
                    update_id += 1
                    connection.execute(
                        "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                        (update_id, datetime.now(UTC).isoformat()),
                    )
            self.committed = update_id
        connection.close()


def test_backup_during_writes_restores_into_a_working_database(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("migrate").status == 0
    live = tmp_path / "live.sqlite3"
    writer = Writer(live)
    writer.start()
    try:
        copies = []
        for n in range(3):
            while writer.committed < 200 * (n + 1):  # let the WAL grow between copies
                threading.Event().wait(0.01)
            copy = tmp_path / "copies" / f"copy-{n}.sqlite3"  # a folder made by backup
            before = writer.committed
            run = cli("backup", str(copy))
            assert run.status == 0, run.text
            assert str(copy) in run.out
            assert english_words(run.out) == []
            copies.append((copy, before))
    finally:
        writer.stop.set()
        writer.join()
    assert writer.committed > 600
    for copy, before in copies:
        ids = update_ids(copy)
        assert len(ids) >= before
        assert len(ids) % 2 == 0  # whole transactions only
        assert sorted(ids) == list(range(1, len(ids) + 1))
        assert not copy.with_name(copy.name + "-wal").exists()  # one file
        assert not copy.with_name(f".{copy.name}.partial").exists()

    # Into a fresh place: the database did not exist.
    fresh = tmp_path / "elsewhere" / "restored.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{fresh}")
    copy, _ = copies[-1]
    run = cli("restore", str(copy), "--yes")
    assert run.status == 0, run.text
    assert migrate.head_revision() in run.out  # type: ignore[operator]
    assert update_ids(fresh) == update_ids(copy)
    # The bot's own engine opens it and writes to it.
    asyncio.run(_write_through_the_engine(f"sqlite+aiosqlite:///{fresh}"))


async def _write_through_the_engine(url: str) -> None:
    from sqlalchemy import text

    engine = create_engine(url)
    try:
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO processed_updates VALUES (999999, '2026-12-07 10:00:00')")
            )
    finally:
        await engine.dispose()


def test_restore_over_a_database_asks_first_and_keeps_the_old_one(cli: Cli, tmp_path: Path) -> None:
    assert cli("migrate").status == 0
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as connection:
        connection.execute("INSERT INTO processed_updates VALUES (1, '2026-12-07 10:00:00')")
    copy = tmp_path / "copy.sqlite3"
    assert cli("backup", str(copy)).status == 0
    with sqlite3.connect(live) as connection:
        connection.execute("INSERT INTO processed_updates VALUES (2, '2026-12-07 10:00:00')")

    refused = cli("restore", str(copy), typed="нет\n")
    assert refused.status == 1
    assert "Восстановление отменено" in refused.err
    assert "Введите «да»" in refused.out
    assert update_ids(live) == [1, 2]
    assert cli("restore", str(copy)).status == 1  # no answer at all (no terminal): no

    done = cli("restore", str(copy), typed="да\n")
    assert done.status == 0, done.text
    assert english_words(done.out) == []
    assert update_ids(live) == [1]
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("live.sqlite3.before-restore-")]
    assert len(kept) == 1
    assert str(kept[0]) in done.out
    assert update_ids(kept[0]) == [1, 2]


def test_restore_refuses_what_is_not_a_copy_of_this_bot(cli: Cli, tmp_path: Path) -> None:
    assert cli("migrate").status == 0
    live = tmp_path / "live.sqlite3"
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("это не база данных", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (id INTEGER)")
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(live.read_bytes()[:8192] + b"\x00" * 100)
    newer = tmp_path / "newer.sqlite3"
    assert cli("backup", str(newer)).status == 0
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    before = live.read_bytes()

    expected = {
        text_file: ("не база данных SQLite", "is not a SQLite database"),
        other: ("но не этого бота", "not this bot's"),
        damaged: ("повреждён", "is damaged"),
        newer: ("более новая версия бота (схема 9999)", "newer version of the bot (schema 9999)"),
        tmp_path / "missing.sqlite3": ("не найден", "not found"),
    }
    for path, (russian, english) in expected.items():
        run = cli("restore", str(path), "--yes")
        assert run.status != 0
        assert russian in run.err, run.text
        assert english_words(run.err, {"SQLite"}) == []
        assert english in cli("restore", str(path), "--yes", locale="en").err
    assert live.read_bytes() == before


def test_an_older_copy_is_migrated_on_restore(cli: Cli, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{old}")

    async def make_old() -> None:
        try:
            await migrate.upgrade(engine, "0005")
        finally:
            await engine.dispose()

    asyncio.run(make_old())
    run = cli("restore", str(old), "--yes")
    assert run.status == 0, run.text
    with sqlite3.connect(tmp_path / "live.sqlite3") as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == migrate.head_revision()


def test_on_postgresql_both_commands_name_pg_dump_and_pg_restore(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:secret@db.example.org:5433/school")
    run = cli("backup", "bot.dump")
    assert run.status == 1
    assert (
        "pg_dump --format=custom --file=bot.dump --host=db.example.org --port=5433 "
        "--username=bot --dbname=school"
    ) in run.err
    assert "secret" not in run.err
    run = cli("restore", "bot.dump", "--yes")
    assert run.status == 1
    assert "pg_restore --clean --if-exists --no-owner --host=db.example.org" in run.err


def test_backup_into_keeps_the_newest_copies_and_nothing_else(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (id INTEGER)")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("чужой файл", encoding="utf-8")
    (folder / "other-20260101-000000.sqlite3").write_bytes(b"")
    start = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    made = []
    for day in range(4):
        path, removed = backup.backup_into(database, folder, 2, start + timedelta(days=day))
        made.append(path)
        assert removed == ([] if day < 2 else [made[day - 2]])
    assert sorted(p.name for p in folder.iterdir()) == [
        "bot-20261203-023000.sqlite3",
        "bot-20261204-023000.sqlite3",
        "notes.txt",
        "other-20260101-000000.sqlite3",
    ]


async def test_the_scheduler_backs_up_daily_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, translator: Translator
) -> None:
    database = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    bot, _ = recording_bot()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BACKUP_DIR", raising=False)
    plain = load_settings(database_url=url)
    assert build_scheduler(plain, None, translator, bot).get_job("backup_database") is None  # type: ignore[arg-type]

    folder = tmp_path / "copies"
    settings = load_settings(database_url=url, backup_dir=folder, backup_keep=3)
    job = build_scheduler(settings, None, translator, bot).get_job("backup_database")  # type: ignore[arg-type]
    assert job is not None
    assert str(job.trigger) == "cron[hour='2', minute='30']"
    await jobs.backup_database(settings)
    (copy,) = folder.iterdir()
    assert backup.revision_of(copy, migrate.revisions()) == migrate.head_revision()


def test_backup_dir_is_refused_with_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKUP_DIR", "/var/backups/bot")
    with pytest.raises(SettingsError, match="pg_dump"):
        load_settings(database_url="postgresql://bot@localhost/bot")
    monkeypatch.setenv("BACKUP_DIR", "")
    assert load_settings(database_url="postgresql://bot@localhost/bot").backup_dir is None


def test_backup_of_a_damaged_database_says_so_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "live.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    run = cli("backup", str(tmp_path / "copy.sqlite3"))
    assert run.status == 3
    assert "Копию сделать не удалось" in run.err
    assert "Traceback" not in run.text
    assert list(tmp_path.glob("*copy.sqlite3*")) == []
