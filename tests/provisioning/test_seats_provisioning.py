"""Seats reach BroadWorks as users (issue 16): with their extension, number, service pack and
phone, counted on the progress panel, and read back as ordered (a second run has nothing to
send)."""

from __future__ import annotations

import pytest

from orion.broadworks.client import BroadWorksClient
from orion.broadworks.exceptions import OCIConnectionError
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import plan, services
from orion.provisioning.models import OciExchangeLog
from tests import factories as f
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def test_three_seats_with_two_numbers_and_a_phone_become_users(tenant_a, emulator, bw_config):
    numbers = stock_numbers(3125550100, 2)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 3}, numbers=numbers,
                        name="Seat Works", domain="seats.example")
    users = list(order.users.live().select_related("number").order_by("position"))
    assert len(users) == 3 and [bool(u.number) for u in users] == [True, True, False]
    users[0].device_type, users[0].mac_address = "Polycom_VVX450", "0004F2A1B2C3"
    users[0].save(update_fields=["device_type", "mac_address"])

    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED

    order.refresh_from_db()
    group = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]
    pack = f.package("Enterprise Standard").bw_name
    assert set(group["users"]) == {u.user_id for u in users}
    for u in users:
        bw = group["users"][u.user_id]
        assert (bw["first_name"], bw["last_name"]) == (u.first_name, u.last_name)
        assert bw["extension"] == u.extension and bw["service_packs"] == [pack]
        assert bw["phone_number"] == (f"+1-{u.number.e164[2:]}" if u.number else None)
    phone = group["devices"][f"{users[0].user_id.split('@')[0]}_phone"]
    assert phone["device_type"] == "Polycom_VVX450" and phone["mac_address"] == "0004F2A1B2C3"
    assert group["users"][users[0].user_id]["device_name"] == phone["device_name"]
    steps = {s.key: s for s in order.provisioning_steps.all()}
    assert steps["users"].label == "creating users (3 of 3)"
    assert steps["devices"].status == "done" and steps["users"].status == "done"

    # Read back: BroadWorks holds the users as ordered, so a second run sends nothing.
    desired = plan.desired_for(order)
    with BroadWorksClient(bw_config) as client:
        seen = plan.parse_reads(client.batch(plan.read_requests(desired)))
        plan.parse_user_reads(desired, seen, client.batch(plan.user_reads(desired, seen)))
    assert plan.plan_actions(desired, seen) == []
    # 15 commands per document at most: 1 phone + 3 users x 2 fit the order's last document.
    user_docs = [x for x in OciExchangeLog.objects.filter(order=order)
                 if "UserAddRequest17sp4" in x.request_xml]
    assert len(user_docs) == 1 and user_docs[0].request_xml.count("UserAddRequest17sp4") == 3


def test_a_lost_answer_while_users_are_created_converges_without_a_second_user(
        tenant_a, emulator, bw_config, monkeypatch):
    """BroadWorks applies the users' document and the answer never arrives (the worker dies,
    the link drops): the next run reads the users back and creates none twice."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2}, name="Half Done",
                        domain="half.example")
    users = list(order.users.live().order_by("position"))
    real_plan = plan.plan_actions
    armed: list[bool] = []

    def lose_the_next_answer(desired, seen):
        actions = real_plan(desired, seen)
        if not armed and any(a.step == "users" for a in actions):
            armed.append(True)
            emulator.set_faults(lose_answer_next=1)  # the document that creates the users
        return actions

    monkeypatch.setattr(plan, "plan_actions", lose_the_next_answer)
    try:
        state = services.order_provision(order_id=order.pk, config=bw_config)
    except OCIConnectionError:
        state = services.order_provision(order_id=order.pk, config=bw_config)  # the retry
    assert armed and state == OrderState.COMPLETED
    group = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]
    assert sorted(group["users"]) == sorted(u.user_id for u in users)  # no second user
    pack = f.package("Enterprise Standard").bw_name
    assert all(u["service_packs"] == [pack] for u in group["users"].values())
    assert group["service_packs"] == {pack: 2}
