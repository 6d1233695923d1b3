"""Benchmark: enqueueing an announcement for 10,000 recipients.

    .venv/bin/python -m bench.broadcast_enqueue [--recipients 10000]

Times `broadcasts.create` (audience resolution, the broadcast row, one bulk idempotent
insert into the outbox) and, in the same run, a bare executemany INSERT of the same number
of outbox rows as the baseline; prints both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import select

from bench.common import database_with_directors, plain_outbox_insert
from bot.services import broadcasts
from bot.services.audience import Audience
from bot.services.delivery import Payload
from storage.models import (
    Account,
    Broadcast,
    Channel,
    Participant,
    Role,
)
from storage.types import utcnow


async def main(recipients: int) -> None:
    engine, sessions = await database_with_directors(recipients, 20_000_000)
    now = utcnow()
    async with sessions() as session:
        session.add(
            Participant(
                accounts=[Account(channel=Channel.TELEGRAM, external_id=1)],
                locale="ru",
                role=Role.REGIONAL_COORDINATOR,
                full_name="Регион",
                registered_at=now,
                created_at=now,
            )
        )
        await session.commit()
        author = await session.scalar(
            select(Participant).join(Account).where(Account.external_id == 1)
        )
        assert author is not None

    def render(broadcast: Broadcast, _: Participant) -> Payload:
        return Payload(broadcast.text)

    async with sessions() as session:
        author = await session.merge(author)
        started = time.perf_counter()
        created = await broadcasts.create(
            session,
            author,
            text="Объявление",
            audience=Audience(roles=(Role.DIRECTOR,)),
            send_at=now,
            render=render,
        )
        create_seconds = time.perf_counter() - started
    async with sessions() as session:
        people = list(await session.scalars(select(Participant)))
    baseline_seconds = await plain_outbox_insert(sessions, people, {"text": "x"})
    await engine.dispose()
    print(f"recipients:                 {created.recipients}")
    print(f"broadcasts.create (enqueue): {create_seconds * 1000:.0f} ms")
    print(f"bare executemany INSERT:     {baseline_seconds * 1000:.0f} ms")
    print(f"ratio:                       {create_seconds / baseline_seconds:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().recipients))
