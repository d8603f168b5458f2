"""US federal holidays (5 U.S.C. 6103) and business days, for the desired port date and the
FOC date. Carriers port on business days only, and count their lead time in business days.

Computed here rather than taken from a holidays package: the rules are few and fixed, and the
observed-date rule is the one the federal government (and the carriers) use: a holiday on a
Saturday is observed on the Friday before, one on a Sunday on the Monday after, so New Year's
Day 2022 (a Saturday) was observed on Friday 31 December 2021.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import cache

MONDAY, THURSDAY = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _holidays_of(year: int) -> dict[date, str]:
    """The holidays whose actual date falls in ``year``, at their observed dates."""
    fixed = [(date(year, 1, 1), "New Year's Day"), (date(year, 7, 4), "Independence Day"),
             (date(year, 11, 11), "Veterans Day"), (date(year, 12, 25), "Christmas Day")]
    if year >= 2021:
        fixed.append((date(year, 6, 19), "Juneteenth National Independence Day"))
    found = {_observed(day): name for day, name in fixed}
    found.update({
        _nth_weekday(year, 1, MONDAY, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, MONDAY, 3): "Washington's Birthday",
        _last_weekday(year, 5, MONDAY): "Memorial Day",
        _nth_weekday(year, 9, MONDAY, 1): "Labor Day",
        _nth_weekday(year, 10, MONDAY, 2): "Columbus Day",
        _nth_weekday(year, 11, THURSDAY, 4): "Thanksgiving Day",
    })
    return found


@cache
def federal_holidays(year: int) -> dict[date, str]:
    """Observed federal holidays falling in ``year`` (including 31 December when the next New
    Year's Day is a Saturday), date -> name."""
    found: dict[date, str] = {}
    for source in (y for y in (year - 1, year, year + 1) if MINYEAR < y < MAXYEAR):
        found.update({d: n for d, n in _holidays_of(source).items() if d.year == year})
    return found


def holiday_name(day: date) -> str | None:
    return federal_holidays(day.year).get(day)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The business day ``count`` business days after ``start``."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day
