"""Billing fixtures: placed orders (through the real services) with controlled dates."""

from __future__ import annotations

from datetime import date

import pytest

from orion.orders.models import Order, OrderKind
from tests.provisioning.helpers import place_order


def set_billing_start(order: Order, day: date) -> Order:
    """Test set-up only: Save Order refuses past dates, so history is written directly."""
    Order.objects.filter(pk=order.pk).update(billing_start_date=day)
    order.refresh_from_db()
    return order


@pytest.fixture
def a_order(tenant_a) -> Order:
    """6 Enterprise Standard seats (MRC 24.95) and a provisioning fee (NRC 25.00) for Acme."""
    return place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=tenant_a.customer,
                       packages={"Enterprise Standard": 6, "Broadsoft Provisioning Fee": 1})


@pytest.fixture
def b_order(tenant_b) -> Order:
    return place_order(user=tenant_b.user, kind=OrderKind.ADD_SERVICES,
                       customer=tenant_b.customer, packages={"Power User": 2})
