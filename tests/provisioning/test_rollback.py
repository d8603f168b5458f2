"""Cancel rolls back (issue 17, item 8): cancelling a failed order removes from BroadWorks what
that order created, in dependency order, and nothing another order needs; its numbers are
available again. Against the in-process emulator: its dump after the rollback equals its dump
before the order, exactly."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from django.db import connection

from orion.broadworks.client import BroadWorksClient
from orion.broadworks.exceptions import OCIConnectionError
from orion.numbers.models import DID
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import plan, repair, rollback, services
from orion.provisioning.models import OciExchangeLog, Rollback, RollbackStatus
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def _rollback_jobs(order_id: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s "
                       "AND (args->>'order_id')::bigint = %s", ["orion.rollback_order", order_id])
        return [row[0] for row in cursor.fetchall()]


def _holder(bw_config, *, number: str | None = None, mac: str | None = None) -> None:
    """Another enterprise that already holds a number or a phone's MAC address: the order's
    next command for it is refused, and the order fails half-way."""
    with BroadWorksClient(bw_config) as bw:
        bw.request("ServiceProviderAddRequest13mp2", service_provider_id="HOLDER",
                   default_domain="voip.orion.test", is_enterprise=True)
        if number:
            bw.request("ServiceProviderDnAddListRequest", service_provider_id="HOLDER",
                       phone_number=[number])
        if mac:
            bw.request("GroupAddRequest", service_provider_id="HOLDER", group_id="HOLDER-G",
                       default_domain="voip.orion.test", user_limit=5)
            bw.request("GroupAccessDeviceAddRequest14", service_provider_id="HOLDER",
                       group_id="HOLDER-G", device_name="taken", device_type="Polycom_VVX450",
                       mac_address=mac)


def _sent(order, request: str) -> int:
    """How many times ``request`` reached BroadWorks for this order (the OCI-P log)."""
    return sum(x.commands.split(", ").count(request)
               for x in OciExchangeLog.objects.filter(order=order))


def _dump(emulator) -> dict[str, Any]:
    return copy.deepcopy(emulator.dump()["service_providers"])


def _seats_order(tenant_a, bw_config, *, name: str, domain: str):
    """A new enterprise with three seats (two with phones), two numbers and a hunt group,
    failing at the phones: the second phone's MAC address is another enterprise's."""
    numbers = stock_numbers(6125550100, 2)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 3, "Hunt Group": 1},
                        numbers=numbers, name=name, domain=domain)
    users = list(order.users.live().order_by("position"))
    for user, mac in ((users[0], "0004F2A1B2C3"), (users[2], "0004F2FFFFFF")):
        user.device_type, user.mac_address = "Polycom_VVX450", mac
        user.save(update_fields=["device_type", "mac_address"])
    _holder(bw_config, mac="0004F2FFFFFF")
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.FAILED
    return order, numbers


def test_a_failed_new_enterprise_is_removed_entirely_and_its_numbers_are_available(
        tenant_a, staff, emulator, bw_config):
    before = _dump(emulator)
    order, numbers = _seats_order(tenant_a, bw_config, name="Rolled Co", domain="rolled.example")
    sp_id = order.enterprise.bw_service_provider_id
    group = emulator.dump()["service_providers"][sp_id]["groups"][order.customer.bw_group_id]
    assert group["devices"] and group["dns"]  # it got half-way: phones, numbers, the group
    before = _dump(emulator)
    before.pop(sp_id)

    result = repair.order_cancel(order_id=order.pk, user=staff, reason="customer left")
    assert result.order.state == OrderState.CANCELLED and result.rollback is not None
    assert result.rollback.status == RollbackStatus.PENDING
    assert _rollback_jobs(order.pk) == ["todo"]
    # Until BroadWorks lets go of them the numbers stay the order's: nobody else gets them.
    assert DID.objects.filter(e164__in=numbers, order=order, state="assigned").count() == 2
    users = order.users.live().count()
    assert users > 0  # so do its users (their extensions and ids)

    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == RollbackStatus.DONE
    # Gone from BroadWorks, gone from Orion's record of the group: free for the next order.
    assert order.users.live().count() == 0 and order.users.count() == users
    assert _dump(emulator) == before  # nothing of the order is left; HOLDER is untouched
    assert DID.objects.filter(e164__in=numbers, state="available", order=None,
                              customer=None).count() == 2
    done = Rollback.objects.get(order=order)
    assert done.finished_at is not None and done.label == "removed from BroadWorks"
    assert [s["key"] for s in done.steps] == ["users", "devices", "group_numbers", "numbers",
                                               "group", "enterprise"]
    assert all(s["done"] == s["total"] for s in done.steps)
    assert f"enterprise {sp_id}" in done.removed
    assert _sent(order, "ServiceProviderDeleteRequest") == 1
    assert _sent(order, "UserDeleteRequest") == 2  # the two users it created of three
    # A second run finds nothing to remove and sends no removal.
    documents = OciExchangeLog.objects.filter(order=order).count()
    done.status = RollbackStatus.RUNNING
    done.save(update_fields=["status"])
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == RollbackStatus.DONE
    assert OciExchangeLog.objects.filter(order=order).count() == documents + 1  # the reads
    assert _sent(order, "ServiceProviderDeleteRequest") == 1


def _many_seats_order(tenant_a, bw_config, monkeypatch, *, seats: int):
    """A new enterprise with ``seats`` users whose last user BroadWorks refuses (an extension
    out of the group's range): every other user is created, and the order fails at users."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": seats}, name="Crash Co",
                        domain="crash.example")
    real = plan.plan_actions

    def refuse_the_last_user(desired, seen):
        actions = real(desired, seen)
        adds = [a for a in actions if a.request[0] == "UserAddRequest17sp4"]
        if adds:
            adds[-1].request[1]["extension"] = "1234567"  # 4220: not of the group's range
        return actions

    monkeypatch.setattr(plan, "plan_actions", refuse_the_last_user)
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.FAILED
    monkeypatch.setattr(plan, "plan_actions", real)
    step = order.provisioning_steps.get(key="users")
    assert step.status == "failed" and "4220" in step.error
    return order


def test_a_lost_answer_during_the_rollback_converges_and_removes_nothing_twice(
        tenant_a, staff, emulator, bw_config, monkeypatch):
    order = _many_seats_order(tenant_a, bw_config, monkeypatch, seats=20)
    sp_id = order.enterprise.bw_service_provider_id
    group_id = order.customer.bw_group_id
    assert len(emulator.dump()["service_providers"][sp_id]["groups"][group_id]["users"]) == 19
    repair.order_cancel(order_id=order.pk, user=staff)
    real = rollback.removal_actions
    armed: list[bool] = []

    def lose_the_next_answer(removal, seen, **kwargs):
        actions = real(removal, seen, **kwargs)
        if not armed and any(a.step == "users" for a in actions):
            armed.append(True)
            emulator.set_faults(lose_answer_next=1)  # the first document of user removals
        return actions

    monkeypatch.setattr(rollback, "removal_actions", lose_the_next_answer)
    # The worker dies with the document: no resend on this connection; the job's retry.
    once = dataclasses.replace(bw_config, resend_on_disconnect=False)
    with pytest.raises(OCIConnectionError):
        rollback.order_rollback(order_id=order.pk, config=once)
    assert armed and Rollback.objects.get(order=order).status == RollbackStatus.RUNNING
    # BroadWorks applied the lost document (15 users), not the next one.
    left = emulator.dump()["service_providers"][sp_id]["groups"][group_id]["users"]
    assert len(left) == 4
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == RollbackStatus.DONE
    assert sp_id not in emulator.dump()["service_providers"]
    assert _sent(order, "UserDeleteRequest") == 19  # each user once: the re-run read them
    assert _sent(order, "GroupDeleteRequest") == 1
    assert _sent(order, "ServiceProviderDeleteRequest") == 1


def test_a_second_customer_is_removed_and_the_enterprise_keeps_what_the_first_uses(
        tenant_a, staff, emulator, bw_config):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2, "Hunt Group": 1},
                        numbers=stock_numbers(6135550100, 1), name="Shared Ent",
                        domain="shared.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == "completed"
    numbers = stock_numbers(6145550100, 2)
    _holder(bw_config, number="6145550101")
    sp_id = first.enterprise.bw_service_provider_id
    with BroadWorksClient(bw_config) as bw:  # authorized by hand, before the second order
        bw.request("ServiceProviderServiceModifyAuthorizationListRequest",
                   service_provider_id=sp_id, group_service_authorization=[
                       {"service_name": "Auto Attendant", "authorized_quantity": {
                           "unlimited": True}}])
    before = _dump(emulator)
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                         enterprise=first.enterprise,
                         packages={"Enterprise Standard": 1, "Auto Attendant": 1,
                                   "Call Me Now": 1},
                         numbers=numbers, name="Second Branch", domain="")
    assert services.order_provision(order_id=second.pk, config=bw_config) == "failed"
    sp = emulator.dump()["service_providers"][sp_id]
    assert second.customer.bw_group_id in sp["groups"]
    added = set(sp["user_services"]) - set(before[sp_id]["user_services"])
    assert added  # the second order authorized services the enterprise lacked

    repair.order_cancel(order_id=second.pk, user=staff)
    assert rollback.order_rollback(order_id=second.pk, config=bw_config) == "done"
    # Exactly as before the second customer: the first customer's group, its users, the
    # enterprise authorizations it uses and the one made by hand stay; the second's group
    # and the authorizations it added are gone.
    assert _dump(emulator) == before
    assert _sent(second, "ServiceProviderDeleteRequest") == 0
    assert DID.objects.filter(e164__in=numbers, state="available").count() == 2


def test_a_failed_add_services_order_takes_back_only_its_share(
        tenant_a, staff, emulator, bw_config):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2, "Hunt Group": 1},
                        name="Growing Co", domain="growing.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == "completed"
    _holder(bw_config, number="6155550101")
    before = _dump(emulator)
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=first.customer,
                       packages={"Enterprise Standard": 1, "Auto Attendant": 1},
                       numbers=stock_numbers(6155550100, 2))
    assert services.order_provision(order_id=more.pk, config=bw_config) == "failed"
    group_id = first.customer.bw_group_id
    sp_id = first.enterprise.bw_service_provider_id
    raised = emulator.dump()["service_providers"][sp_id]["groups"][group_id]
    assert raised["service_packs"] != before[sp_id]["groups"][group_id]["service_packs"]

    repair.order_cancel(order_id=more.pk, user=staff)
    assert rollback.order_rollback(order_id=more.pk, config=bw_config) == "done"
    after = _dump(emulator)
    assert after == before  # quantities as the first order left them; its users stay
    assert len(after[sp_id]["groups"][group_id]["users"]) == 2
    assert _sent(more, "GroupDeleteRequest") == 0

    # The customer's next order diffs against what BroadWorks holds now (the cancelled
    # order's share is no longer counted) and completes.
    again = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=first.customer, packages={"Enterprise Standard": 1})
    assert services.order_provision(order_id=again.pk, config=bw_config) == "completed"


def test_an_order_that_never_reached_broadworks_frees_its_numbers_at_once(
        tenant_a, staff, emulator):
    numbers = stock_numbers(6165550100, 2)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 1}, numbers=numbers,
                        name="Never Co", domain="never.example")
    assert order.users.live().count() == 1
    result = repair.order_cancel(order_id=order.pk, user=staff)
    assert result.rollback is None and result.numbers_released == 2
    assert order.users.live().count() == 0  # its seat's extension and user id are free
    assert _rollback_jobs(order.pk) == []
    assert DID.objects.filter(e164__in=numbers, state="available").count() == 2
    assert emulator.stats.writes == 0


def test_an_enterprise_holding_a_group_orion_did_not_make_stays(
        tenant_a, staff, emulator, bw_config):
    order, numbers = _seats_order(tenant_a, bw_config, name="Stuck Co", domain="stuck.example")
    sp_id = order.enterprise.bw_service_provider_id
    group_id = order.customer.bw_group_id
    repair.order_cancel(order_id=order.pk, user=staff)
    with BroadWorksClient(bw_config) as bw:  # someone adds a group by hand meanwhile
        bw.request("GroupAddRequest", service_provider_id=sp_id, group_id="BY-HAND",
                   default_domain="stuck.example", user_limit=1)
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "done"
    # The enterprise stays (it has a group Orion did not make); the order's group is gone.
    sp = emulator.dump()["service_providers"][sp_id]
    assert list(sp["groups"]) == ["BY-HAND"] and group_id not in sp["groups"]
    assert DID.objects.filter(e164__in=numbers, state="available").count() == 2


def test_a_refused_removal_stops_the_rollback_with_the_reason_and_retry_finishes_it(
        tenant_a, staff, emulator, bw_config, client):
    order, numbers = _seats_order(tenant_a, bw_config, name="Stuck Co", domain="stuck.example")
    sp_id = order.enterprise.bw_service_provider_id
    group_id = order.customer.bw_group_id
    repair.order_cancel(order_id=order.pk, user=staff)
    first = order.users.live().order_by("position").first()
    phone = f"{first.user_id.split('@')[0]}_phone"
    with BroadWorksClient(bw_config) as bw:  # someone puts a hand-made user on its phone
        bw.request("UserAddRequest17sp4", service_provider_id=sp_id, group_id=group_id,
                   user_id="byhand@stuck.example", last_name="Hand", first_name="By",
                   calling_line_id_last_name="Hand", calling_line_id_first_name="By",
                   password="Ow1234567890abc7", extension="7777",
                   access_device_endpoint={
                       "access_device": {"device_level": "Group", "device_name": phone},
                       "line_port": "byhand@stuck.example"})
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "failed"
    stopped = Rollback.objects.get(order=order)
    assert "4216" in stopped.error and "removing phones" in stopped.error
    assert DID.objects.filter(e164__in=numbers, state="assigned", order=order).count() == 2
    client.force_login(staff)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="rollback-error"' in page and "4216" in page and 'id="rollback-retry"' in page

    with BroadWorksClient(bw_config) as bw:
        bw.request("UserDeleteRequest", user_id="byhand@stuck.example")
    with connection.cursor() as cursor:  # the worker ran the first job to its end
        cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE task_name = "
                       "'orion.rollback_order'")
    response = client.post(f"/orders/{order.pk}/rollback-retry/")
    assert response.status_code == 302
    assert Rollback.objects.get(order=order).status == RollbackStatus.PENDING
    assert sorted(_rollback_jobs(order.pk)) == ["succeeded", "todo"]
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "done"
    assert sp_id not in emulator.dump()["service_providers"]
    assert DID.objects.filter(e164__in=numbers, state="available").count() == 2


def test_the_api_cancel_and_progress_follow_the_rollback(tenant_a, staff, emulator, bw_config):
    from tests.api.conftest import ApiClient

    order, numbers = _seats_order(tenant_a, bw_config, name="Api Co", domain="apico.example")
    api = ApiClient(staff)
    body = api.post(f"/orders/{order.pk}/cancel", {"reason": "customer left"}).json()
    assert body["order"]["state"] == "cancelled" and body["numbers_released"] == 0
    assert body["rollback"]["status"] == "pending"
    assert DID.objects.filter(e164__in=numbers, order=order).count() == 2
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "done"
    progress = api.get(f"/orders/{order.pk}/progress").json()
    assert progress["rollback"]["status"] == "done" and progress["rollback"]["error"] == ""
    assert progress["rollback"]["steps"][0]["key"] == "users"
    # The partner sees the same progress of its own order.
    mine = ApiClient(tenant_a.user).get(f"/orders/{order.pk}/progress").json()
    assert mine["rollback"]["label"] == "removed from BroadWorks"


def test_a_rollback_whose_job_was_lost_gets_a_new_one(tenant_a, staff, emulator, bw_config):
    order, _ = _seats_order(tenant_a, bw_config, name="Lost Co", domain="lost.example")
    repair.order_cancel(order_id=order.pk, user=staff)
    repair.orders_requeue_lost(grace_seconds=0)
    assert _rollback_jobs(order.pk) == ["todo"]  # its job waits: nothing to do
    with connection.cursor() as cursor:  # an outage took the job with it
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = "
                       "'orion.rollback_order'")
    repair.orders_requeue_lost(grace_seconds=0)
    assert _rollback_jobs(order.pk) == ["todo"]
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "done"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = "
                       "'orion.rollback_order'")
    repair.orders_requeue_lost(grace_seconds=0)
    assert _rollback_jobs(order.pk) == []  # a finished rollback needs none
