"""A change's "Additional DID" line follows the numbers (issue 17): giving numbers back (or a
larger allowance) lowers the customer's count beyond the included ones, so the change carries
a decrease line, a negative prorated charge on the invoice preview from the effective date,
and the next month bills the lower count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orion.billing import selectors as billing
from orion.billing.charges import BillingMonth
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders import changes
from orion.orders.models import Order, OrderKind
from orion.provisioning import services
from tests.orders.test_change_removals import _draft, _save
from tests.orders.test_changes import _change
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def _customer(tenant_a, bw_config) -> Order:
    """2 seats (one number included each) and 4 numbers: 2 Additional DIDs."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2},
                        numbers=stock_numbers(4045550300, 4), name="Extra Co",
                        domain="extra.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert order.lines.get(package__is_extra_did=True).quantity == 2
    return order


def _extra_line(order: Order):
    return order.lines.select_related("package").get(package__is_extra_did=True)


def _by_line(invoice, line_id: int) -> Decimal:
    return sum((c.amount for c in invoice.charges if c.subscription.line_id == line_id),
               Decimal("0.00"))


def test_numbers_given_back_credit_the_additional_did_line(tenant_a, emulator, bw_config):
    first = _customer(tenant_a, bw_config)
    customer = first.customer
    held = set(first.users.live().exclude(number=None).values_list("number_id", flat=True))
    free = DID.objects.filter(customer=customer, state="assigned").exclude(pk__in=held)
    assert free.count() == 2
    change = _save(tenant_a.user, _draft(tenant_a.user, customer, numbers=[free.first()]))
    line = _extra_line(change)
    assert (line.previous_quantity, line.quantity) == (2, 1)
    assert changes.line_change_label(line) == "\u22121"
    day = local_today(customer.time_zone)
    month = BillingMonth.of(day)
    invoice = billing.invoice_preview(user=tenant_a.user, customer_id=customer.pk, month=month)
    credit = _by_line(invoice, line.pk)
    assert credit < 0
    following = billing.invoice_preview(user=tenant_a.user, customer_id=customer.pk,
                                        month=month.next())
    price = line.unit_price
    assert _by_line(following, line.pk) == -price
    assert (_by_line(following, line.pk) + _by_line(following, _extra_line(first).pk)
            == price * 1)
    # Provisioned, the customer's count is then 1: the next change starts from it.
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    current = changes.customer_current_quantities(customer=customer)
    assert current[line.package_id] == 1


def test_more_seats_include_more_numbers_and_lower_the_count(tenant_a, emulator, bw_config):
    first = _customer(tenant_a, bw_config)
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 4})
    line = _extra_line(change)
    assert (line.previous_quantity, line.quantity) == (2, 0)
    assert changes.line_change_label(line) == "removed"



def test_the_draft_counts_the_numbers_it_gives_back(tenant_a, emulator, bw_config):
    from orion.orders.selectors import order_quote

    first = _customer(tenant_a, bw_config)
    held = set(first.users.live().exclude(number=None).values_list("number_id", flat=True))
    free = DID.objects.filter(customer=first.customer, state="assigned").exclude(pk__in=held)
    draft = _draft(tenant_a.user, first.customer, numbers=list(free))
    quote = order_quote(order=draft)
    assert quote.extra_dids == 0 and quote.included_dids == 2
