"""The operator's commands run in the test's own process (`python -m bot ARGS` through
`bot.cli.main`), and a check that their output has no English in it."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main

NAMES = {
    "python",
    "bot",
    "Telegram",
    "BotFather",
    "newbot",
    "env",
    "Bot",
    "API",
    "Excel",
    "Redis",
    "ru",
    "en",
    "h",
    "sqlite",
    "aiosqlite",
    "t",
    "me",
    "start",
}
COMMANDS = {
    "run",
    "migrate",
    "check",
    "backup",
    "restore",
    "schools",
    "import",
    "export",
    "archive",
    "invite",
    "create",
    "list",
    "revoke",
    "events",
    "series",
    "move",
    "cancel",
    "survey",
    "load",
    "open",
    "close",
    "report",
}
ROLE_CODES = {"director", "curator", "municipal_coordinator", "regional_coordinator", "admin"}


def english_words(text: str, allowed: Collection[str] = ()) -> list[str]:
    """The Latin-letter words of `text` that are neither names nor codes nor paths."""
    text = re.sub(r"https?://\S+|start=[\w-]+", " ", text)  # links
    text = re.sub(r"(?<!\w)--?[a-z][\w-]*", " ", text)  # options: --apply, -h
    text = re.sub(r"\S*/\S*", " ", text)  # paths
    text = re.sub(r"\b[\w-]+\.(?:csv|xlsx|yaml|png|db|sqlite3)\b", " ", text)  # file names
    text = re.sub(r"\b[A-Z][A-Z0-9_]+\b(?:=\S*)?", " ", text)  # BOT_TOKEN=…, CSV, XLSX
    known = NAMES | COMMANDS | ROLE_CODES | set(allowed)
    return [word for word in re.findall(r"[A-Za-z][A-Za-z_]*", text) if word not in known]


@dataclass
class Run:
    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Cli = Callable[..., Run]


def run_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str) -> Iterator[Cli]:
    """For a fixture: `python -m bot ARGS` in this process, on a fresh SQLite file
    `database` in `tmp_path`, in the locale asked for through DEFAULT_LOCALE (as an operator
    sets it), with `typed` as what the operator answers on stdin."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "TELEGRAM_API_BASE", "REDIS_URL", "MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / database}")
    # The command's own logging setup would attach a handler to pytest's captured stderr.
    monkeypatch.setattr("bot.logs.setup_logging", lambda settings: None)
    level = logging.getLogger().level

    def run(*args: str, locale: str = "ru", typed: str = "") -> Run:
        monkeypatch.setenv("DEFAULT_LOCALE", locale)
        monkeypatch.setattr("sys.stdin", io.StringIO(typed))
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exit_:
                status = int(exit_.code or 0)
        return Run(status, out.getvalue(), err.getvalue())

    yield run
    logging.getLogger().setLevel(level)
