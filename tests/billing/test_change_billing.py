"""Billing of change orders (issue 17): a change line bills its delta from the effective date,
prorated by days like a first month; a decrease is a negative (credit) line; the lines before
it keep their frozen prices; an NRC of a change bills once on its date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orion.billing import selectors
from orion.billing.charges import BillingMonth, Subscription, charges_for_month, totals
from orion.billing.export import export_csv
from orion.billing.services import invoice_run_record
from orion.core.clock import local_today
from orion.orders import services as order_services
from tests import factories as f

months = st.builds(BillingMonth, st.integers(2000, 2999), st.integers(1, 12))
# The tests that bill the month after too need a month that has one (2999-12 is the last).
months_with_a_next = months.filter(lambda m: (m.year, m.month) != (2999, 12))
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)


def _line(line_id: int, quantity: int, start: date, price: Decimal) -> Subscription:
    return Subscription(
        line_id=line_id, order_id=line_id, order_number=f"ORD-{line_id}", customer_id=1,
        customer_name="Acme", enterprise_name="Acme", partner_name="Partner A",
        time_zone="America/New_York", package="Enterprise Standard", charge_type="MRC",
        quantity=quantity, unit_price=price, billing_start=start)


@st.composite
def changes_in_a_month(draw):
    """A base quantity from before the month, then changes on days of it (raise or lower,
    never below 0), each one a change order's delta line."""
    month = draw(months_with_a_next)
    price = draw(prices)
    quantity = initial = draw(st.integers(0, 50))
    deltas: list[tuple[int, int]] = []
    for day in sorted(draw(st.lists(st.integers(1, month.days), max_size=8))):
        delta = draw(st.integers(-quantity, 20).filter(lambda d: d != 0))
        deltas.append((day, delta))
        quantity += delta
    return month, price, initial, deltas


# No per-example deadline: the machine is shared, and speed belongs in bench/.
@settings(deadline=None)
@given(changes_in_a_month())
def test_prorated_increases_and_decreases_sum_to_the_days_billed(case):
    month, price, start_quantity, deltas = case
    subs = [_line(1, start_quantity, month.first - timedelta(days=40), price)] \
        if start_quantity else []
    subs += [_line(n, d, date(month.year, month.month, day), price)
             for n, (day, d) in enumerate(deltas, start=2)]
    invoice_total = totals(charges_for_month(subs, month)).mrc
    # Exactly: each day bills the quantity held that day at price / days-in-month.
    exact = Fraction(0)
    for day in range(1, month.days + 1):
        held = start_quantity + sum(d for d_day, d in deltas if d_day <= day)
        assert held >= 0
        exact += Fraction(held) * Fraction(str(price)) / month.days
    # Every line is rounded to cents once: the total is within half a cent per line.
    assert abs(Fraction(str(invoice_total)) - exact) <= Fraction(len(subs), 200)
    # The next month bills exactly the final quantity, every line whole.
    final = start_quantity + sum(d for _, d in deltas)
    assert totals(charges_for_month(subs, month.next())).mrc == price * final


@settings(deadline=None)
@given(months, prices, st.integers(1, 50), st.data())
def test_a_raise_and_the_same_lowering_on_one_day_cancel_to_the_cent(month, price, n, data):
    day = data.draw(st.integers(1, month.days))
    start = date(month.year, month.month, day)
    found = charges_for_month([_line(1, n, start, price), _line(2, -n, start, price)], month)
    assert sum(c.amount for c in found) == 0
    assert found[1].amount == -found[0].amount


@pytest.mark.django_db
def test_a_change_bills_its_delta_from_the_effective_date_and_exports_credits(
        tenant_a, staff):
    from tests.provisioning.helpers import place_order

    user, customer = tenant_a.user, tenant_a.customer
    first = place_order(user=user, kind="add_services", customer=customer,
                        packages={"Enterprise Standard": 6, "Voice Mail Add On": 2})
    day = local_today(customer.time_zone)
    draft = order_services.order_change_start(user=user, customer_id=customer.pk)
    for name, quantity in (("Enterprise Standard", 8), ("Voice Mail Add On", 0),
                           ("Broadsoft Provisioning Fee", 1)):
        package = f.package(name)
        line = draft.lines.filter(package=package).first()
        if line is None:
            order_services.order_lines_add(user=user, order_id=draft.pk,
                                           order_type_id=package.order_type_id,
                                           package_ids=[package.pk])
            line = draft.lines.get(package=package)
        order_services.order_line_set_quantity(user=user, order_id=draft.pk, line_id=line.pk,
                                               quantity=quantity)
    change = order_services.order_save(user=user, order_id=draft.pk, details=(
        order_services.OrderDetails(billing_start_date=day, effective_date=day))).order
    subs = {(s.order_id, s.package): s for s in selectors.subscriptions(
        user=user, customer_id=customer.pk)}
    seats = subs[(change.pk, "Enterprise Standard")]
    voicemail = subs[(change.pk, "Voice Mail Add On")]
    fee = subs[(change.pk, "Broadsoft Provisioning Fee")]
    assert (seats.quantity, voicemail.quantity, fee.quantity) == (2, -2, 1)
    assert seats.billing_start == voicemail.billing_start == fee.billing_start == day
    # The first order's lines keep their frozen prices and quantities.
    assert subs[(first.pk, "Enterprise Standard")].quantity == 6
    month = BillingMonth.of(day)
    invoice = selectors.invoice_preview(user=user, customer_id=customer.pk, month=month)
    credit = next(c for c in invoice.charges if c.subscription is voicemail
                  or c.subscription.line_id == voicemail.line_id)
    assert credit.amount < 0
    assert sum(1 for c in invoice.charges if c.subscription.line_id == fee.line_id) == 1
    # The next month: 8 seats, no voice mail, no fee.
    following = selectors.invoice_preview(user=user, customer_id=customer.pk,
                                          month=month.next())
    by_package: dict[str, Decimal] = {}
    for c in following.charges:
        by_package[c.subscription.package] = (by_package.get(c.subscription.package, 0)
                                              + c.amount)
    seat_price = f.package("Enterprise Standard").price
    assert by_package["Enterprise Standard"] == seat_price * 8
    assert by_package["Voice Mail Add On"] == 0
    assert "Broadsoft Provisioning Fee" not in by_package
    # The export and the recorded run keep the credit line and its sign.
    export = selectors.billing_export(user=staff, month=month)
    text = export_csv(export)
    assert f",-2,{voicemail.unit_price}," in text
    run = invoice_run_record(invoice=export, user=staff)
    assert run.lines.filter(quantity=-2).count() == 1
    assert run.total == export.totals.total
