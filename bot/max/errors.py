"""What a failed MAX call means for the outbox: the outcomes Telegram's errors get.

MAX answers an error with its HTTP status and `{"code": …, "message": …}`; maxapi raises
`MaxApiError(code=<status>, raw=<body>)`, `MaxConnection` for the network and
`InvalidToken` for 401. MAX gives no `retry_after` with a 429 (and maxapi does not pass
the headers on), so a rate limit is waited out for RATE_LIMIT_PAUSE.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import Enum

from maxapi.exceptions import InvalidToken, MaxApiError, MaxConnection

from bot.services import delivery
from bot.services.delivery import Outcome, RetryPolicy
from storage.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)
RATE_LIMIT_PAUSE = timedelta(seconds=1)  # MAX documents 30 requests a second


class Verdict(Enum):
    WAIT = "wait"  # rate limited: pending again after a pause, no try counted
    UNREACHABLE = "unreachable"  # blocked the bot: nothing more is sent to them
    RETRY = "retry"  # an outage: the retry policy's pause
    FAIL = "fail"  # refused: sending it again will not help


def verdict_of(error: Exception) -> Verdict:
    if isinstance(error, MaxConnection):
        return Verdict.RETRY
    if isinstance(error, InvalidToken):
        return Verdict.FAIL
    if isinstance(error, MaxApiError):
        if error.code == 429:
            return Verdict.WAIT
        if error.code == 403:  # «chat.denied»: the person blocked the bot or left the dialog
            return Verdict.UNREACHABLE
        if error.code >= 500:
            return Verdict.RETRY
        return Verdict.FAIL
    if isinstance(error, ValueError):  # maxapi's own checks (a text too long): as a 400
        return Verdict.FAIL
    # Anything else (a proxy's HTML page instead of JSON, say) is treated like a 5xx.
    return Verdict.RETRY


def outcome_of(row: OutboxMessage, error: Exception, now: datetime, policy: RetryPolicy) -> Outcome:
    """The outcome of a send that raised `error`, as scheduler/delivery.py writes
    Telegram's."""
    text = str(error)[:500]
    verdict = verdict_of(error)
    if verdict is Verdict.WAIT:
        logger.warning("MAX asks to wait (429)")
        return delivery.retry_after(row, text, now + RATE_LIMIT_PAUSE)
    if verdict is Verdict.RETRY:
        return delivery.retry_or_fail(row, text, now, policy)
    if verdict is Verdict.UNREACHABLE:
        logger.info("Participant %s is unreachable on MAX (403)", row.participant_id)
    status = OutboxStatus.BLOCKED if verdict is Verdict.UNREACHABLE else OutboxStatus.FAILED
    return Outcome(row.id, row.participant_id, status, row.attempts + 1, row.due_at, error=text)
