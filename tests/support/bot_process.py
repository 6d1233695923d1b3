"""The real entry point (`python -m bot`) run as a subprocess for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.support.fake_max import FakeMax
from tests.support.fake_telegram import FakeTelegram

TOKEN = "123456789:AAH-test-token-for-the-fake-bot-api_0"
MAX_TOKEN = "max-e2e-token-for-the-fake-max-api"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A start-up takes some 7 s of CPU on the development machine.
START_CPU_SECONDS = 60
START_WALL_SECONDS = 600


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a running process has used so far; where there is no
    /proc to read it from, 0, so that START_WALL_SECONDS alone limits the wait."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The fields after the command name (which may hold spaces), from the 3rd: utime is the
    # 14th field, stime the 15th, in clock ticks.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """Starts, kills and restarts the bot against a FakeTelegram, a FakeMax or both (None:
    that messenger is off, its token unset); its log goes to a file."""

    def __init__(
        self,
        telegram: FakeTelegram | None,
        workdir: Path,
        *,
        max_api: FakeMax | None = None,
        **env: str,
    ) -> None:
        self.telegram = telegram
        self.max_api = max_api
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        messengers: dict[str, str] = {}
        if telegram is not None:
            messengers |= {"BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE": telegram.base_url}
        if max_api is not None:
            messengers |= {"MAX_TOKEN": max_api.token, "MAX_API_BASE": max_api.base_url}
        unset = ("BOT_TOKEN", "TELEGRAM_API_BASE", "MAX_TOKEN", "MAX_API_BASE")
        self.env = {
            **{name: value for name, value in os.environ.items() if name not in unset},
            **messengers,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
            "LOG_LEVEL": "INFO",
            "REDIS_URL": "",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, *args: str, wait_ready: bool = True) -> None:
        since = self._calls()
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
            await self._wait_polling(since)

    def _calls(self) -> tuple[int, int]:
        return (
            len(self.telegram.calls) if self.telegram is not None else 0,
            len(self.max_api.calls) if self.max_api is not None else 0,
        )

    def polling(self, since: tuple[int, int]) -> bool:
        """Whether every messenger's fake has been asked for updates since `since`."""
        telegram, max_api = self.telegram, self.max_api
        return (
            telegram is None or any(c.method == "getUpdates" for c in telegram.calls[since[0] :])
        ) and (max_api is None or any(c.path == "/updates" for c in max_api.calls[since[1] :]))

    async def _wait_polling(self, since: tuple[int, int]) -> None:
        """Until the bot asks each messenger for updates (polling has begun). Its start-up is
        seconds of CPU (aiogram's imports), stretched many times over on a machine the other
        tests load; so a bot that has used START_CPU_SECONDS of CPU without polling, or
        exited, fails the test, while one that waits its turn for a core is waited for (up
        to START_WALL_SECONDS)."""
        assert self.process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_WALL_SECONDS

        fake = self.telegram if self.telegram is not None else self.max_api
        assert fake is not None

        def polling() -> bool:
            return self.polling(since)

        while not await fake.settle(polling, timeout=0.5):
            assert self.process.returncode is None, (
                f"the bot exited ({self.process.returncode}) before polling:\n{self.log()}"
            )
            used = cpu_seconds(self.process.pid)
            if used >= START_CPU_SECONDS or loop.time() >= deadline:
                raise AssertionError(
                    f"no request for updates after {used:.1f} s of the bot's CPU:\n{self.log()}"
                )

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
