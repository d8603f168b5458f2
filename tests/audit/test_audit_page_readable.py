"""The audit page made readable (issue 15, item 10): each filter value listed once, and the
changes shown as "field: old → new" with names instead of ids."""

from __future__ import annotations

import html

import pytest

from orion.audit.models import AuditEntry
from orion.audit.selectors import audit_change_lines, audit_filter_choices
from orion.audit.services import audit_record
from orion.orders import services as order_services
from orion.orders.models import OrderKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_filter_values_are_listed_once(client, tenant_a, staff):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    for _ in range(3):
        audit_record(actor=staff, action="order.retry", obj=order)
        audit_record(actor=tenant_a.user, action="order.retry", obj=order)
    choices = audit_filter_choices(user=staff)
    assert choices["actions"] == ["order.retry"]
    assert choices["object_types"] == ["orders.Order"]
    assert choices["actors"] == sorted([staff.username, tenant_a.user.username])
    client.force_login(staff)
    page = client.get("/audit/").content.decode()
    assert page.count('<option value="order.retry"') == 1
    assert page.count(f'<option value="{staff.username}"') == 1
    filtered = client.get("/audit/", {"actor": staff.username, "action": "order.retry"})
    assert "3 entries" in filtered.content.decode()


def test_changes_read_old_to_new_with_names(client, tenant_a, staff):
    order = order_services.order_start(user=staff, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=tenant_a.enterprise)
    audit_record(actor=staff, action="order.cancel", obj=order,
                 changes={"state": ["failed", "cancelled"], "customer": tenant_a.customer.pk,
                          "billing_start_date": ["2026-01-01", "2026-02-01"],
                          "partner_id": [None, tenant_a.partner.pk], "job_lost": False})
    entries = list(AuditEntry.objects.order_by("id"))
    start, cancel = entries
    lines = [str(line) for line in audit_change_lines(entries)[cancel.pk]]
    assert sorted(lines) == sorted([  # jsonb keeps its own key order
        "State: Failed → Cancelled", f"Customer: {tenant_a.customer.name}",
        "Billing Start Date: 2026-01-01 → 2026-02-01",
        f"Partner: — → {tenant_a.partner.name}", "Job lost: no"])
    started = [str(line) for line in audit_change_lines(entries)[start.pk]]
    assert "Kind: New customer in an existing enterprise" in started
    assert f"Partner: {tenant_a.partner.name}" in started
    assert f"Enterprise: {tenant_a.enterprise.name}" in started
    client.force_login(staff)
    page = html.unescape(client.get("/audit/").content.decode())
    assert "Failed</span> → <span class=\"new\">Cancelled" in page
    assert f"<strong>Customer</strong>: {tenant_a.customer.name}" in page


def test_a_deleted_object_and_a_created_list_read_plainly(tenant_a, staff):
    entry = audit_record(actor=staff, action="webhook.add", obj=tenant_a.partner,
                         changes={"events": ["order.state", "backorder.filled"],
                                  "customer": 999999})
    lines = sorted(str(line) for line in audit_change_lines([entry])[entry.pk])
    assert lines == ["Customer: #999999 (deleted)", "Events: order.state, backorder.filled"]


def test_user_text_in_changes_is_escaped(client, tenant_a, staff):
    audit_record(actor=staff, action="order.retry", obj=tenant_a.partner,
                 changes={"note": ["<b>x</b>", "<script>alert(1)</script>"]})
    client.force_login(staff)
    page = client.get("/audit/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
