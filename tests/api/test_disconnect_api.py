"""API parity for disconnect orders: save one for a customer (the page's checks and
messages, the field named), cancel it; each writes its audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.clock import local_today
from orion.orders.disconnect import termination_fee_packages
from orion.orders.models import Order, OrderKind
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(tenant_a):
    tenant_a.customer.activated_at = timezone.now()
    tenant_a.customer.save(update_fields=["activated_at"])
    return tenant_a.customer


def test_save_and_cancel_a_disconnect_through_the_api(tenant_a, active):
    api = ApiClient(tenant_a.user)
    when = local_today(active.time_zone) + timedelta(days=4)
    fee = termination_fee_packages().get(name="Early Termination Fee")
    saved = api.post(f"/customers/{active.pk}/disconnect", {
        "effective_date": when.isoformat(), "reason": "Closing the office",
        "termination_fee_id": fee.pk, "termination_fee_quantity": 2})
    assert saved.status_code == 201, saved.content
    body = saved.json()
    assert body["effective_date"] == when.isoformat() and body["reason"] == "Closing the office"
    assert body["order"]["kind"] == "disconnect" and body["order"]["state"] == "acknowledged"
    assert [(line["package_name"], line["quantity"]) for line in body["order"]["lines"]] == [
        ("Early Termination Fee", 2)]
    order = Order.objects.get(pk=body["order"]["id"], kind=OrderKind.DISCONNECT)
    assert AuditEntry.objects.filter(action="order.disconnect_save",
                                     object_id=str(order.pk)).count() == 1
    again = api.post(f"/customers/{active.pk}/disconnect", {
        "effective_date": when.isoformat(), "reason": "twice"})
    assert again.status_code in (409, 422) and order.number in again.json()["message"]
    cancelled = api.post(f"/orders/{order.pk}/disconnect/cancel", {"reason": "stays"})
    assert cancelled.status_code == 200 and cancelled.json()["order"]["state"] == "cancelled"
    assert AuditEntry.objects.filter(action="order.disconnect_cancel",
                                     object_id=str(order.pk)).count() == 1


def test_a_past_date_is_refused_with_the_field_named(tenant_a, active):
    api = ApiClient(tenant_a.user)
    past = local_today(active.time_zone) - timedelta(days=1)
    refused = api.post(f"/customers/{active.pk}/disconnect", {
        "effective_date": past.isoformat(), "reason": "late"})
    assert refused.status_code == 422
    assert "cannot be in the past" in refused.json()["errors"]["effective_date"][0]
    assert not Order.objects.filter(kind=OrderKind.DISCONNECT).exists()


def test_another_partners_customer_is_404(tenant_a, tenant_b, active):
    refused = ApiClient(tenant_b.user).post(f"/customers/{active.pk}/disconnect", {
        "effective_date": local_today(active.time_zone).isoformat(), "reason": "x"})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_a_disconnect_draft_is_refused_with_the_one_step_operation_named(tenant_a, active):
    refused = ApiClient(tenant_a.user).post("/orders", {"kind": "disconnect",
                                                        "customer_id": active.pk})
    assert refused.status_code == 422  # no draft: a disconnect is saved in one step
    assert not Order.objects.filter(kind=OrderKind.DISCONNECT).exists()


def test_order_start_refuses_a_disconnect_draft(tenant_a, active):
    from orion.orders.exceptions import OrderError
    from orion.orders.services import order_start

    with pytest.raises(OrderError) as exc:
        order_start(user=tenant_a.user, kind=OrderKind.DISCONNECT, customer=active)
    assert exc.value.code == "disconnect_in_one_step"
