"""The wheel as an operator installs it (`pip install .`, not the checkout): built from a
copy of the working tree, installed into a fresh virtual environment outside the checkout,
and run from a folder that knows nothing of the checkout."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.support.bot_process import PROJECT_ROOT
from tests.support.fake_telegram import FakeTelegram
from tests.support.people import SCHOOLS_CSV
from tests.support.updates import BOT_USER

# What a build never needs; the rest of the tree is copied as it is now.
NOT_BUILT = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with only the wheel installed in it (its dependencies are
    borrowed from the test's own environment through a .pth file: fast and offline).
    Returns its bin folder."""
    root = tmp_path_factory.mktemp("package")
    source = root / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_BUILT)
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    environment = root / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [
            *pip,
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--find-links",
            str(wheels),
            "participants-bot",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Then (pip would take the editable install seen through it for this one) a bare path
    # line: the test environment's packages, after the venv's own, and not its editable
    # install of this project (a .pth of its own, which a path line does not run).
    (Path(purelib) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return environment / "bin"


def outside_env(telegram: FakeTelegram, folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DATABASE_URL", "REDIS_URL", "BOT_USERNAME", "MODE"}
    }
    return {
        **env,
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE": telegram.base_url,
        "XDG_DATA_HOME": str(folder / "xdg"),
        "DEFAULT_LOCALE": "ru",
    }


async def run(bin_dir: Path, folder: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(bin_dir / args[0]),
        *args[1:],
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_installed_wheel_is_a_working_bot(
    installed: Path, telegram: FakeTelegram, tmp_path: Path
) -> None:
    folder = tmp_path / "operator"
    folder.mkdir()
    env = outside_env(telegram, folder)

    status, where = await run(
        installed,
        folder,
        env,
        "python",
        "-c",
        "import bot, data, locales, storage; print(bot.__file__, data.__file__, locales.__file__)",
    )
    assert status == 0, where
    assert str(PROJECT_ROOT) not in where, "the checkout was imported, not the wheel"

    status, checked = await run(installed, folder, env, "participants-bot", "check")
    assert status == 0, checked
    assert "Missing translation" not in checked
    assert f"Бот в Telegram: @{BOT_USER['username']}" in checked
    # The default database is in the user's data directory, created on start and named.
    data_dir = folder / "xdg" / "participants-bot"
    assert f"Папка данных (база SQLite по умолчанию): {data_dir}" in checked
    assert data_dir.is_dir()

    # A translated message from the package's translator, and the reference data: the
    # import runs the migrations, whose municipalities come from the wheel.
    (folder / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    status, imported = await run(
        installed, folder, env, "participants-bot", "schools", "import", "schools.csv", "--apply"
    )
    assert status == 0, imported
    assert "Missing translation" not in imported
    assert "Импорт выполнен: новых школ 3, изменённых 0." in imported, imported
    status, welcome = await run(
        installed,
        folder,
        env,
        "python",
        "-c",
        "from bot.i18n import Translator; print(Translator('ru').get('ru', 'start-welcome'))",
    )
    assert status == 0, welcome
    assert welcome.startswith("Здравствуйте! Это бот участников проектов"), welcome

    # A survey template shipped in the wheel is loaded by its name.
    survey = ("participants-bot", "survey", "load", "pulse")
    status, loaded = await run(installed, folder, env, *survey)
    assert status == 0, loaded
    assert "✅ Опрос pulse загружен (версия 1)." in loaded, loaded
