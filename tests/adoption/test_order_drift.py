"""Orders respect the baseline (issue 19, item 3): a change made outside Orion that an order
trips over is recorded as a drift entry the failure names, and staff accept it and retry from
the order page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orion.accounts.models import Customer
from orion.adoption.drift import DriftRefused, order_drift_accept_retry
from orion.adoption.models import BaselineQuantity, DriftEntry
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from tests.adoption.seed import HQ, SP
from tests.provisioning.helpers import place_order

pytestmark = pytest.mark.django_db

CFA = "Call Forwarding Always"


def _failure(order: Order) -> str:
    return order.provisioning_steps.get(status="failed").error


@pytest.fixture
def tripped(tenant_a, legacy, bw_config) -> Order:
    """Imported; then operations raise a quantity in BroadWorks (3 -> 4) and an add-services
    order on the group fails on it."""
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    legacy.batch_or_raise([("GroupServiceModifyAuthorizationListRequest", {
        "service_provider_id": SP, "group_id": HQ, "user_service_authorization": [
            {"service_name": CFA, "authorized_quantity": {"quantity": 4}}]})])
    hq = Customer.objects.get(bw_group_id=HQ)
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq, packages={CFA: 2})
    assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    return Order.objects.get(pk=order.pk)


def _cfa_quantity(bw) -> str:
    auth = bw.request("GroupServiceGetAuthorizationListRequest", service_provider_id=SP,
                      group_id=HQ)
    return next(r.quantity for r in auth.user_services_authorization_table
                if r.service_name == CFA)


def test_the_failure_names_the_drift_entry_it_recorded(tripped):
    entry = DriftEntry.objects.get(resolved_at__isnull=True)
    assert (entry.customer_id, entry.kind, entry.name, entry.expected, entry.actual) == (
        tripped.customer_id, "quantity", f"user_service:{CFA}", "3", "4")
    assert f"outside Orion (drift #{entry.pk})." in _failure(tripped)
    assert AuditEntry.objects.filter(action="adoption.drift_found").count() == 1


def test_a_failure_on_an_entry_the_audit_found_names_that_entry(tenant_a, legacy, bw_config):
    from orion.adoption.drift import drift_audit

    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    legacy.batch_or_raise([("GroupServiceModifyAuthorizationListRequest", {
        "service_provider_id": SP, "group_id": HQ, "user_service_authorization": [
            {"service_name": CFA, "authorized_quantity": {"quantity": 4}}]})])
    drift_audit(config=bw_config)
    found = DriftEntry.objects.get(resolved_at__isnull=True)
    hq = Customer.objects.get(bw_group_id=HQ)
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq, packages={CFA: 2})
    services.order_provision(order_id=order.pk, config=bw_config)
    assert DriftEntry.objects.count() == 1  # not doubled
    assert f"(drift #{found.pk})" in _failure(Order.objects.get(pk=order.pk))


def test_staff_accept_and_retry_from_the_order_page_completes(tripped, staff, legacy,
                                                              bw_config):
    entry = DriftEntry.objects.get()
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("orders:detail", args=[tripped.pk])).content.decode()
    assert 'id="accept-retry"' in page
    assert f'{reverse("adoption:drift")}#drift-{entry.pk}' in page
    response = client.post(reverse("adoption:order_accept", args=[tripped.pk]),
                           {"reason": "raised by operations in CommPilot"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.resolution == "accepted" and entry.resolved_by == staff
    assert BaselineQuantity.objects.get(baseline__customer=tripped.customer,
                                        bw_name=CFA).quantity == 4
    assert Order.objects.get(pk=tripped.pk).state == OrderState.IN_PROGRESS
    assert AuditEntry.objects.filter(action="adoption.drift_accept_retry",
                                     reason="raised by operations in CommPilot").count() == 1
    assert services.order_provision(order_id=tripped.pk, config=bw_config) == "completed"
    assert _cfa_quantity(legacy) == "6"  # BroadWorks' 4, plus the order's 2


def test_an_empty_reason_is_refused_next_to_the_field(tripped, staff):
    client = Client()
    client.force_login(staff)
    response = client.post(reverse("adoption:order_accept", args=[tripped.pk]),
                           {"reason": "   "})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-describedby="accept-problem"' in page and 'id="accept-problem"' in page
    assert DriftEntry.objects.get().resolved_at is None
    assert Order.objects.get(pk=tripped.pk).state == "failed"
    with pytest.raises(DriftRefused):
        order_drift_accept_retry(user=staff, order_id=tripped.pk, reason="")


def test_partners_never_see_the_drift_or_the_action(tripped, tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        client = Client()
        client.force_login(tenant.user)
        page = client.get(reverse("orders:detail", args=[tripped.pk]))
        if tenant is tenant_a:
            assert page.status_code == 200
            assert 'id="accept-retry"' not in page.content.decode()
            assert 'id="order-drift"' not in page.content.decode()
        else:
            assert page.status_code == 404
        response = client.post(reverse("adoption:order_accept", args=[tripped.pk]),
                               {"reason": "mine now"})
        assert response.status_code == 404
    assert DriftEntry.objects.get().resolved_at is None
    assert Order.objects.get(pk=tripped.pk).state == "failed"
