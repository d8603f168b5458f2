"""The last conflicts an order trips over, as drift entries (issue 19, item 3): a number held
by another group, a user id used elsewhere, a user or phone changed by hand. Seeded behind
Orion's back by raw OCI-P to the emulator: the audit finds each; the order's failure names the
same entry; each offered action (Re-provision, Accept) resolves it, and where neither is
offered the page and the entry say why; another partner never sees any of it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orion.accounts.models import Customer
from orion.adoption.drift import (
    DriftRefused,
    drift_accept,
    drift_audit,
    drift_reprovision_run,
    drift_reprovision_start,
    order_drift_accept_retry,
)
from orion.adoption.models import DriftEntry
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from orion.orders.models import Order, OrderKind
from orion.provisioning import services
from orion.provisioning.repair import order_retry
from orion.users.models import OrderUser
from tests.adoption.seed import BRANCH, HQ, HQ_NUMBERS, SP
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db

HQ_GROUP = {"service_provider_id": SP, "group_id": HQ}
BRANCH_GROUP = {"service_provider_id": SP, "group_id": BRANCH}


@pytest.fixture
def imported(tenant_a, legacy, bw_config):
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    assert drift_audit(config=bw_config).found == {}
    return legacy


def _open() -> set[tuple[str, str, str, str, str]]:
    return set(DriftEntry.objects.filter(resolved_at__isnull=True).values_list(
        "customer__bw_group_id", "kind", "name", "expected", "actual"))


def _hq_order(tenant_a, packages: dict[str, int], numbers: list[str] | None = None) -> Order:
    customer = Customer.objects.get(bw_group_id=HQ)
    return place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       enterprise=customer.enterprise, customer=customer, packages=packages,
                       numbers=numbers or [])


def _fails_naming(order: Order, bw_config, kind: str) -> DriftEntry:
    assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    (entry,) = DriftEntry.objects.filter(resolved_at__isnull=True, kind=kind)
    failed = order.provisioning_steps.get(status="failed").error
    assert f"(drift #{entry.pk})" in failed
    assert AuditEntry.objects.filter(action="adoption.drift_found",
                                     changes__drift=entry.pk).count() == 1
    return entry


def _partners_see_nothing(tenant_a, tenant_b, order: Order, entry: DriftEntry) -> None:
    for user in (tenant_a.user, tenant_b.user):
        partner = Client()
        partner.force_login(user)
        assert partner.get("/broadworks/drift/").status_code == 404
        for action in ("reprovision", "accept"):
            assert partner.post("/broadworks/drift/", {"entry": entry.pk, "action": action,
                                                       "reason": "x"}).status_code == 404
        page = partner.get(reverse("orders:detail", args=[order.pk]))
        assert page.status_code == (200 if user == tenant_a.user else 404)
        assert 'id="order-drift"' not in page.content.decode()
        assert partner.post(reverse("adoption:order_accept", args=[order.pk]),
                            {"reason": "x"}).status_code == 404
    entry.refresh_from_db()
    assert entry.resolved_at is None and entry.reprovision_queued_at is None


def _row(staff, entry: DriftEntry) -> str:
    client = Client()
    client.force_login(staff)
    html = client.get("/broadworks/drift/").content.decode()
    return html.split(f'data-entry="{entry.pk}"')[1].split("</tr>")[0]


# -- A number held by another group -------------------------------------------------------


def test_the_audit_finds_a_number_moved_to_another_group(imported, bw_config, staff):
    moved = HQ_NUMBERS[2]
    imported.request("GroupDnUnassignListRequest", **HQ_GROUP, phone_number=[moved])
    imported.request("GroupDnAssignListRequest", **BRANCH_GROUP, phone_number=[moved])
    drift_audit(config=bw_config)
    e164 = moved.replace("-", "")
    assert _open() == {(HQ, "number_elsewhere", e164, HQ, BRANCH),
                       (BRANCH, "number_extra", e164, "absent", "assigned")}
    entry = DriftEntry.objects.get(kind="number_elsewhere")
    assert not entry.can_reprovision and not entry.can_accept
    for action in (lambda: drift_reprovision_start(user=staff, entry_id=entry.pk),
                   lambda: drift_accept(user=staff, entry_id=entry.pk, reason="theirs now")):
        with pytest.raises(DriftRefused, match="Another group holds this number"):
            action()
    row = _row(staff, entry)
    assert "Another group holds this number" in row
    assert ">Accept<" not in row and 'value="reprovision"' not in row


def test_an_order_names_a_number_another_group_holds_and_the_audit_keeps_the_entry(
        imported, tenant_a, tenant_b, bw_config, staff):
    (number,) = stock_numbers(3125550300, 1)
    bw = f"+1-{number.removeprefix('+1')}"
    imported.request("ServiceProviderDnAddListRequest", service_provider_id=SP,
                     phone_number=[bw])
    imported.request("GroupDnAssignListRequest", **BRANCH_GROUP, phone_number=[bw])
    order = _hq_order(tenant_a, {"Call Forwarding Always": 1}, numbers=[number])
    entry = _fails_naming(order, bw_config, "number_elsewhere")
    assert (entry.name, entry.expected, entry.actual) == (number, HQ, BRANCH)
    drift_audit(config=bw_config)
    entry.refresh_from_db()
    assert entry.resolved_at is None  # the audit keeps the order's entry, not a second one
    assert DriftEntry.objects.filter(kind="number_elsewhere").count() == 1
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"#drift-{entry.pk}" in page and "Another group holds this number" in page
    assert 'id="accept-retry-form"' not in page
    with pytest.raises(DriftRefused):
        order_drift_accept_retry(user=staff, order_id=order.pk, reason="theirs")
    _partners_see_nothing(tenant_a, tenant_b, order, entry)
    # Freed in BroadWorks (as the entry says), the retry completes and the audit closes it.
    imported.request("GroupDnUnassignListRequest", **BRANCH_GROUP, phone_number=[bw])
    order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    drift_audit(config=bw_config)
    entry.refresh_from_db()
    assert entry.resolution == "gone"


# -- A user id used elsewhere -------------------------------------------------------------


def _seat_order(tenant_a) -> tuple[Order, OrderUser]:
    order = _hq_order(tenant_a, {"Enterprise Standard": 1})
    (user,) = order.users.all()
    return order, user


def _hand_user(bw, group: dict[str, str], user_id: str, first: str, last: str,
               extension: str) -> None:
    bw.request("UserAddRequest17sp4", **group, user_id=user_id, last_name=last,
               first_name=first, calling_line_id_last_name=last,
               calling_line_id_first_name=first, password="S3cret-by-hand!",
               extension=extension)


def test_a_user_id_used_in_another_group_is_named_and_neither_action_is_offered(
        imported, tenant_a, tenant_b, bw_config, staff):
    order, user = _seat_order(tenant_a)
    _hand_user(imported, BRANCH_GROUP, user.user_id, "Someone", "Else", "4711")
    entry = _fails_naming(order, bw_config, "user_elsewhere")
    assert (entry.name, entry.expected) == (user.user_id, HQ)
    drift_audit(config=bw_config)
    entry.refresh_from_db()
    assert entry.resolved_at is None and (entry.expected, entry.actual) == (HQ, BRANCH)
    assert (HQ, "user_elsewhere", user.user_id, HQ, BRANCH) in _open()
    for action in (lambda: drift_reprovision_start(user=staff, entry_id=entry.pk),
                   lambda: drift_accept(user=staff, entry_id=entry.pk, reason="fine")):
        with pytest.raises(DriftRefused, match="used outside the group"):
            action()
    assert "used outside the group" in _row(staff, entry)
    _partners_see_nothing(tenant_a, tenant_b, order, entry)
    imported.request("UserDeleteRequest", user_id=user.user_id)
    drift_audit(config=bw_config)
    entry.refresh_from_db()
    assert entry.resolution == "gone"
    order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"


# -- A user changed by hand ---------------------------------------------------------------


def _bw_user(bw, user_id: str) -> tuple[str, str, str]:
    got = bw.request("UserGetRequest22", user_id=user_id)
    return got.first_name, got.last_name, got.extension


def test_a_user_created_by_hand_differently_is_named_reprovisioned_and_retried(
        imported, tenant_a, tenant_b, bw_config, staff):
    order, user = _seat_order(tenant_a)
    _hand_user(imported, HQ_GROUP, user.user_id, "Kim", "Handmade", "4711")
    entry = _fails_naming(order, bw_config, "user_changed")
    ours = f"{user.first_name}|{user.last_name}|{user.extension}|"
    assert (entry.name, entry.expected, entry.actual) == (user.user_id, ours,
                                                          "Kim|Handmade|4711|")
    drift_audit(config=bw_config)
    assert (HQ, "user_changed", user.user_id, ours, "Kim|Handmade|4711|") in _open()
    assert entry.can_reprovision and entry.can_accept
    _partners_see_nothing(tenant_a, tenant_b, order, entry)
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    assert _bw_user(imported, user.user_id) == (user.first_name, user.last_name,
                                                user.extension)
    order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    drift_audit(config=bw_config)
    assert not any(k == "user_changed" for _, k, *_ in _open())


def test_accepting_a_changed_user_takes_its_names_and_the_retry_completes(
        imported, tenant_a, tenant_b, bw_config, staff):
    order, user = _seat_order(tenant_a)
    _hand_user(imported, HQ_GROUP, user.user_id, "Kim", "Handmade", "4711")
    entry = _fails_naming(order, bw_config, "user_changed")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'id="accept-retry-form"' in page and "Kim Handmade" in page
    order_drift_accept_retry(user=staff, order_id=order.pk, reason="the customer renamed her")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.extension) == ("Kim", "Handmade", "4711")
    entry.refresh_from_db()
    assert entry.resolution == "accepted" and entry.reason == "the customer renamed her"
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    drift_audit(config=bw_config)
    assert not any(k == "user_changed" for _, k, *_ in _open())


def test_the_audit_finds_a_live_user_renamed_by_hand_and_a_changed_number_is_not_accepted(
        imported, tenant_a, bw_config, staff):
    order, user = _seat_order(tenant_a)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert drift_audit(config=bw_config).found == {}
    imported.request("UserModifyRequest17sp4", user_id=user.user_id, first_name="Renamed",
                     extension="4712", phone_number=HQ_NUMBERS[1])
    drift_audit(config=bw_config)
    entry = DriftEntry.objects.get(kind="user_changed", resolved_at__isnull=True)
    assert entry.actual == f"Renamed|{user.last_name}|4712|{HQ_NUMBERS[1].replace('-', '')}"
    with pytest.raises(DriftRefused, match="number is a DID"):
        drift_accept(user=staff, entry_id=entry.pk, reason="moved")
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    assert _bw_user(imported, user.user_id) == (user.first_name, user.last_name,
                                                user.extension)
    assert not any(k == "user_changed" for _, k, *_ in _open())


# -- A phone changed by hand --------------------------------------------------------------


def test_a_phone_added_by_hand_with_another_mac_is_named_and_its_mac_accepted(
        imported, tenant_a, tenant_b, bw_config, staff):
    order, user = _seat_order(tenant_a)
    user.device_type, user.mac_address = "Polycom_VVX450", "0004F2ABCD01"
    user.save(update_fields=["device_type", "mac_address"])
    device = f"{user.user_id.split('@')[0]}_phone"
    imported.request("GroupAccessDeviceAddRequest14", **HQ_GROUP, device_name=device,
                     device_type="Polycom_VVX450", mac_address="0004F2ABCD99")
    entry = _fails_naming(order, bw_config, "phone_changed")
    assert (entry.name, entry.expected, entry.actual) == (
        device, "Polycom_VVX450|0004F2ABCD01", "Polycom_VVX450|0004F2ABCD99")
    drift_audit(config=bw_config)
    assert (HQ, "phone_changed", device, entry.expected, entry.actual) in _open()
    assert entry.can_reprovision and entry.can_accept
    _partners_see_nothing(tenant_a, tenant_b, order, entry)
    order_drift_accept_retry(user=staff, order_id=order.pk, reason="phone swapped on site")
    user.refresh_from_db()
    assert user.mac_address == "0004F2ABCD99"
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    drift_audit(config=bw_config)
    assert not any(k == "phone_changed" for _, k, *_ in _open())


def _phones(bw) -> dict[str, tuple[str, str]]:
    listed = bw.request("GroupAccessDeviceGetListRequest", **HQ_GROUP)
    return {r.device_name: (r.device_type, r.mac_address or "")
            for r in listed.access_device_table or []}


def _phone_order(tenant_a) -> tuple[Order, OrderUser, str]:
    order, user = _seat_order(tenant_a)
    user.device_type, user.mac_address = "Polycom_VVX450", "0004F2ABCD01"
    user.save(update_fields=["device_type", "mac_address"])
    return order, user, f"{user.user_id.split('@')[0]}_phone"


def test_a_phone_added_by_hand_is_reprovisioned_as_ordered_and_the_retry_completes(
        imported, tenant_a, bw_config, staff):
    order, _user, device = _phone_order(tenant_a)
    imported.request("GroupAccessDeviceAddRequest14", **HQ_GROUP, device_name=device,
                     device_type="Polycom_VVX450", mac_address="0004F2ABCD99")
    entry = _fails_naming(order, bw_config, "phone_changed")
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    assert _phones(imported)[device] == ("Polycom_VVX450", "0004F2ABCD01")
    order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"


def test_the_audit_finds_a_live_users_phone_swapped_by_hand_and_reprovision_puts_it_back(
        imported, tenant_a, bw_config, staff):
    from orion.broadworks import NIL

    order, user, device = _phone_order(tenant_a)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert drift_audit(config=bw_config).found == {}
    endpoint = imported.request("UserGetRequest22", user_id=user.user_id).access_device_endpoint
    line_port = endpoint.line_port
    imported.request("UserModifyRequest17sp4", user_id=user.user_id, endpoint=NIL)
    imported.request("GroupAccessDeviceDeleteRequest", **HQ_GROUP, device_name=device)
    imported.request("GroupAccessDeviceAddRequest14", **HQ_GROUP, device_name=device,
                     device_type="Polycom_VVX450", mac_address="0004F2ABCD77")
    imported.request("UserModifyRequest17sp4", user_id=user.user_id, endpoint={
        "access_device_endpoint": {"access_device": {"device_level": "Group",
                                                     "device_name": device},
                                   "line_port": line_port}})
    drift_audit(config=bw_config)
    assert _open() == {(HQ, "phone_changed", device, "Polycom_VVX450|0004F2ABCD01",
                        "Polycom_VVX450|0004F2ABCD77")}
    entry = DriftEntry.objects.get(kind="phone_changed", resolved_at__isnull=True)
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    assert _phones(imported)[device] == ("Polycom_VVX450", "0004F2ABCD01")
    again = imported.request("UserGetRequest22", user_id=user.user_id).access_device_endpoint
    assert (again.access_device.device_name, again.line_port) == (device, line_port)
    assert drift_audit(config=bw_config).found == {}
