"""Logging: the formats, the secrets kept out, APScheduler's per-run lines kept down."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.logs import setup_logging
from bot.settings import LogFormat, Settings, SettingsError, load_settings

TOKEN = "123456789:AAH-test-token-for-the-fake-bot-api_0"
SECRET = "webhook_secret-42"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)


def settings(**values: object) -> Settings:
    return load_settings(
        bot_token=TOKEN, webhook_secret=SECRET, database_url="sqlite+aiosqlite://", **values
    )


def log_with_secrets() -> None:
    logger = logging.getLogger("bot.test")
    logger.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/sendMessage with secret {SECRET} failed")
    except RuntimeError:
        logger.exception("Сбой при отправке")


def test_json_lines_are_one_object_each_without_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging(settings(log_format="json"))
    log_with_secrets()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2  # the traceback stays inside its record's line
    records = [json.loads(line) for line in lines]
    assert [r["level"] for r in records] == ["INFO", "ERROR"]
    assert records[0]["logger"] == "bot.test"
    assert records[1]["message"] == "Сбой при отправке"
    assert "RuntimeError" in records[1]["exception"]
    assert records[0]["time"].endswith("+00:00")
    for line in lines:
        assert TOKEN not in line
        assert SECRET not in line
    assert "***" in records[1]["exception"]


def test_text_lines_redact_the_token_in_tracebacks_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging(settings())
    log_with_secrets()
    output = capsys.readouterr().err
    assert "Сбой при отправке" in output
    assert "Traceback" in output
    assert TOKEN not in output
    assert SECRET not in output


def test_maxs_token_and_webhook_secret_are_redacted_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    max_token, max_secret = "max-token-AbC123", "max-hook-secret-9"
    setup_logging(settings(max_token=max_token, max_webhook_secret=max_secret))
    logging.getLogger("bot.test").warning("MAX refused %s signed %s", max_token, max_secret)
    output = capsys.readouterr().err
    assert "MAX refused *** signed ***" in output
    assert max_token not in output


def test_log_format_is_text_by_default_and_refuses_other_values() -> None:
    assert settings().log_format is LogFormat.TEXT
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        settings(log_format="xml")


async def run_a_job_twice() -> None:
    scheduler = AsyncIOScheduler()
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    scheduler.start()
    scheduler.add_job(job, "interval", seconds=60, id="often")
    scheduler.add_job(job, id="once")
    await asyncio.wait_for(ran.wait(), 5)
    await asyncio.sleep(0.05)
    scheduler.shutdown(wait=False)


async def test_scheduler_runs_leave_no_info_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(settings())
    await run_a_job_twice()
    assert "apscheduler" not in capsys.readouterr().err


async def test_debug_shows_the_scheduler_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # Guards the test above: APScheduler does narrate, at INFO and below.
    setup_logging(settings(log_level="DEBUG"))
    await run_a_job_twice()
    assert "Running job" in capsys.readouterr().err
