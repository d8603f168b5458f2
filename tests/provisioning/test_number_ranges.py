"""A customer whose numbers BroadWorks lists as one range re-provisions with zero writes."""

from __future__ import annotations

import pytest

from orion.broadworks.client import BroadWorksClient
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from tests.provisioning.helpers import place_order, stock_numbers


@pytest.mark.django_db
def test_ten_consecutive_numbers_reprovision_with_zero_writes(tenant_a, emulator, bw_config):
    numbers = stock_numbers(2125550100, 10)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 10}, numbers=numbers, name="Range Co")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    sp_id = order.enterprise.bw_service_provider_id
    with BroadWorksClient(bw_config) as bw:
        table = bw.request("ServiceProviderDnGetSummaryListRequest",
                           service_provider_id=sp_id).dn_summary_table
    assert [row.phone_numbers for row in table] == ["+1-2125550100 - +1-2125550109"]
    before, writes = emulator.dump(), emulator.stats.writes
    Order.objects.filter(pk=order.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert emulator.stats.writes == writes  # zero writes: nothing re-added, re-assigned
    assert emulator.dump() == before
