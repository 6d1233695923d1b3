"""deploy/: the systemd unit passes `systemd-analyze verify`, the environment file loads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "participants-bot.service"
INSTALLED = "/opt/participants-bot"


def unit_options() -> dict[str, dict[str, list[str]]]:
    """Each section's options; a key repeated (Environment=) keeps every value."""
    sections: dict[str, dict[str, list[str]]] = {}
    section = ""
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            sections[section] = {}
            continue
        key, _, value = line.partition("=")
        sections[section].setdefault(key, []).append(value)
    return sections


def test_the_unit_restarts_on_failure_as_its_own_user_with_the_environment_file() -> None:
    service = unit_options()["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["User"] == ["participants-bot"]
    assert service["EnvironmentFile"] == ["/etc/participants-bot/bot.env"]
    assert service["ExecStart"] == [f"{INSTALLED}/.venv/bin/participants-bot run"]
    assert service["RestartPreventExitStatus"] == ["2"]  # a setting to fix
    assert service["ProtectSystem"] == ["strict"]
    assert service["StateDirectory"] == ["participants-bot"]
    assert unit_options()["Install"]["WantedBy"] == ["multi-user.target"]


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def installed_here(tmp_path: Path, text: str) -> Path:
    """The unit as installed from this checkout: verify checks that ExecStart exists."""
    script = Path(sys.executable).parent / "participants-bot"
    text = text.replace(f"{INSTALLED}/.venv/bin/participants-bot", str(script))
    text = text.replace(INSTALLED, str(DEPLOY.parent))
    unit = tmp_path / UNIT.name
    unit.write_text(text, encoding="utf-8")
    return unit


needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here (a systemd distribution has it)",
)


@needs_systemd
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    assert (Path(sys.executable).parent / "participants-bot").exists()
    result = verify(installed_here(tmp_path, UNIT.read_text(encoding="utf-8")))
    # verify reports unknown keys and bad values on stderr and still exits 0.
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@needs_systemd
def test_verify_would_report_a_mistake(tmp_path: Path) -> None:
    # Guards the test above: a misspelt key and a bad value are reported.
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("Restart=on-failure", "Restart=sometimes")
    text = text.replace("ProtectSystem=strict", "ProtectSytem=strict")
    result = verify(installed_here(tmp_path, text))
    assert "sometimes" in result.stderr
    assert "ProtectSytem" in result.stderr


def test_the_environment_file_example_is_valid_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "HTTP_PORT", "BACKUP_DIR", "MODE"):
        monkeypatch.delenv(name, raising=False)  # the environment would win over the file
    env = tmp_path / "bot.env"
    text = (DEPLOY / "bot.env.example").read_text(encoding="utf-8")
    env.write_text(
        text.replace("BOT_TOKEN=\n", "BOT_TOKEN=123456789:AAH-test-token-for-the-fake-bot-api_0\n"),
        encoding="utf-8",
    )
    settings = load_settings(_env_file=env)
    assert settings.bot_token is not None
    assert settings.database_url.startswith("postgresql+asyncpg://participants_bot:")
    assert settings.http_port == 9090
    assert settings.admin_ids == ()
