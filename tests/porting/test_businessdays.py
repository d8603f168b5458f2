from __future__ import annotations

from datetime import date

from orion.porting.businessdays import (
    add_business_days,
    federal_holidays,
    holiday_name,
    is_business_day,
)


def test_the_federal_holidays_of_2026_at_their_observed_dates():
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3),  # 4 July is a Saturday: observed on Friday
        date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26),
        date(2026, 12, 25)]


def test_observed_rules_cross_the_year_and_move_sundays_to_monday():
    # New Year's Day 2022 was a Saturday: observed on Friday 31 December 2021.
    assert holiday_name(date(2021, 12, 31)) == "New Year's Day"
    assert holiday_name(date(2022, 1, 1)) is None
    # Christmas 2022 was a Sunday: observed on Monday 26 December.
    assert holiday_name(date(2022, 12, 26)) == "Christmas Day"
    # Juneteenth only from 2021.
    assert holiday_name(date(2020, 6, 19)) is None
    assert holiday_name(date(2023, 6, 19)) == "Juneteenth National Independence Day"


def test_business_days_skip_weekends_and_holidays():
    assert not is_business_day(date(2026, 11, 28))  # a Saturday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    # Monday 23 Nov 2026 + 5 business days: 24, 25, (26 Thanksgiving), 27, 30 Nov, 1 Dec.
    assert add_business_days(date(2026, 11, 23), 5) == date(2026, 12, 1)
    assert add_business_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
