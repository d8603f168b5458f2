"""Orders respect the baseline for every kind the plan can trip over (issue 19, item 3): a
missing group, a service pack missing from the group or authorized behind Orion's back; the
failure names the drift entry (the one the audit keeps for the same difference); staff accept
it and retry from the order page where accepting makes sense, and the page says why not
where it does not; another partner never sees any of it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orion.accounts.models import Customer
from orion.adoption.drift import DriftRefused, drift_audit, order_drift_accept_retry
from orion.adoption.models import BaselineQuantity, DriftEntry
from orion.adoption.services import broadworks_import
from orion.orders.models import Order, OrderKind
from orion.provisioning import services
from orion.provisioning.repair import order_retry
from tests.adoption.seed import BRANCH, HQ, SP, STANDARD, _group
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def _failed_order(tenant_a, bw_config, group_id: str, packages: dict[str, int],
                  numbers: list[str] | None = None) -> Order:
    customer = Customer.objects.get(bw_group_id=group_id)
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=customer.enterprise, customer=customer, packages=packages,
                        numbers=numbers or [])
    assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    return Order.objects.get(pk=order.pk)


def _named(order: Order) -> DriftEntry:
    (entry,) = DriftEntry.objects.filter(resolved_at__isnull=True)
    assert f"(drift #{entry.pk})" in order.provisioning_steps.get(status="failed").error
    return entry


def _allocated(bw, group_id: str) -> str:
    auth = bw.request("GroupServiceGetAuthorizationListRequest", service_provider_id=SP,
                      group_id=group_id)
    return next(r.allocated for r in auth.service_packs_authorization_table
                if r.service_pack_name == STANDARD and r.authorized == "true")


@pytest.fixture
def imported(tenant_a, legacy, bw_config):
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    return legacy


def test_a_missing_group_is_named_and_the_page_says_why_there_is_no_accept(
        imported, tenant_a, tenant_b, bw_config, staff):
    imported.request("GroupDeleteRequest", service_provider_id=SP, group_id=BRANCH)
    order = _failed_order(tenant_a, bw_config, BRANCH, {"Call Forwarding Always": 1})
    entry = _named(order)
    assert (entry.kind, entry.name, entry.expected, entry.actual) == (
        "group_missing", BRANCH, "present", "absent")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"#drift-{entry.pk}" in page and 'id="drift-no-accept"' in page
    assert 'id="accept-retry-form"' not in page
    with pytest.raises(DriftRefused):
        order_drift_accept_retry(user=staff, order_id=order.pk, reason="gone for good")
    for user in (tenant_a.user, tenant_b.user):
        partner = Client()
        partner.force_login(user)
        html = partner.get(reverse("orders:detail", args=[order.pk]))
        assert html.status_code == (200 if user == tenant_a.user else 404)
        assert 'id="order-drift"' not in html.content.decode()
        assert partner.post(reverse("adoption:order_accept", args=[order.pk]),
                            {"reason": "x"}).status_code == 404
    # Restored in BroadWorks (as the page says), Retry completes and the audit closes it.
    imported.batch_or_raise([_group(SP, BRANCH, "Legacy Branch", "America/Denver", "Denver")])
    order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    drift_audit(config=bw_config)
    entry.refresh_from_db()
    assert entry.resolution == "gone"


def test_a_service_pack_removed_from_the_group_is_accepted_and_the_order_completes(
        imported, tenant_a, tenant_b, bw_config, staff):
    imported.request("GroupServiceModifyAuthorizationListRequest", service_provider_id=SP,
                     group_id=HQ, service_pack_authorization=[
                         {"service_pack_name": STANDARD, "unauthorized": True}])
    order = _failed_order(tenant_a, bw_config, HQ, {"Enterprise Standard": 1},
                          stock_numbers(3125550170, 1))
    entry = _named(order)
    assert (entry.kind, entry.name, entry.expected, entry.actual) == (
        "pack_missing", STANDARD, "5", "absent")
    drift_audit(config=bw_config)  # the audit keeps the same entry, not a second one
    assert list(DriftEntry.objects.filter(resolved_at__isnull=True, kind="pack_missing")
                .values_list("pk", flat=True)) == [entry.pk]
    partner = Client()
    partner.force_login(tenant_b.user)
    assert partner.post(reverse("adoption:order_accept", args=[order.pk]),
                        {"reason": "x"}).status_code == 404
    client = Client()
    client.force_login(staff)
    assert 'id="accept-retry-form"' in client.get(
        reverse("orders:detail", args=[order.pk])).content.decode()
    assert client.post(reverse("adoption:order_accept", args=[order.pk]),
                       {"reason": "the customer gave the seats back"}).status_code == 302
    assert not BaselineQuantity.objects.filter(baseline__customer__bw_group_id=HQ,
                                               bw_name=STANDARD).exists()
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert _allocated(imported, HQ) == "1"  # only the order's seat


def test_a_service_pack_authorized_behind_orions_back_is_accepted(
        imported, tenant_a, bw_config, staff):
    imported.request("GroupServiceModifyAuthorizationListRequest", service_provider_id=SP,
                     group_id=BRANCH, service_pack_authorization=[
                         {"service_pack_name": STANDARD, "authorized_quantity": {"quantity": 2}}])
    order = _failed_order(tenant_a, bw_config, BRANCH, {"Enterprise Standard": 1},
                          stock_numbers(3125550180, 1))
    entry = _named(order)
    assert (entry.kind, entry.name, entry.expected, entry.actual) == (
        "pack_extra", STANDARD, "0", "2")
    order_drift_accept_retry(user=staff, order_id=order.pk, reason="two seats sold by hand")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert _allocated(imported, BRANCH) == "3"  # BroadWorks' 2, plus the order's 1
    assert drift_audit(config=bw_config).found == {}
