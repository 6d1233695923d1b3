"""Settings read from the environment and `.env` (see `.env.example` for every one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_path
from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.services.engagement_rules import COMPONENTS, DEFAULT_WEIGHTS, EngagementRules

# The checkout, for tests and developer tools only: the running bot finds its own files
# (locales, reference data, migrations) with importlib.resources, installed or not.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "participants-bot"
SUPPORTED_LOCALES = ("ru", "en")


def data_dir() -> Path:
    """Where the default SQLite database lives: the user's data directory
    (~/.local/share/participants-bot, or $XDG_DATA_HOME/participants-bot), not the
    checkout, which `git clean` may empty. Created when the database is opened."""
    return user_data_path(APP_NAME, appauthor=False)


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{data_dir() / 'bot.sqlite3'}"


# What @BotFather hands out: the bot's numeric id, a colon, then 35 url-safe characters.
_TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
# Telegram's rule for usernames: 5-32 letters, digits and underscores; a bot's ends in "bot".
_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# Telegram's own rule for the webhook secret token.
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# MAX's rule for a subscription's secret (POST /subscriptions): 5-256 of these.
_MAX_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{5,256}$")
# A MAX token is opaque (the partner platform issues it): printable ASCII, no space, quote
# or backslash (so that the log's redaction finds it in JSON lines too).
_MAX_TOKEN_RE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{8,}$")


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"  # one JSON object per line, for log collectors


def _ids(value: object, kind: str, message: str) -> object:
    """User ids separated by commas, semicolons or spaces (one int: itself)."""
    if isinstance(value, str):
        parts = [part for part in re.split(r"[\s,;]+", value) if part]
        if not all(part.lstrip("-").isdigit() for part in parts):
            raise _invalid(kind, message)
        return tuple(int(part) for part in parts)
    if isinstance(value, int):
        return (value,)
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    # The bot's @username (without @) for invite links printed by `invite create`; unset,
    # the command asks Telegram (getMe) when a token is set.
    bot_username: str | None = None
    # Read when the settings are, so that XDG_DATA_HOME set by then counts.
    database_url: str = Field(default_factory=default_database_url)
    telegram_api_base: AnyHttpUrl | None = None
    # MAX (docs/max.md): the bot's token there; the API's address (unset: maxapi's own,
    # https://platform-api2.max.ru in maxapi 1.2.3), for a proxy or the tests; a PEM file
    # of a CA to trust beside the system's and maxapi's copy of the Russian Trusted Root CA.
    max_token: SecretStr | None = None
    max_api_base: AnyHttpUrl | None = None
    max_ca_file: Path | None = None
    # MAX's updates by webhook (POST /subscriptions) at this address, signed with this
    # secret; unset, by long polling. Served with Telegram's webhook (MODE=webhook), or
    # by the HTTP_PORT server.
    max_webhook_url: AnyHttpUrl | None = None
    max_webhook_secret: SecretStr | None = None
    timezone: str = "Europe/Moscow"
    default_locale: str = "ru"
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()  # Telegram user ids
    # MAX user ids of the first admins: a MAX-only deployment's way to its first admin.
    max_admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    mode: Mode = Mode.POLLING
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # the webhook server listens on every interface
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # The address people reach the bot's web server at (behind a reverse proxy, say), for
    # the calendar feed links; unset, the origin of WEBHOOK_URL.
    public_url: AnyHttpUrl | None = None
    redis_url: str | None = None
    # SQLite statements in the event loop (storage/sqlite_in_loop.py, with what it gains);
    # false runs them in aiosqlite's thread, as it ships.
    sqlite_in_loop: bool = True
    # Monitoring (/healthz, /metrics) on a port of its own, in either mode; off when unset.
    # Loopback by default: the numbers are for the server's own Prometheus or a proxy.
    http_port: int | None = Field(default=None, ge=1, le=65535)
    http_host: str = "127.0.0.1"
    # Daily copies of the SQLite database into this folder, the newest BACKUP_KEEP kept.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1, le=3660)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    # Minutes before an event at which reminders go out ("24h,1h" in the environment).
    reminder_offsets: Annotated[tuple[int, ...], NoDecode] = (24 * 60, 60)
    delivery_rate: float = Field(default=25.0, gt=0, le=1000)
    # Messages a second the delivery loop sends on MAX at most: MAX documents 30 requests
    # a second for a bot, and every request counts, so above that is refused.
    max_delivery_rate: float = Field(default=25.0, gt=0, le=30)
    # Seconds a message refused by server or network errors is retried for ("1h", "90m"),
    # and the longest pause between two tries ("5m"): pauses double from 2 s up to it.
    delivery_retry_for: float = Field(default=3600.0, ge=1, le=7 * 86400)
    delivery_retry_max_pause: float = Field(default=300.0, ge=0.1, le=86400)
    # RUN_SCHEDULER=false: this replica never runs the scheduler and the delivery loop.
    # The others elect one that does (scheduler/leader.py): followers try every
    # LEADER_RETRY_SECONDS; the leader checks its PostgreSQL lock, or renews its SQLite
    # lease (which runs out after LEADER_LEASE_SECONDS), every LEADER_RENEW_SECONDS.
    run_scheduler: bool = True
    leader_retry_seconds: float = Field(default=5.0, ge=0.1, le=300)
    leader_renew_seconds: float = Field(default=10.0, ge=0.1, le=300)
    leader_lease_seconds: float = Field(default=30.0, ge=0.5, le=900)
    meetings_ahead_weeks: int = Field(default=8, ge=1, le=52)
    # Updates handled at the same time (the rest wait their turn); see storage.db.POOL.
    updates_concurrency: int = Field(default=16, ge=1, le=64)
    # How often the scheduler looks for reminders that have come due.
    reminder_check_seconds: int = Field(default=30, ge=1, le=3600)
    # The engagement index (docs/analysis.md): the weights of its components
    # ("surveys=0.3,timeliness=0.1,events=0.4,acknowledgements=0.2"), the index below which
    # a school is low-engagement, and the period the bot shows by default.
    engagement_weights: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS)
    )
    engagement_threshold: float = Field(default=50.0, ge=0, le=100)
    engagement_period_days: int = Field(default=90, ge=1, le=3660)
    # Directors' and curators' answers to a shared question differ "a lot" from this gap
    # (on a 0–1 scale: 0.4 is two points of a 1–5 scale).
    divergence_threshold: float = Field(default=0.4, gt=0, le=1)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _TOKEN_RE.match(value.get_secret_value()):
            raise _invalid(
                "bad-token", "does not look like a token from @BotFather (digits:characters)"
            )
        return value

    @field_validator("max_token")
    @classmethod
    def _max_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _MAX_TOKEN_RE.match(value.get_secret_value()):
            raise _invalid(
                "bad-max-token", "does not look like a token from MAX's platform for partners"
            )
        return value

    @field_validator("max_webhook_secret")
    @classmethod
    def _max_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _MAX_SECRET_RE.match(value.get_secret_value()):
            raise _invalid(
                "bad-max-webhook-secret", "must be 5-256 characters: letters, digits, _ and -"
            )
        return value

    @field_validator("bot_username")
    @classmethod
    def _username_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.removeprefix("@")
        if not _USERNAME_RE.match(value):
            raise _invalid(
                "bad-username", "must be the bot's username from @BotFather, e.g. school_help_bot"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        allowed = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(allowed):
            raise _invalid(
                "bad-database", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid(
                "bad-zone", "unknown time zone {zone} (e.g. Europe/Moscow)", zone=repr(value)
            ) from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise _invalid(
                "bad-locale", "must be one of: {locales}", locales=", ".join(SUPPORTED_LOCALES)
            )
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _ids(value, "bad-admins", "must be Telegram user ids separated by commas")

    @field_validator("max_admin_ids", mode="before")
    @classmethod
    def _split_max_ids(cls, value: object) -> object:
        return _ids(value, "bad-max-admins", "must be MAX user ids separated by commas")

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        minutes = []
        for part in (p.strip().lower() for p in value.split(",") if p.strip()):
            match = re.fullmatch(r"(\d+)\s*(h|m|d)", part)
            if match is None:
                raise _invalid("bad-offsets", "must be durations like 24h,1h,30m")
            minutes.append(int(match[1]) * {"m": 1, "h": 60, "d": 1440}[match[2]])
        return tuple(sorted(set(minutes), reverse=True))

    @field_validator("delivery_retry_for", "delivery_retry_max_pause", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)?", value.strip().lower())
        if match is None:
            raise ValueError("must be a duration like 90s, 5m, 1h or 2d")
        return float(match[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[2] or "s"]

    @field_validator("engagement_weights", mode="before")
    @classmethod
    def _weights(cls, value: object) -> object:
        if isinstance(value, str):
            weights = {}
            for part in (p.strip() for p in value.split(",") if p.strip()):
                name, _, number = part.partition("=")
                try:
                    weights[name.strip()] = float(number)
                except ValueError:
                    raise _invalid("bad-weights", "must be like surveys=0.3,events=0.4") from None
            value = weights
        if isinstance(value, dict):
            unknown = set(value) - set(COMPONENTS)
            if unknown:
                raise _invalid(
                    "unknown-components",
                    "unknown components {unknown}; known: {known}",
                    unknown=", ".join(sorted(unknown)),
                    known=", ".join(COMPONENTS),
                )
            if any(float(w) < 0 for w in value.values()) or not any(value.values()):
                raise _invalid(
                    "bad-weight-values", "weights must be non-negative, and not all zero"
                )
            return {**dict.fromkeys(COMPONENTS, 0.0), **value}
        return value

    @field_validator(
        "http_port",
        "backup_dir",
        "max_ca_file",
        "max_token",
        "max_webhook_url",
        "max_webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `HTTP_PORT=` in an environment file means off, not port "" (nor the folder ".").
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise _invalid("bad-log-level", "must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            raise _invalid(
                "bad-webhook-secret", "must be 1-256 characters: letters, digits, _ and -"
            )
        return value

    @model_validator(mode="after")
    def _ports_apart(self) -> Settings:
        # The webhook server already serves /healthz and /metrics: one port, one server.
        if self.mode is Mode.WEBHOOK and self.http_port == self.webhook_port:
            raise _invalid(
                "http-port-is-webhook-port",
                "HTTP_PORT must differ from WEBHOOK_PORT (the webhook server serves "
                "/healthz and /metrics already; leave HTTP_PORT unset)",
            )
        return self

    @model_validator(mode="after")
    def _lease_renewed_in_time(self) -> Settings:
        if self.leader_renew_seconds >= self.leader_lease_seconds:
            raise _invalid(
                "leader-renew-within-lease",
                "LEADER_RENEW_SECONDS must be shorter than LEADER_LEASE_SECONDS (the lease "
                "is renewed before it runs out)",
            )
        return self

    @model_validator(mode="after")
    def _backups_of_sqlite(self) -> Settings:
        if self.backup_dir is not None and not self.database_url.startswith("sqlite"):
            raise _invalid(
                "backup-needs-sqlite",
                "BACKUP_DIR copies SQLite only; back PostgreSQL up with pg_dump",
            )
        return self

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode is Mode.WEBHOOK:
            missing = [
                name
                for name, value in (
                    ("WEBHOOK_URL", self.webhook_url),
                    ("WEBHOOK_SECRET", self.webhook_secret),
                )
                if value is None
            ]
            if missing:
                raise _invalid(
                    "webhook-incomplete",
                    "MODE=webhook needs {missing}",
                    missing=" and ".join(missing),
                    names=", ".join(missing),
                )
        return self

    @model_validator(mode="after")
    def _max_webhook_complete(self) -> Settings:
        if self.max_webhook_url is None:
            return self
        missing = [
            name
            for name, value in (
                ("MAX_TOKEN", self.max_token),
                ("MAX_WEBHOOK_SECRET", self.max_webhook_secret),
            )
            if value is None
        ]
        if missing:
            raise _invalid(
                "max-webhook-incomplete",
                "MAX_WEBHOOK_URL needs {names}",
                names=", ".join(missing),
            )
        if self.mode is not Mode.WEBHOOK and self.http_port is None:
            raise _invalid(
                "max-webhook-unserved",
                "MAX_WEBHOOK_URL needs a server: MODE=webhook (with Telegram's) or HTTP_PORT",
            )
        if self.mode is Mode.WEBHOOK and self.max_webhook_path == self.webhook_path:
            raise _invalid(
                "max-webhook-path",
                "MAX_WEBHOOK_URL and WEBHOOK_URL must have different paths (one server)",
            )
        return self

    @property
    def max_webhook_path(self) -> str:
        return (self.max_webhook_url.path if self.max_webhook_url else None) or "/"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_path(self) -> str:
        return (self.webhook_url.path if self.webhook_url else None) or "/webhook"

    @property
    def calendar_feed_base(self) -> str | None:
        """Where the calendar feed addresses start, or None when nothing serves them: the
        webhook server and the HTTP_PORT server do (the latter reached at PUBLIC_URL)."""
        served = self.mode is Mode.WEBHOOK or self.http_port is not None
        if self.public_url is not None and served:
            return str(self.public_url).rstrip("/")
        if self.mode is Mode.WEBHOOK and self.webhook_url is not None:
            url = self.webhook_url
            port = f":{url.port}" if url.port not in (None, 80, 443) else ""
            return f"{url.scheme}://{url.host}{port}"
        return None

    @property
    def engagement_rules(self) -> EngagementRules:
        return EngagementRules(dict(self.engagement_weights), self.engagement_threshold)


def _invalid(kind: str, message: str, **context: str) -> PydanticCustomError:
    """A setting's problem: the English `message` (a template on `context`) for logs, and
    `kind`, which names its text in the locales (`setting-<kind>`) for the command line."""
    return PydanticCustomError(f"setting-{kind}", message, context)


@dataclass(frozen=True)
class SettingProblem:
    """One invalid setting (`name` None: the combination), for a translated report:
    `kind` is `setting-<kind>` of our own checks or pydantic's error type."""

    name: str | None
    kind: str
    args: dict[str, str]


class SettingsError(Exception):
    """Settings are missing or invalid; the message is one line per setting, in English,
    and `problems` the same for a report in the operator's language."""

    def __init__(self, message: str, problems: list[SettingProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into lines that name each setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines, problems = [], []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            name = str(error["loc"][0]).upper() if error["loc"] else None
            if name:
                lines.append(f"Invalid setting {name}: {message}")
            else:
                lines.append(f"Invalid settings: {message}")
            args = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
            args.setdefault("value", str(error.get("input", "")))
            problems.append(SettingProblem(name, error["type"], args))
        raise SettingsError("\n".join(lines), problems) from None
