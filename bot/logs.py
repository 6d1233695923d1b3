"""Logging setup: one line per record, and the bot token never printed."""

from __future__ import annotations

import logging

from bot.settings import Settings


class RedactSecrets(logging.Filter):
    """Replaces secrets (the token is part of every Bot API URL) in a record's text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, "***")
                record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.webhook_secret) if s]
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # aiogram logs every update at INFO; keep that, but not the HTTP chatter below it.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Alembic narrates every connection; storage.migrate logs what actually changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
