"""Benchmark: the delivery loop sends N messages through the fake Bot API, which answers
429 beyond R sends a second, as Telegram does.

    .venv/bin/python -m bench.delivery [--messages 5000] [--rate 200]

Prints the achieved rate as a fraction of R (goal >= 0.95), the 429s received (goal 0),
lost and duplicated messages (must be 0), the transactions that claimed messages and wrote
their outcomes, and the time to enqueue all N in one statement
beside a plain INSERT of the same rows (the baseline measured in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bench.common import database_with_directors, plain_outbox_insert
from bot.services import delivery
from bot.services.delivery import Outgoing, Payload
from scheduler.delivery import DeliveryLoop
from storage.models import Participant
from tests.support.bot_process import TOKEN
from tests.support.fake_telegram import FakeTelegram

HEADROOM = 0.985


async def main(messages: int, rate: float) -> None:
    engine, sessions = await database_with_directors(messages, 10_000_000)
    async with sessions() as session:
        people = list(await session.scalars(select(Participant)))

    payload = Payload("📢 Объявление для руководителей: проверка доставки")
    async with sessions() as session:
        started = time.perf_counter()
        await delivery.enqueue(session, "bench", "b:1", [Outgoing(p, payload) for p in people])
        enqueue_seconds = time.perf_counter() - started
    # Baseline: the same rows with a plain INSERT and no conflict handling.
    baseline_seconds = await plain_outbox_insert(sessions, people, payload.as_json())

    telegram = FakeTelegram(TOKEN, rate_limit=rate)
    base = await telegram.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    # The loop runs a little under the limit, as the bot's default 25/s does under
    # Telegram's ~30/s: at exactly R, a few milliseconds of network jitter cross the line.
    loop = DeliveryLoop(bot, sessions, rate=rate * HEADROOM, concurrency=32)
    stop = asyncio.Event()
    started, cpu_started = time.perf_counter(), time.process_time()
    runner = asyncio.create_task(loop.run(stop))
    while sum(1 for c in telegram.calls if c.result is not None) < messages:
        if runner.done():
            break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    # CPU of this process (the loop and the fake API together) for the whole delivery:
    # steadier than the rate on a machine shared with other work.
    cpu = time.process_time() - cpu_started
    await asyncio.sleep(1)  # let the loop write the last outcomes, as it would at a stop
    stop.set()
    await runner
    delivered = Counter(
        call.chat_id
        for call in telegram.calls
        if call.method == "sendMessage" and call.result is not None
    )
    expected = {p.accounts[0].external_id for p in people}
    lost = len(expected - set(delivered))
    duplicated = sum(count - 1 for count in delivered.values() if count > 1)
    achieved = sum(delivered.values()) / elapsed
    async with sessions() as session:
        statuses = await delivery.counts(session, "bench", "b:")
    await bot.session.close()
    await telegram.stop()
    await engine.dispose()

    print(f"messages:            {messages}")
    print(
        f"enqueue (bulk, idempotent): {enqueue_seconds * 1000:.0f} ms; "
        f"plain INSERT baseline: {baseline_seconds * 1000:.0f} ms; "
        f"ratio {enqueue_seconds / baseline_seconds:.2f}"
    )
    print(f"delivery time:       {elapsed:.1f} s")
    print(f"fake API limit R:    {rate:.0f}/s (the loop is set to {rate * HEADROOM:.0f}/s)")
    print(f"achieved rate:       {achieved:.1f}/s = {achieved / rate:.3f} of R (goal >= 0.95)")
    print(f"CPU (loop + fake):   {cpu * 1000 / messages:.2f} ms a message")
    print(f"429 received:        {telegram.too_many_requests} (goal 0)")
    print(f"lost:                {lost} (must be 0)")
    print(f"duplicated:          {duplicated} (must be 0)")
    print(f"outbox statuses:     {statuses}")
    print(
        f"transactions:        {loop.transactions} for claims and outcomes "
        f"({loop.transactions / messages:.2f} a message)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.rate))
