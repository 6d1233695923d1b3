"""Logging setup: one line per record (text or JSON), and the secrets never printed."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.settings import LogFormat, Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (journald's, Loki's, Vector's …)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii=False keeps Russian readable; json escapes newlines, so a traceback
        # stays on the record's one line.
        return json.dumps(entry, ensure_ascii=False)


class RedactSecrets(logging.Formatter):
    """Wraps a formatter and replaces secrets in what it wrote: the token is part of
    every Bot API URL, and may appear in a message or in an exception's traceback."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        for secret in self._secrets:
            # None of the tokens and secrets has characters JSON escapes, so the
            # same replacement works on both formats.
            line = line.replace(secret, "***")
        return line


def build_formatter(settings: Settings) -> logging.Formatter:
    inner = (
        JsonFormatter() if settings.log_format is LogFormat.JSON else logging.Formatter(TEXT_FORMAT)
    )
    secrets = [
        s.get_secret_value()
        for s in (
            settings.bot_token,
            settings.webhook_secret,
            settings.max_token,
            settings.max_webhook_secret,
        )
        if s
    ]
    return RedactSecrets(inner, secrets)


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(build_formatter(settings))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # aiogram logs every update at INFO; keep that, but not the HTTP chatter below it.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Alembic narrates every connection; storage.migrate logs what actually changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler writes two INFO lines for every run of every job (some run every few
    # seconds), which drowned the bot's own lines; LOG_LEVEL=DEBUG shows them again.
    if settings.log_level != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
