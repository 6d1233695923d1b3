"""Start-up calls to a messenger's API, repeated with a capped backoff until it answers.

Telegram's (bot.telegram.bot_api.until_answered) and MAX's (bot.max.runner) start-up
both wait here: while the API is unreachable or answers 5xx/429, the calls (each harmless
to repeat) are tried again after 1, 2, 4 … 60 s, one warning line per attempt and no
traceback; SIGTERM stops the wait at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# 1, 2, 4 … seconds between attempts, never more than this.
BACKOFF_CAP_SECONDS = 60.0

# The pause an error asks for at least (0: the backoff's), or None: not a passing failure.
Transient = Callable[[BaseException], float | None]


async def until_answered(
    step: Callable[[], Awaitable[object]],
    stopping: asyncio.Event,
    *,
    service: str,
    transient: Transient,
    describe: Callable[[BaseException], str],
    first: float = 1.0,
    cap: float = BACKOFF_CAP_SECONDS,
) -> bool:
    """Runs `step` until `service` answers it, waiting `first`, twice that, four times …
    at most `cap` seconds between attempts, one log line each; an error `transient` does
    not call passing is raised. False as soon as `stopping` is set, even mid-attempt."""
    delay = first
    attempt = 1
    while not stopping.is_set():
        try:
            if not await unless_stopped(step(), stopping):
                return False
        except Exception as error:
            least = transient(error)
            if least is None:
                raise
            wait = max(delay, least)
            logger.warning(
                "%s does not answer (attempt %d, %s); next attempt in %g s",
                service,
                attempt,
                describe(error),
                wait,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), wait)
            delay = min(delay * 2, cap)
            attempt += 1
        else:
            if attempt > 1:
                logger.info("%s answers (attempt %d)", service, attempt)
            return True
    return False


async def unless_stopped(work: Awaitable[object], stopping: asyncio.Event) -> bool:
    """Awaits `work` (its error raised here); False, `work` cancelled, if `stopping` is
    set first: a connection that hangs must not hold up a SIGTERM."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()
    return True
