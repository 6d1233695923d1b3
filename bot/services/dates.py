"""Dates and times typed by a person (the operator's command line): the Russian way
(ДД.ММ.ГГГГ ЧЧ:ММ) or ISO 8601 (ГГГГ-ММ-ДД ЧЧ:ММ, with `T` or a space, seconds optional),
read in the local zone. Anything else is refused with `error-bad-moment`/`error-bad-day`,
whose text names both accepted forms."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.services.errors import DomainError

# Strict shapes first: `datetime.fromisoformat` alone would also take "20261220", a date
# without a time, or an offset, which a person did not mean to type.
_RUSSIAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RUSSIAN_MOMENT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?")


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """«20.12.2026 18:00», «2026-12-20 18:00», «2026-12-20T18:00:00» → aware, in `zone`."""
    cleaned = " ".join(text.split())
    try:
        if match := _RUSSIAN_MOMENT.fullmatch(cleaned):
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            return datetime(year, month, day, hour, minute, second, tzinfo=zone)
        if _ISO_MOMENT.fullmatch(cleaned):
            return datetime.fromisoformat(cleaned).replace(tzinfo=zone)
    except ValueError:  # 31.02.2026, 25:00: the shape is right, the calendar says no
        pass
    raise DomainError("bad-moment", value=text)


def parse_day(text: str) -> date:
    """«20.12.2026» or «2026-12-20»."""
    cleaned = text.strip()
    try:
        if match := _RUSSIAN.fullmatch(cleaned):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if _ISO_DAY.fullmatch(cleaned):
            return date.fromisoformat(cleaned)
    except ValueError:
        pass
    raise DomainError("bad-day", value=text)
