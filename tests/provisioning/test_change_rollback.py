"""Cancelling a failed change rolls back only what that change did (issue 17, item 8): a
change that raised packages and failed at a later step (a phone whose MAC address another
enterprise holds), cancelled, leaves BroadWorks exactly as before the change: the earlier
quantities, users and user limit; the change's own users gone; nothing of the first order
removed."""

from __future__ import annotations

import pytest

from orion.orders.states import OrderState
from orion.provisioning import repair, rollback, services
from orion.provisioning.models import RollbackStatus
from tests.orders.test_changes import _change, _customer_order, _group
from tests.provisioning.test_rollback import _dump, _holder, _sent

pytestmark = pytest.mark.django_db


def test_a_cancelled_failed_change_leaves_the_quantities_before_it(tenant_a, staff, emulator,
                                                                    bw_config):
    first = _customer_order(tenant_a, bw_config)
    _holder(bw_config, mac="0004F2FFFFFF")
    before = _dump(emulator)
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 4,
                                                     "Voice Mail Add On": 3})
    added = list(change.users.live().order_by("position"))
    assert len(added) == 2
    for user, mac in ((added[0], "0004F2A1B2C3"), (added[1], "0004F2FFFFFF")):
        user.device_type, user.mac_address = "Polycom_VVX450", mac
        user.save(update_fields=["device_type", "mac_address"])
    assert services.order_provision(order_id=change.pk, config=bw_config) == OrderState.FAILED
    raised = _group(emulator, first)
    assert raised["service_packs"] != _group_of(before, first)["service_packs"]
    assert raised["user_limit"] == 4

    result = repair.order_cancel(order_id=change.pk, user=staff, reason="changed their mind")
    assert result.order.state == OrderState.CANCELLED and result.rollback is not None
    assert rollback.order_rollback(order_id=change.pk, config=bw_config) == RollbackStatus.DONE
    assert _dump(emulator) == before  # quantities, users, limit: as the first order left them
    assert len(_group(emulator, first)["users"]) == 2
    assert _sent(change, "GroupDeleteRequest") == 0
    assert _sent(change, "ServiceProviderDeleteRequest") == 0
    assert change.users.live().count() == 0
    assert first.users.live().count() == 2

    # The customer's next change starts from the quantities before the cancelled one.
    again = _change(tenant_a.user, first.customer, {"Enterprise Standard": 3})
    assert services.order_provision(order_id=again.pk, config=bw_config) == "completed"
    assert len(_group(emulator, first)["users"]) == 3


def _group_of(dump: dict, order) -> dict:
    return dump[order.enterprise.bw_service_provider_id]["groups"][order.customer.bw_group_id]
