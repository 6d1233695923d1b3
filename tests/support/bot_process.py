"""The real entry point (`python -m bot`) run as a subprocess for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.support.fake_telegram import FakeTelegram

TOKEN = "123456789:AAH-test-token-for-the-fake-bot-api_0"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """Starts, kills and restarts the bot against a FakeTelegram; its log goes to a file."""

    def __init__(self, telegram: FakeTelegram, workdir: Path, **env: str) -> None:
        self.telegram = telegram
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            **os.environ,
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE": telegram.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
            "LOG_LEVEL": "INFO",
            "REDIS_URL": "",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, *args: str, wait_ready: bool = True) -> None:
        since = len(self.telegram.calls)
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.starts += 1
        if wait_ready:
            # Polling has begun once the bot asks for updates.
            # Generous: on a loaded machine the imports alone take tens of seconds.
            await self.telegram.wait_for("getUpdates", since=since, timeout=60)

    async def cli(self, *args: str) -> str:
        """Runs an operator command (`python -m bot ARGS`) on the same database; its output."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=self.workdir,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, f"{args} failed: {stderr.decode()}"
        return stdout.decode()

    async def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self, timeout: float = 15) -> int:
        """SIGTERM, as systemd or docker would, and the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def wait_healthy(base_url: str, timeout: float = 60) -> dict[str, Any]:
    """GET /healthz until it answers 200 (its body): in webhook mode the server answers
    from the start, 503 "starting" until Telegram has answered and the scheduler runs."""
    import aiohttp

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = None
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            try:
                async with http.get(f"{base_url}/healthz") as response:
                    body: dict[str, Any] = await response.json()
                    last = body
                    if response.status == 200:
                        return body
            except aiohttp.ClientConnectionError as error:
                last = error
            await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never answered 200: {last}")
