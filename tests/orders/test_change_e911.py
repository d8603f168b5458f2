"""A change's "E911 Surcharge" line follows the numbers (issues 17 and 18): a number given
back stops billing the surcharge from the effective date (a was -> new line, credited like
any decrease), a change that keeps the numbers carries no surcharge line, and after it the
customer's count is the numbers it keeps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orion.billing import selectors as billing
from orion.billing.charges import BillingMonth
from orion.catalog.models import E911_SURCHARGE_PACKAGE
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders import changes
from orion.provisioning import services
from tests.orders.test_change_extra_dids import _by_line, _customer
from tests.orders.test_change_removals import _draft, _save
from tests.orders.test_changes import _change

pytestmark = pytest.mark.django_db


def _surcharge(order):
    return order.lines.filter(package__name=E911_SURCHARGE_PACKAGE).first()


def test_a_number_given_back_stops_billing_the_surcharge(tenant_a, emulator, bw_config):
    first = _customer(tenant_a, bw_config)
    customer = first.customer
    assert _surcharge(first).quantity == 4  # every hosted number bills it
    held = set(first.users.live().exclude(number=None).values_list("number_id", flat=True))
    free = DID.objects.filter(customer=customer, state="assigned").exclude(pk__in=held)
    change = _save(tenant_a.user, _draft(tenant_a.user, customer, numbers=[free.first()]))
    line = _surcharge(change)
    assert (line.previous_quantity, line.quantity) == (4, 3)
    month = BillingMonth.of(local_today(customer.time_zone))
    invoice = billing.invoice_preview(user=tenant_a.user, customer_id=customer.pk, month=month)
    assert _by_line(invoice, line.pk) < 0
    following = billing.invoice_preview(user=tenant_a.user, customer_id=customer.pk,
                                        month=month.next())
    billed = _by_line(following, line.pk) + _by_line(following, _surcharge(first).pk)
    assert billed == line.unit_price * 3
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    # Re-synced by provisioning after the number left: still 4 -> 3, and the customer has 3.
    assert (_surcharge(change).previous_quantity, _surcharge(change).quantity) == (4, 3)
    assert changes.customer_current_quantities(customer=customer)[line.package_id] == 3


def test_a_change_that_keeps_the_numbers_has_no_surcharge_line(tenant_a, emulator, bw_config):
    first = _customer(tenant_a, bw_config)
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 3})
    assert _surcharge(change) is None
    total = sum((line.amount for line in change.lines.all()), Decimal("0.00"))
    assert total > 0  # the extra seat, nothing for the numbers it keeps
