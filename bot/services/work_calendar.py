"""The Russian production calendar: public holidays and the days off the government's
yearly decree moves (a Saturday worked so that a Monday is free), as the `holidays`
package knows them. Pure functions of a local date."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# The package's own translations of the holidays' names, by the bot's locale.
_RUSSIAN = "ru"
_LANGUAGES = {"ru": _RUSSIAN, "en": "en_US"}
# No run of days off in Russia is this long; a bound, so a gap in the data cannot loop.
_LONGEST_BREAK = 31


@lru_cache(maxsize=32)
def _year(year: int, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year, language=language)


def holiday(day: date, locale: str = "ru") -> str | None:
    """The name of the public holiday or transferred day off on `day` (in `locale`), or
    None: a working day, or an ordinary Saturday or Sunday."""
    name = _year(day.year, _LANGUAGES.get(locale, _RUSSIAN)).get(day)
    return str(name) if name is not None else None


def is_working_day(day: date) -> bool:
    """Monday to Friday unless a holiday or a day off, and a Saturday the decree made a
    working one."""
    return bool(_year(day.year, _RUSSIAN).is_working_day(day))


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    candidate = day + timedelta(days=1)
    for _ in range(_LONGEST_BREAK):
        if is_working_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    return candidate
