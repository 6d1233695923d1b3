from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Mode, SettingsError, load_settings

TOKEN = "123456789:AAH-test-token-for-the-fake-bot-api_0"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read the environment and .env of the working directory: isolate both.
    monkeypatch.chdir(tmp_path)
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "TIMEZONE",
        "ADMIN_IDS",
        "MAX_ADMIN_IDS",
        "MODE",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "REDIS_URL",
        "LOG_LEVEL",
        "DEFAULT_LOCALE",
        "TELEGRAM_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_embedded_sqlite_in_moscow_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The user's data directory (XDG on Linux), never the checkout: `git clean -X` there
    # would delete the database.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    settings = load_settings()
    database = tmp_path / "share" / "participants-bot" / "bot.sqlite3"
    assert settings.database_url == f"sqlite+aiosqlite:///{database}"
    assert str(PROJECT_ROOT) not in settings.database_url
    assert settings.timezone == "Europe/Moscow"
    assert settings.default_locale == "ru"
    assert settings.mode is Mode.POLLING
    assert settings.bot_token is None


def test_reads_dotenv_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=1, 2;3\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@localhost/bot")
    settings = load_settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert settings.admin_ids == (1, 2, 3)
    assert settings.database_url == "postgresql+asyncpg://bot@localhost/bot"
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TIMEZONE", "Mars/Base", "Invalid setting TIMEZONE: unknown time zone 'Mars/Base'"),
        ("BOT_TOKEN", "not-a-token", "Invalid setting BOT_TOKEN:"),
        ("ADMIN_IDS", "12,abc", "Invalid setting ADMIN_IDS:"),
        ("MAX_ADMIN_IDS", "12;@anna", "Invalid setting MAX_ADMIN_IDS: must be MAX user ids"),
        ("DATABASE_URL", "mysql://x", "Invalid setting DATABASE_URL:"),
        ("DEFAULT_LOCALE", "de", "Invalid setting DEFAULT_LOCALE: must be one of: ru, en"),
        ("MODE", "carrier-pigeon", "Invalid setting MODE:"),
        ("LOG_LEVEL", "LOUD", "Invalid setting LOG_LEVEL:"),
        ("ENGAGEMENT_WEIGHTS", "surveys=lots", "Invalid setting ENGAGEMENT_WEIGHTS:"),
        (
            "ENGAGEMENT_WEIGHTS",
            "likes=1",
            "Invalid setting ENGAGEMENT_WEIGHTS: unknown components",
        ),
        ("ENGAGEMENT_WEIGHTS", "surveys=0", "Invalid setting ENGAGEMENT_WEIGHTS:"),
        ("ENGAGEMENT_THRESHOLD", "120", "Invalid setting ENGAGEMENT_THRESHOLD:"),
        ("DELIVERY_RETRY_FOR", "an hour", "Invalid setting DELIVERY_RETRY_FOR: must be a dur"),
        ("DELIVERY_RETRY_FOR", "0s", "Invalid setting DELIVERY_RETRY_FOR:"),
        ("DELIVERY_RETRY_MAX_PAUSE", "5 minutes", "Invalid setting DELIVERY_RETRY_MAX_PAUSE:"),
    ],
)
def test_invalid_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(expected)


def test_engagement_weights_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGEMENT_WEIGHTS", "surveys=1, events=3")
    monkeypatch.setenv("ENGAGEMENT_THRESHOLD", "40")
    rules = load_settings().engagement_rules
    assert rules.weights == {"surveys": 1, "timeliness": 0, "events": 3, "acknowledgements": 0}
    assert rules.threshold == 40


def test_the_delivery_retry_window_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.delivery_retry_for, defaults.delivery_retry_max_pause) == (3600, 300)
    monkeypatch.setenv("DELIVERY_RETRY_FOR", "2h")
    monkeypatch.setenv("DELIVERY_RETRY_MAX_PAUSE", "90")
    settings = load_settings()
    assert (settings.delivery_retry_for, settings.delivery_retry_max_pause) == (7200, 90)
    monkeypatch.setenv("DELIVERY_RETRY_MAX_PAUSE", "1.5s")
    assert load_settings().delivery_retry_max_pause == 1.5


def test_webhook_mode_needs_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODE", "webhook")
    with pytest.raises(SettingsError, match="MODE=webhook needs WEBHOOK_URL and WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_value")
    assert load_settings().webhook_path == "/tg/hook"


def _run_cli(*args: str, env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_token_is_one_clear_line_and_status_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    result = _run_cli(env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0]
    assert "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_setting_stops_the_cli_with_status_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_TOKEN": TOKEN, "TIMEZONE": "Nowhere/Land"}
    result = _run_cli("run", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Недопустимое значение настройки TIMEZONE: неизвестный часовой пояс 'Nowhere/Land' "
        "(например, Europe/Moscow)"
    )


def test_migrate_then_check_report_the_database(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/bot.sqlite3",
    }
    migrated = _run_cli("migrate", env=env, cwd=str(tmp_path))
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "data" / "bot.sqlite3").exists()
    # (A folder named data/ in the working directory does not shadow the bot's `data`.)
    # No Telegram here (nothing listens on port 9): check says so, exit status 3, and still
    # reports the database.
    checked = _run_cli(
        "check", env={**env, "TELEGRAM_API_BASE": "http://127.0.0.1:9"}, cwd=str(tmp_path)
    )
    assert checked.returncode == 3, checked.stderr
    assert checked.stderr.startswith("Telegram недоступен"), checked.stderr
    assert "Схема базы данных: версия" in checked.stdout
    assert "обновлений нет" in checked.stdout
    assert TOKEN not in checked.stdout + checked.stderr


def test_max_webhook_needs_its_secret_a_server_and_a_path_of_its_own() -> None:
    base = {"_env_file": None, "max_token": "max-token-value"}
    with pytest.raises(SettingsError, match="MAX_WEBHOOK_URL needs MAX_WEBHOOK_SECRET"):
        load_settings(**base, max_webhook_url="https://bot.example.org/max")
    with pytest.raises(SettingsError, match="needs a server"):
        load_settings(
            **base, max_webhook_url="https://bot.example.org/max", max_webhook_secret="s3cret"
        )
    with pytest.raises(SettingsError, match="different paths"):
        load_settings(
            **base,
            max_webhook_url="https://bot.example.org/hook",
            max_webhook_secret="s3cret",
            mode="webhook",
            webhook_url="https://bot.example.org/hook",
            webhook_secret="s3cret",
        )
    with pytest.raises(SettingsError, match="MAX_WEBHOOK_SECRET: must be 5-256"):
        load_settings(**base, max_webhook_secret="abc")
    settings = load_settings(
        **base,
        max_webhook_url="https://bot.example.org/max",
        max_webhook_secret="s3cret",
        http_port=9090,
    )
    assert settings.max_webhook_path == "/max"
    with pytest.raises(SettingsError, match="MAX_TOKEN: does not look like a token"):
        load_settings(_env_file=None, max_token="has a space")


def test_a_max_only_deployment_in_webhook_mode_is_told_mode_is_telegrams(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
        "MAX_TOKEN": "max-token-value",
        "MODE": "webhook",
        "WEBHOOK_URL": "https://bot.example.org/tg",
        "WEBHOOK_SECRET": "s3cret",
    }
    result = _run_cli(env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "MODE=webhook" in line
    assert "BOT_TOKEN" in line


def test_max_admin_ids_are_read_like_admin_ids_and_named_in_russian(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("MAX_ADMIN_IDS=501; 502 503\n", encoding="utf-8")
    settings = load_settings()
    assert settings.max_admin_ids == (501, 502, 503)
    assert settings.admin_ids == ()  # Telegram's are another setting
    monkeypatch.setenv("MAX_ADMIN_IDS", "501,анна")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    from bot.cli import setting_problems
    from bot.i18n import Translator

    [line] = setting_problems(Translator("ru").for_locale("ru"), refused.value)
    assert line.startswith("Недопустимое значение настройки MAX_ADMIN_IDS:")
    assert "идентификаторы пользователей MAX" in line
