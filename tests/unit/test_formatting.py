"""The formatter decides the layout: no source file switches ruff format off."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import PROJECT_ROOT

# Built here so this file does not match itself.
MARKER = re.compile("#" + r"\s*fmt:\s*(skip|off)\b")
FOLDERS = ("bot", "handlers", "scheduler", "storage", "locales", "data", "tests", "bench")


def sources() -> list[Path]:
    return [path for folder in FOLDERS for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))]


def test_no_source_file_turns_the_formatter_off() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MARKER.search(line)
    ]
    assert len(sources()) > 100  # the folders were found
    assert not found, f"formatter switched off at: {found[:20]}"
