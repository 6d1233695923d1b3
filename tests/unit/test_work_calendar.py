"""The production calendar the bot flags holidays by (bot/services/work_calendar.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services import work_calendar


def test_the_new_year_holidays_of_2027_are_flagged_in_both_languages() -> None:
    # The reported case: `events series` put a meeting on Monday 04.01.2027.
    assert work_calendar.holiday(date(2027, 1, 4)) == "Новогодние каникулы"
    assert work_calendar.holiday(date(2027, 1, 4), "en") == "New Year Holidays"
    assert not work_calendar.is_working_day(date(2027, 1, 4))


def test_a_day_off_moved_by_the_decree_is_a_holiday_and_its_saturday_a_working_day() -> None:
    # 2027: Saturday 20 February is worked so that Monday 22 February is free.
    assert work_calendar.holiday(date(2027, 2, 22)) == "Выходной (перенесено с 20.02.2027)"
    assert work_calendar.is_working_day(date(2027, 2, 20))
    assert work_calendar.holiday(date(2027, 2, 20)) is None
    # An ordinary Saturday is not working, yet not a holiday to warn about either.
    assert not work_calendar.is_working_day(date(2027, 2, 27))
    assert work_calendar.holiday(date(2027, 2, 27)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 4), date(2027, 1, 11)),  # after the whole New Year break
        (date(2027, 2, 19), date(2027, 2, 20)),  # the transferred working Saturday
        (date(2027, 2, 22), date(2027, 2, 24)),  # over the day off and 23 February
        (date(2026, 12, 30), date(2027, 1, 11)),  # 31.12.2026 is a day off: across the year
        (date(2027, 3, 5), date(2027, 3, 9)),  # a weekend, then 8 March
    ],
)
def test_the_next_working_day(day: date, expected: date) -> None:
    assert work_calendar.next_working_day(day) == expected


def test_ordinary_working_days_are_not_flagged() -> None:
    assert work_calendar.holiday(date(2026, 12, 7)) is None
    assert work_calendar.is_working_day(date(2026, 12, 7))
