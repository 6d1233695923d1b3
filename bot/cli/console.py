"""What every command shares: the exit statuses, the operator's terminal in one locale, and
the files the operator names. Light to import: `--help` loads this and nothing heavier."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.i18n import Localizer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services.errors import DomainError

EXIT_REFUSED = 1
EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


class Console:
    """The operator's terminal in one locale: results on stdout, refusals on stderr."""

    def __init__(self, t: Localizer) -> None:
        self.t = t

    def say(self, key: str, **args: Any) -> None:
        print(self.t(key, **args))

    def line(self, text: str) -> None:
        print(text)

    def refuse(self, key: str, status: int = EXIT_REFUSED, **args: Any) -> int:
        print(self.t(key, **args), file=sys.stderr)
        return status

    def refuse_error(self, error: DomainError) -> int:
        """The bot's own text for a refusal, so the console and the chat say the same."""
        # Imported here: the views load SQLAlchemy, and only a command that ran has errors.
        from bot.views import error_text

        print(plain(error_text(self.t, error)), file=sys.stderr)
        return EXIT_REFUSED


def plain(html: str) -> str:
    """Message HTML for a terminal."""
    return unescape(re.sub(r"</?[a-z]+>", "", html))


def local_time(moment: datetime, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%d.%m.%Y %H:%M}"


class FileProblem(Exception):
    """A file the operator named cannot be read or written; `key` says why."""

    def __init__(self, key: str, path: Path) -> None:
        super().__init__(key)
        self.key = key
        self.path = path


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileProblem("cli-file-missing", path) from None
    except PermissionError:
        raise FileProblem("cli-file-denied", path) from None
    except OSError:  # a folder, a device, a broken disk
        raise FileProblem("cli-file-unreadable", path) from None


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except PermissionError:
        raise FileProblem("cli-file-denied", path) from None
    except OSError:
        raise FileProblem("cli-file-unwritable", path) from None


def refuse_file(console: Console, problem: FileProblem) -> NoReturn:
    raise SystemExit(console.refuse(problem.key, EXIT_CONFIG, file=str(problem.path)))
