from __future__ import annotations

import pytest

from orion.orders.models import Order
from orion.orders.states import OrderState
from tests import factories as f


@pytest.mark.django_db
def test_staff_dashboard_counts_what_needs_attention(client, staff, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    from orion.orders.services import order_save

    order_save(user=tenant_a.user, order_id=order.pk, details=f.new_customer_details())
    Order.objects.filter(pk=order.pk).update(state=OrderState.FAILED)
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert 'id="operations-queues"' in page
    assert '<strong>1</strong><span>Failed orders</span>' in page
    assert client.get("/numbers/backorders/").status_code == 200
    client.force_login(tenant_a.user)
    assert 'id="operations-queues"' not in client.get("/").content.decode()
