"""Disconnect orders provisioned (issue 17, items 3 and 5): the customer's users, phones,
numbers and group leave BroadWorks in dependency order, the enterprise too when asked and
it was the last customer; a re-run after a lost answer converges and deletes nothing twice;
a disconnect waits for the customer's earlier orders and for its date. Against the
in-process emulator; Orion's records are compared with its dump."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.db import connection

from orion.audit.models import AuditEntry
from orion.broadworks.client import BroadWorksClient
from orion.broadworks.exceptions import OCIConnectionError
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders.disconnect import DisconnectDetails, order_disconnect_save
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import disconnect, services
from orion.provisioning.exceptions import ProvisioningBusy
from orion.provisioning.models import OciExchangeLog
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def _sent(order, request: str) -> int:
    return sum(x.commands.split(", ").count(request)
               for x in OciExchangeLog.objects.filter(order=order))


def _jobs(order_id: int) -> list[tuple[str, object, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, lock, scheduled_at FROM procrastinate_jobs WHERE "
                       "task_name = 'orion.provision_order' AND (args->>'order_id')::bigint = %s",
                       [order_id])
        return list(cursor.fetchall())


def _provisioned(tenant_a, bw_config, *, name: str, domain: str, first: int,
                 kind: str = OrderKind.NEW_ENTERPRISE, enterprise=None, seats: int = 3):
    """A customer in BroadWorks with ``seats`` users (two with phones), two numbers and a
    hunt group."""
    numbers = stock_numbers(first, 2)
    order = place_order(user=tenant_a.user, kind=kind, enterprise=enterprise,
                        packages={"Enterprise Standard": seats, "Hunt Group": 1},
                        numbers=numbers, name=name, domain=domain)
    users = list(order.users.live().order_by("position"))
    for user, mac in ((users[0], f"0004F2{first % 1000000:06d}"),
                      (users[1], f"0004F3{first % 1000000:06d}")):
        user.device_type, user.mac_address = "Polycom_VVX450", mac
        user.save(update_fields=["device_type", "mac_address"])
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED
    order.customer.refresh_from_db()
    return order, numbers


def _disconnect(user, customer, *, days: int = 0, remove_enterprise: bool = False):
    when = local_today(customer.time_zone) + timedelta(days=days)
    return order_disconnect_save(user=user, customer_id=customer.pk, details=DisconnectDetails(
        effective_date=when, reason="Moving to another provider",
        remove_enterprise=remove_enterprise))


def test_a_disconnect_removes_users_phones_numbers_and_the_group_and_orion_agrees(
        tenant_a, emulator, bw_config):
    order, numbers = _provisioned(tenant_a, bw_config, name="Leaving Co",
                                  domain="leaving.example", first=6125550100)
    customer = order.customer
    sp_id, group_id = order.enterprise.bw_service_provider_id, customer.bw_group_id
    group = emulator.dump()["service_providers"][sp_id]["groups"][group_id]
    assert len(group["users"]) == 3 and len(group["devices"]) == 2 and group["dns"]

    gone = _disconnect(tenant_a.user, customer)
    assert gone.state == OrderState.ACKNOWLEDGED and gone.number
    [(status, lock, _at)] = _jobs(gone.pk)  # dated today: runs at once, locked
    assert status == "todo" and lock == f"enterprise-{gone.enterprise_id}"
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED

    sp = emulator.dump()["service_providers"][sp_id]
    assert group_id not in sp["groups"]  # no group, so no users and no phones either
    assert not set(sp.get("dns") or ()) & {f"+1-{n[2:]}" for n in numbers}
    customer.refresh_from_db()
    assert customer.status == "Disconnected" and customer.disconnected_at is not None
    assert order.enterprise.__class__.objects.get(pk=order.enterprise_id).disconnected_at is None
    # Orion's records say the same: numbers aging, no live users, the customer read-only.
    assert set(DID.objects.filter(e164__in=numbers).values_list("state", flat=True)) == {
        "quarantined"}
    assert DID.objects.filter(e164__in=numbers, customer__isnull=False).count() == 0
    assert order.users.live().count() == 0
    steps = {s.key: s for s in gone.provisioning_steps.all()}
    assert steps["users"].label == "removing users (3 of 3)"
    assert steps["devices"].label == "removing phones (2 of 2)"
    assert steps["group"].status == "done" and steps["enterprise"].status == "not_needed"
    # Dependency order, each object once.
    commands = [c for x in OciExchangeLog.objects.filter(order=gone).order_by("at", "id")
                for c in x.commands.split(", ") if not c.endswith("GetRequest22V4")]
    removals = [c for c in commands if "Delete" in c or "Unassign" in c]
    assert removals == (["UserDeleteRequest"] * 3 + ["GroupAccessDeviceDeleteRequest"] * 2
                        + ["GroupDnUnassignListRequest", "ServiceProviderDnDeleteListRequest",
                           "GroupDeleteRequest"])
    assert AuditEntry.objects.filter(action="order.disconnect_complete",
                                     object_id=str(gone.pk)).count() == 1


def test_the_pages_of_a_disconnected_customer(client, tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Gone Co", domain="gone.example",
                            first=6125550800)
    gone = _disconnect(tenant_a.user, order.customer)
    disconnect.order_disconnect(order_id=gone.pk, config=bw_config)
    client.force_login(tenant_a.user)
    detail = client.get(f"/orders/{gone.pk}/")
    assert detail.status_code == 200
    assert b"removing users (3 of 3)" in detail.content and b"Completed" in detail.content
    overview = client.get(f"/customers/{order.customer.pk}/")
    assert b"Disconnected" in overview.content and b"No services: disconnected" in \
        overview.content
    assert client.get(f"/customers/{order.customer.pk}/orders/").status_code == 200


def test_the_last_customer_with_remove_enterprise_takes_the_enterprise(
        tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Last Co", domain="last.example",
                            first=6125550200)
    sp_id = order.enterprise.bw_service_provider_id
    gone = _disconnect(tenant_a.user, order.customer, remove_enterprise=True)
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED
    assert sp_id not in emulator.dump()["service_providers"]
    order.enterprise.refresh_from_db()
    assert order.enterprise.disconnected_at is not None
    assert _sent(gone, "ServiceProviderDeleteRequest") == 1


def test_the_enterprise_stays_while_broadworks_holds_another_group_and_the_order_says_so(
        tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Shared Co", domain="shared.example",
                            first=6125550900)
    sp_id = order.enterprise.bw_service_provider_id
    with BroadWorksClient(bw_config) as bw:  # a group Orion does not know of
        bw.request("GroupAddRequest", service_provider_id=sp_id, group_id="BY-HAND",
                   default_domain="shared.example", user_limit=5)
    gone = _disconnect(tenant_a.user, order.customer, remove_enterprise=True)
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED
    assert list(emulator.dump()["service_providers"][sp_id]["groups"]) == ["BY-HAND"]
    assert _sent(gone, "ServiceProviderDeleteRequest") == 0
    order.enterprise.refresh_from_db()
    assert order.enterprise.disconnected_at is None
    assert "The enterprise stays" in gone.state_changes.get(to_state="completed").note


def test_without_the_tick_the_enterprise_stays(tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Stay Co", domain="stay.example",
                            first=6125550300)
    sp_id = order.enterprise.bw_service_provider_id
    gone = _disconnect(tenant_a.user, order.customer)
    disconnect.order_disconnect(order_id=gone.pk, config=bw_config)
    sp = emulator.dump()["service_providers"][sp_id]
    assert sp["groups"] == {}
    assert _sent(gone, "ServiceProviderDeleteRequest") == 0


def test_another_customer_of_the_enterprise_is_untouched(tenant_a, emulator, bw_config):
    first, _ = _provisioned(tenant_a, bw_config, name="Two Co", domain="two.example",
                            first=6125550400)
    second, second_numbers = _provisioned(
        tenant_a, bw_config, name="Two Co Denver", domain="two.example", first=6125550410,
        kind=OrderKind.NEW_CUSTOMER, enterprise=first.enterprise, seats=2)
    sp_id = first.enterprise.bw_service_provider_id
    kept = emulator.dump()["service_providers"][sp_id]["groups"][second.customer.bw_group_id]
    gone = _disconnect(tenant_a.user, first.customer)
    disconnect.order_disconnect(order_id=gone.pk, config=bw_config)
    sp = emulator.dump()["service_providers"][sp_id]
    assert list(sp["groups"]) == [second.customer.bw_group_id]
    assert sp["groups"][second.customer.bw_group_id] == kept
    assert DID.objects.filter(e164__in=second_numbers, state="assigned").count() == 2


def test_a_lost_answer_mid_disconnect_converges_and_deletes_nothing_twice(
        tenant_a, emulator, bw_config, monkeypatch):
    order, _ = _provisioned(tenant_a, bw_config, name="Crash Co", domain="crash.example",
                            first=6125550500, seats=20)
    sp_id, group_id = order.enterprise.bw_service_provider_id, order.customer.bw_group_id
    gone = _disconnect(tenant_a.user, order.customer)
    real = disconnect.removal_actions
    armed: list[bool] = []

    def lose_the_next_answer(removal, seen, **kwargs):
        actions = real(removal, seen, **kwargs)
        if not armed and any(a.step == "users" for a in actions):
            armed.append(True)
            emulator.set_faults(lose_answer_next=1)  # the first document of user removals
        return actions

    monkeypatch.setattr(disconnect, "removal_actions", lose_the_next_answer)
    once = dataclasses.replace(bw_config, resend_on_disconnect=False)
    with pytest.raises(OCIConnectionError):  # the worker dies with the document
        disconnect.order_disconnect(order_id=gone.pk, config=once)
    gone.refresh_from_db()
    assert armed and gone.state == OrderState.IN_PROGRESS
    left = emulator.dump()["service_providers"][sp_id]["groups"][group_id]["users"]
    assert len(left) == 5  # BroadWorks applied the lost document (15 users)
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED
    assert group_id not in emulator.dump()["service_providers"][sp_id]["groups"]
    assert _sent(gone, "UserDeleteRequest") == 20  # each user once: the re-run read them
    assert _sent(gone, "GroupDeleteRequest") == 1


def test_a_disconnect_waits_for_the_customers_earlier_orders(tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Busy Co", domain="busy.example",
                            first=6125550600)
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=order.customer,
                       packages={"Auto Attendant": 1})
    gone = _disconnect(tenant_a.user, order.customer)
    with pytest.raises(ProvisioningBusy, match=more.number):
        disconnect.order_disconnect(order_id=gone.pk, config=bw_config)
    gone.refresh_from_db()
    assert gone.state == OrderState.ACKNOWLEDGED and _sent(gone, "UserDeleteRequest") == 0
    assert gone.provisioning_steps.get(key="check").label == \
        f"waiting for {more.number} to finish"
    assert services.order_provision(order_id=more.pk, config=bw_config) == OrderState.COMPLETED
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED
    sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
    assert sp["groups"] == {}


def test_a_later_disconnect_is_scheduled_without_the_enterprise_lock_and_never_runs_early(
        tenant_a, emulator, bw_config):
    order, _ = _provisioned(tenant_a, bw_config, name="Later Co", domain="later.example",
                            first=6125550700)
    gone = _disconnect(tenant_a.user, order.customer, days=10)
    [(status, lock, scheduled_at)] = _jobs(gone.pk)
    # No enterprise lock: the enterprise's other orders do not wait ten days behind it.
    assert status == "todo" and lock is None and scheduled_at is not None
    assert scheduled_at.astimezone(gone.customer.time_zone and __import__(
        "zoneinfo").ZoneInfo(gone.customer.time_zone)).date() == gone.effective_date
    # Run early (a sweep queued it): it does nothing, and stays scheduled.
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.ACKNOWLEDGED
    assert order.customer.bw_group_id in emulator.dump()["service_providers"][
        order.enterprise.bw_service_provider_id]["groups"]
    assert _sent(gone, "UserDeleteRequest") == 0


def test_a_refusal_stops_the_disconnect_with_broadworks_answer_and_retry_finishes_it(
        tenant_a, staff, emulator, bw_config, monkeypatch):
    from orion.provisioning import repair

    order, numbers = _provisioned(tenant_a, bw_config, name="Refused Co",
                                  domain="refused.example", first=6125551000)
    gone = _disconnect(tenant_a.user, order.customer)
    real = disconnect.removal_actions

    def enterprise_numbers_first(removal, seen, **kwargs):
        # Out of order on purpose: the numbers are still the group's, so BroadWorks refuses
        # to delete them from the enterprise.
        return [a for a in real(removal, seen, **kwargs) if a.step == "numbers"]

    monkeypatch.setattr(disconnect, "removal_actions", enterprise_numbers_first)
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.FAILED
    step = gone.provisioning_steps.get(key="numbers")
    assert step.status == "failed"
    assert step.error.startswith("BroadWorks refused removing numbers from the enterprise")
    gone.customer.refresh_from_db()
    assert gone.customer.disconnected_at is None  # not disconnected until BroadWorks is
    monkeypatch.setattr(disconnect, "removal_actions", real)
    repair.order_retry(order_id=gone.pk, user=staff)
    assert disconnect.order_disconnect(order_id=gone.pk, config=bw_config) == \
        OrderState.COMPLETED
    sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
    assert sp["groups"] == {}
    assert set(DID.objects.filter(e164__in=numbers).values_list("state", flat=True)) == {
        "quarantined"}
