"""A change order's seats move the group's user limit in BroadWorks (issue 17): raised with
more seats as a new order raises it, lowered with fewer after the removed users are gone
(the emulator, like BroadWorks, refuses a user limit below the group's users), and a re-run
sends nothing more."""

from __future__ import annotations

import pytest

from orion.broadworks.client import BroadWorksClient
from orion.broadworks.exceptions import OCIError
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning import services
from tests.orders.test_change_removals import _draft, _save
from tests.orders.test_changes import _change, _customer_order, _group

pytestmark = pytest.mark.django_db


def _steps(order: Order) -> str:
    return " ".join(" ".join(s.created) for s in order.provisioning_steps.all())


def test_fewer_seats_lower_the_user_limit_after_the_users_go(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    assert _group(emulator, first)["user_limit"] == 2
    leaving = first.users.live().order_by("extension").first()
    change = _save(tenant_a.user, _draft(tenant_a.user, first.customer, users=[leaving],
                                         seats=1))
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    group = _group(emulator, first)
    assert group["user_limit"] == 1 and len(group["users"]) == 1
    assert f"user limit of {first.customer.bw_group_id} lowered to 1" in _steps(change)
    # A re-run converges: the limit is already down, nothing is sent.
    before = emulator.dump()["service_providers"]
    Order.objects.filter(pk=change.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    assert emulator.dump()["service_providers"] == before


def test_more_seats_raise_the_user_limit(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 4})
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    group = _group(emulator, first)
    assert group["user_limit"] == 4 and len(group["users"]) == 4


def test_broadworks_refuses_a_user_limit_below_the_groups_users(tenant_a, emulator,
                                                                bw_config):
    first = _customer_order(tenant_a, bw_config)
    with BroadWorksClient(bw_config) as bw, pytest.raises(OCIError) as exc:
        bw.request("GroupModifyRequest",
                   service_provider_id=first.enterprise.bw_service_provider_id,
                   group_id=first.customer.bw_group_id, user_limit=1)
    assert "User limit below the group's number of users" in str(exc.value)
    assert _group(emulator, first)["user_limit"] == 2
