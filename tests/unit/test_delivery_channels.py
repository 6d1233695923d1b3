"""Each messenger's way out of the outbox: what its errors mean (the outcome, and how long
its own sends wait), a lane of limits per messenger, and MAX's text limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from maxapi.exceptions import MaxApiError, MaxConnection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.screens import Screen
from bot.max.delivery import MaxSender
from bot.max.markup import ELLIPSIS, parts_of, shortened
from bot.services import delivery, participants
from bot.services.delivery import Outgoing, Payload, Refusal, RetryPolicy
from bot.telegram.delivery import TelegramSender
from scheduler.delivery import DeliveryLoop
from storage.models import Channel, OutboxMessage, OutboxStatus
from tests.support.recording import recording_bot

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
METHOD = SendMessage(chat_id=1, text="x")


def _row(channel: Channel) -> OutboxMessage:
    return OutboxMessage(id=1, participant_id=2, channel=channel, chat_id=3, attempts=2, due_at=NOW)


@pytest.mark.parametrize(
    ("error", "status", "attempts", "due_in", "pause"),
    [
        (TelegramRetryAfter(METHOD, "Too Many Requests", 7), OutboxStatus.PENDING, 2, 7, 7.0),
        (TelegramForbiddenError(METHOD, "blocked"), OutboxStatus.BLOCKED, 3, 0, 0.0),
        (TelegramServerError(METHOD, "Internal"), OutboxStatus.PENDING, 3, 8, 0.0),
        (TelegramNetworkError(METHOD, "refused"), OutboxStatus.PENDING, 3, 8, 0.0),
        (TelegramBadRequest(METHOD, "chat not found"), OutboxStatus.FAILED, 3, 0, 0.0),
        (RuntimeError("HTML instead of JSON"), OutboxStatus.PENDING, 3, 8, 0.0),
    ],
)
def test_telegrams_errors_as_outcomes(
    error: Exception, status: OutboxStatus, attempts: int, due_in: int, pause: float
) -> None:
    sender = TelegramSender(recording_bot()[0], files=None)  # type: ignore[arg-type]  # none sent
    refusal = sender.refusal(_row(Channel.TELEGRAM), error, NOW, RetryPolicy())
    assert (refusal.outcome.status, refusal.outcome.attempts, refusal.pause) == (
        status,
        attempts,
        pause,
    )
    if due_in:
        assert refusal.outcome.due_at == NOW + timedelta(seconds=due_in)


@pytest.mark.parametrize(
    ("error", "status", "attempts", "pause"),
    [
        (MaxApiError(code=429, raw={"code": "too.many.requests"}), OutboxStatus.PENDING, 2, 1.0),
        (MaxApiError(code=403, raw={"code": "chat.denied"}), OutboxStatus.BLOCKED, 3, 0.0),
        (MaxApiError(code=503, raw="Service Unavailable"), OutboxStatus.PENDING, 3, 0.0),
        (MaxConnection("refused"), OutboxStatus.PENDING, 3, 0.0),
        (MaxApiError(code=400, raw={"code": "proto.payload"}), OutboxStatus.FAILED, 3, 0.0),
        # maxapi refuses a text of 4,000 characters itself: sending again will not help.
        (ValueError("text должен быть меньше 4000 символов"), OutboxStatus.FAILED, 3, 0.0),
    ],
)
def test_maxs_errors_as_outcomes(
    error: Exception, status: OutboxStatus, attempts: int, pause: float
) -> None:
    sender = MaxSender(bot=None, files=None, rate=25)  # type: ignore[arg-type]  # nothing is sent
    refusal = sender.refusal(_row(Channel.MAX), error, NOW, RetryPolicy())
    assert (refusal.outcome.status, refusal.outcome.attempts, refusal.pause) == (
        status,
        attempts,
        pause,
    )


class Refusing:
    """A messenger that answers every send with a 429 of `pause` seconds."""

    rate = 50.0

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.tries = 0

    async def send(self, chat_id: int, screen: Screen) -> int:
        self.tries += 1
        raise RuntimeError("429")

    def refusal(
        self, row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy
    ) -> Refusal:
        return Refusal(delivery.retry_after(row, str(error), now), self.pause)


async def test_each_messenger_has_its_own_limits(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """A 429 on MAX pauses MAX's limiter only; MAX's rate is its sender's, Telegram's the
    loop's (DELIVERY_RATE)."""
    telegram = await participants.visit(session, Channel.TELEGRAM, 9001, "ru")
    on_max = await participants.visit(session, Channel.MAX, 9002, "ru")
    await delivery.enqueue(
        session, "r", "r:1", [Outgoing(telegram, Payload("x")), Outgoing(on_max, Payload("x"))]
    )
    bot, recording = recording_bot()
    refusing = Refusing(pause=60)
    loop = DeliveryLoop(bot, session_factory, rate=20, senders={Channel.MAX: refusing})
    await loop.drain_once()
    lanes = loop._lanes
    assert (lanes[Channel.TELEGRAM].read_ahead, lanes[Channel.MAX].read_ahead) == (20, 50)
    assert refusing.tries == 1
    assert len(recording.requests) == 1  # Telegram's went out
    paused_until = {c: lane.limiter._paused_until for c, lane in lanes.items()}
    assert paused_until[Channel.TELEGRAM] == 0.0
    assert paused_until[Channel.MAX] > 0.0


def _text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _balanced(html: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)(\w+)", html):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def test_a_long_roster_is_split_at_lines_into_valid_markup() -> None:
    roster = "<b>Не ответили</b>\n" + "\n".join(
        f"{i}. <i>Иванова &amp; Петрова</i>, <b>СОШ № {i}</b>" for i in range(400)
    )
    parts = parts_of(roster, 3999)
    assert len(parts) > 1
    assert all(len(part) <= 3999 for part in parts)
    assert all(_balanced(part) for part in parts)
    assert "\n".join(parts) == roster  # cut at line ends: nothing lost, nothing added


def test_a_long_paragraph_is_cut_at_a_word_with_an_ellipsis_and_its_tags_reopened() -> None:
    paragraph = "<b>" + "совещание " * 700 + "</b>"
    first, second = parts_of(paragraph, 3999)
    assert first.endswith("совещание</b>" + ELLIPSIS)
    assert second.startswith("<b>совещание")
    assert _text_of(first)[: -len(ELLIPSIS)].split() + _text_of(second).split() == (
        ["совещание"] * 700
    )
    # An entity is never cut in two, a word without spaces only where it must be.
    assert all("&am" not in part.replace("&amp;", "") for part in parts_of("&amp;" * 1000, 100))
    assert [len(part) for part in parts_of("ж" * 250, 100)] == [100, 100, 52]


def test_an_edit_keeps_one_message_cut_with_an_ellipsis() -> None:
    roster = "\n".join(f"{i}. Иванова Ирина Петровна" for i in range(400))
    cut = shortened(roster, 3999)
    assert len(cut) <= 3999
    assert cut.endswith(ELLIPSIS)
    assert roster.startswith(cut[: -len(ELLIPSIS)])
    assert shortened("Коротко", 3999) == "Коротко"
