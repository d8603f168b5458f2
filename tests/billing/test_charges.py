"""The billing arithmetic, without a database: proration, month ends, leap years, time zones."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orion.billing.charges import (
    BillingMonth,
    Subscription,
    charge_for,
    charges_for_month,
    local_date,
    money,
    prorate,
    totals,
)
from orion.billing.exceptions import InvalidMonth

prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2)
months = st.builds(BillingMonth, st.integers(2000, 2999), st.integers(1, 12))
ZONES = ["America/New_York", "America/Los_Angeles", "America/Chicago", "Pacific/Honolulu",
         "America/Anchorage", "Europe/London", "Asia/Kolkata", "Pacific/Kiritimati", "UTC"]


def sub(*, charge_type: str = "MRC", unit_price: str = "30.00", quantity: int = 1,
        start: date, ends_on: date | None = None, line_id: int = 1, customer_id: int = 1,
        customer_name: str = "Acme") -> Subscription:
    return Subscription(
        line_id=line_id, order_id=1, order_number="ORD-1", customer_id=customer_id,
        customer_name=customer_name, enterprise_name="Acme", partner_name="Partner A",
        time_zone="America/New_York", package="Enterprise Standard", charge_type=charge_type,
        quantity=quantity, unit_price=Decimal(unit_price), billing_start=start,
        ends_on=ends_on)


# -- months ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "days"), [
    ("2026-01", 31), ("2026-02", 28), ("2028-02", 29), ("2100-02", 28), ("2000-02", 29),
    ("2026-04", 30), ("2026-12", 31)])
def test_days_in_month_follow_the_calendar(text, days):
    month = BillingMonth.parse(text)
    assert month.days == days
    assert month.last == date(month.year, month.month, days)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-12", "2026/12", "", "2026-1",
                                  "1999-12"])
def test_a_bad_month_says_how_to_write_one(text):
    with pytest.raises(InvalidMonth, match="YYYY-MM"):
        BillingMonth.parse(text)


def test_next_and_previous_cross_the_year():
    assert BillingMonth.parse("2026-12").next() == BillingMonth(2027, 1)
    assert BillingMonth.parse("2027-01").previous() == BillingMonth(2026, 12)


# -- proration -------------------------------------------------------------------------------

def test_worked_example_from_the_docs():
    # 3 seats at 29.99 from 2026-12-10: 22 of 31 days.
    s = sub(unit_price="29.99", quantity=3, start=date(2026, 12, 10))
    charge = charge_for(s, BillingMonth(2026, 12))
    assert (charge.period_start, charge.period_end, charge.days) == (
        date(2026, 12, 10), date(2026, 12, 31), 22)
    # round(89.97 * 31/31) - round(89.97 * 9/31) = 89.97 - 26.12
    assert charge.amount == Decimal("63.85")
    assert charge.is_prorated
    assert charge_for(s, BillingMonth(2027, 1)).amount == Decimal("89.97")
    assert charge_for(s, BillingMonth(2026, 11)) is None


def test_a_full_month_is_exactly_the_price():
    s = sub(unit_price="19.99", quantity=7, start=date(2026, 1, 1))
    for m in (1, 2, 3, 4):
        assert charge_for(s, BillingMonth(2026, m)).amount == Decimal("139.93")


def test_nrc_bills_once_in_the_month_of_the_billing_start_date():
    s = sub(charge_type="NRC", unit_price="150.00", quantity=2, start=date(2026, 12, 31))
    assert charge_for(s, BillingMonth(2026, 12)).amount == Decimal("300.00")
    assert charge_for(s, BillingMonth(2026, 12)).period == "2026-12-31"
    assert charge_for(s, BillingMonth(2027, 1)) is None
    assert charge_for(s, BillingMonth(2026, 11)) is None


def test_cancelled_service_stops_at_the_end_of_its_day():
    s = sub(unit_price="31.00", start=date(2026, 1, 1), ends_on=date(2026, 3, 10))
    assert charge_for(s, BillingMonth(2026, 3)).amount == Decimal("10.00")
    assert charge_for(s, BillingMonth(2026, 3)).period_end == date(2026, 3, 10)
    assert charge_for(s, BillingMonth(2026, 4)) is None


def test_cancelled_before_billing_started_bills_nothing():
    mrc = sub(start=date(2026, 5, 10), ends_on=date(2026, 5, 9))
    nrc = sub(charge_type="NRC", start=date(2026, 5, 10), ends_on=date(2026, 5, 9))
    assert charge_for(mrc, BillingMonth(2026, 5)) is None
    assert charge_for(nrc, BillingMonth(2026, 5)) is None


def test_cancelled_on_the_billing_start_day_bills_that_one_day():
    s = sub(unit_price="30.00", start=date(2026, 4, 15), ends_on=date(2026, 4, 15))
    charge = charge_for(s, BillingMonth(2026, 4))
    assert (charge.days, charge.amount) == (1, Decimal("1.00"))


def test_half_cents_round_up():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("0.0049")) == Decimal("0.00")
    # 10.00 * 15 / 31 = 4.8387... -> 4.84
    assert prorate(Decimal("10.00"), first_day=1, last_day=15, days_in_month=31) == Decimal(
        "4.84")


def test_leap_day_is_a_billed_day():
    s = sub(unit_price="29.00", start=date(2028, 2, 29))
    assert charge_for(s, BillingMonth(2028, 2)).amount == Decimal("1.00")
    s = sub(unit_price="28.00", start=date(2027, 2, 28))
    assert charge_for(s, BillingMonth(2027, 2)).amount == Decimal("1.00")


@given(price=prices, month=months, data=st.data())
def test_prorated_parts_of_a_month_sum_to_the_full_month(price, month, data):
    cuts = sorted(data.draw(st.sets(st.integers(2, month.days), max_size=6)))
    bounds = [1, *cuts, month.days + 1]
    parts = [prorate(price, first_day=a, last_day=b - 1, days_in_month=month.days)
             for a, b in itertools.pairwise(bounds)]
    assert sum(parts) == price
    assert all(p >= 0 for p in parts)


@given(price=prices, month=months, data=st.data())
def test_start_and_cancel_in_one_month_split_it_exactly(price, month, data):
    """Service cancelled on day d and a new one from d+1: the month is billed exactly once."""
    d = data.draw(st.integers(1, month.days - 1))
    first = sub(unit_price=str(price), start=month.first - timedelta(days=40),
                ends_on=month.first + timedelta(days=d - 1))
    second = sub(unit_price=str(price), start=month.first + timedelta(days=d), line_id=2)
    a, b = charge_for(first, month), charge_for(second, month)
    assert a.days + b.days == month.days
    assert a.amount + b.amount == price


@given(price=prices, month=months, day=st.data())
def test_partial_month_is_within_a_cent_of_price_times_days_over_month(price, month, day):
    start = day.draw(st.integers(1, month.days))
    amount = prorate(price, first_day=start, last_day=month.days, days_in_month=month.days)
    exact = price * (month.days - start + 1) / month.days
    assert abs(amount - exact) <= Decimal("0.01")
    assert Decimal("0") <= amount <= price


@given(start=st.dates(date(2000, 1, 1), date(2999, 11, 30)), price=prices,
       quantity=st.integers(1, 9999))
def test_every_day_from_the_start_is_billed_once(start, price, quantity):
    """Over the start month and the next, billed days = days of service, whatever the dates."""
    s = sub(unit_price=str(price), quantity=quantity, start=start)
    m1 = BillingMonth.of(start)
    m2 = m1.next()
    c1, c2 = charge_for(s, m1), charge_for(s, m2)
    assert c1.days == (m1.last - start).days + 1
    assert c2.days == m2.days and c2.amount == money(price * quantity)


# -- time zones around midnight --------------------------------------------------------------

@pytest.mark.parametrize(("utc", "zone", "day"), [
    # 03:30 UTC on March 1 is still February 28 (22:30) in New York, Feb 29 in a leap year.
    ("2026-03-01T03:30:00", "America/New_York", date(2026, 2, 28)),
    ("2028-03-01T03:30:00", "America/New_York", date(2028, 2, 29)),
    ("2026-03-01T05:00:00", "America/New_York", date(2026, 3, 1)),
    ("2026-12-31T23:30:00", "Pacific/Kiritimati", date(2027, 1, 1)),  # UTC+14
    ("2027-01-01T09:59:00", "Pacific/Honolulu", date(2026, 12, 31)),  # UTC-10
    ("2026-11-01T05:30:00", "America/New_York", date(2026, 11, 1)),   # DST ends that day
    ("2026-03-08T06:59:00", "America/New_York", date(2026, 3, 8)),    # DST starts that day
    ("2026-01-31T18:29:00", "Asia/Kolkata", date(2026, 1, 31)),       # UTC+5:30
    ("2026-01-31T18:30:00", "Asia/Kolkata", date(2026, 2, 1)),
])
def test_cancellation_day_is_the_customers_day(utc, zone, day):
    moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert local_date(moment, zone) == day


def test_cancel_late_evening_new_york_bills_through_that_day_only():
    ends = local_date(datetime(2026, 3, 1, 3, 30, tzinfo=UTC), "America/New_York")
    s = sub(unit_price="28.00", start=date(2026, 2, 1), ends_on=ends)
    assert charge_for(s, BillingMonth(2026, 2)).amount == Decimal("28.00")
    assert charge_for(s, BillingMonth(2026, 3)) is None


@given(moment=st.datetimes(datetime(2000, 1, 1), datetime(2999, 1, 1),
                           timezones=st.just(UTC)), zone=st.sampled_from(ZONES))
def test_local_date_is_within_a_day_of_utc(moment, zone):
    assert abs((local_date(moment, zone) - moment.date()).days) <= 1


# -- totals and order ------------------------------------------------------------------------

def test_totals_split_mrc_and_nrc_per_customer_and_order_is_fixed():
    subs = [sub(start=date(2026, 12, 1), customer_id=2, customer_name="Zeta", line_id=5),
            sub(charge_type="NRC", unit_price="99.00", start=date(2026, 12, 5), line_id=3),
            sub(start=date(2026, 12, 1), line_id=4)]
    charges = charges_for_month(subs, BillingMonth(2026, 12))
    assert [c.subscription.line_id for c in charges] == [4, 3, 5]
    assert charges == charges_for_month(list(reversed(subs)), BillingMonth(2026, 12))
    t = totals(charges)
    assert (t.mrc, t.nrc, t.total) == (Decimal("60.00"), Decimal("99.00"), Decimal("159.00"))
    assert [(c.customer_name, c.total) for c in t.customers] == [
        ("Acme", Decimal("129.00")), ("Zeta", Decimal("30.00"))]
