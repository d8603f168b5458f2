"""Gaps the security review probed by hand: ids in query strings and POST bodies, the audit
page's filters, and text that PostgreSQL refuses (NUL) reaching the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.api.models import ApiToken
from orion.api.services import token_create
from orion.audit.models import AuditEntry
from orion.audit.services import audit_record
from orion.numbers.models import DID, Backorder
from orion.numbers.services import backorder_create, numbers_add_range, numbers_reserve
from orion.orders.models import Order, OrderKind
from tests import factories as f
from tests.provisioning.helpers import place_order


@pytest.fixture
def world(tenant_a, tenant_b):
    """Partner A's draft with a line, a reserved number and a backorder; B's own draft."""
    numbers_add_range(spec="7185550100-7185550104", rate_center="BROOKLYN", region="NY")
    draft_a = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    draft_b = f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=["7185550100"])
    did = DID.objects.get(e164="+17185550100")
    backorder = backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa="718",
                                 quantity=1)
    return draft_a, draft_b, did, backorder


@pytest.mark.django_db
def test_foreign_ids_in_bodies_of_own_urls_change_nothing(client, tenant_a, tenant_b, world):
    """B uses its own order in the URL and A's line/number/backorder ids in the path or body."""
    draft_a, draft_b, did, backorder = world
    line_a = draft_a.lines.get()
    client.force_login(tenant_b.user)
    base = f"/orders/{draft_b.pk}/form"
    assert client.post(f"{base}/lines/{line_a.pk}/quantity/", {"quantity": "9"}).status_code == 404
    assert client.post(f"{base}/lines/{line_a.pk}/remove/").status_code == 404
    assert client.post(f"{base}/dids/remove/", {"did": did.pk}).status_code == 404
    assert client.post(f"{base}/backorders/remove/",
                       {"backorder": backorder.pk}).status_code == 404
    # Ordering A's reserved number onto B's draft does not take it.
    client.post(f"{base}/dids/", {"number": ["7185550100"], "npa": "718"})
    line_a.refresh_from_db()
    did.refresh_from_db()
    assert line_a.quantity == 1
    assert did.state == "reserved" and did.order_id == draft_a.pk
    assert Backorder.objects.filter(pk=backorder.pk, order=draft_a).exists()


@pytest.mark.django_db
def test_query_string_filters_do_not_cross_partners(client, tenant_a, tenant_b, world):
    draft_a, _, did, backorder = world
    token = token_create(user=tenant_a.user, name="a").token
    client.force_login(tenant_b.user)
    body = client.get(f"/orders/?partner={tenant_a.partner.pk}").content.decode()
    assert f"/orders/{draft_a.pk}/" not in body
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    # Staff pages with ids in the query string or body: 404 for a partner, nothing changed.
    assert client.get(f"/numbers/number/?id={did.pk}").status_code == 404
    assert client.post("/numbers/number/action/",
                       {"id": did.pk, "action": "release"}).status_code == 404
    assert client.post("/numbers/backorders/fill/", {"id": backorder.pk}).status_code == 404
    assert client.get(f"/audit/?object_id={draft_a.pk}").status_code == 404
    did.refresh_from_db()
    assert did.state == "reserved"


@pytest.mark.django_db
def test_audit_filters_refuse_bad_values_with_400(client, staff):
    client.force_login(staff)
    for query in ("date_from=2026-13-01", "actor=a%00b", "object_id=" + "9" * 50,
                  "action=no-such-action", "date_from=2026-05-02&date_to=2026-05-01"):
        assert client.get(f"/audit/?{query}").status_code == 400, query
    for query in ("page=abc", "page=99999", "date_from=0001-01-01",
                  "date_from=9999-12-31&date_to=9999-12-31"):
        assert client.get(f"/audit/?{query}").status_code == 200, query


@pytest.mark.django_db
def test_audit_record_drops_nul_instead_of_failing_the_change(tenant_a):
    entry = audit_record(actor=tenant_a.user, action="test.nul", obj=tenant_a.customer,
                         reason="late\x00start", changes={"note": ["a\x00", "b"],
                                                          "k\x00": {"x": "y\x00"}})
    entry.refresh_from_db()
    assert entry.reason == "latestart"
    assert entry.changes == {"note": ["a", "b"], "k": {"x": "y"}}


@pytest.mark.django_db
def test_nul_in_billing_start_date_reason_is_a_clear_error(client, tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer, packages={"Enterprise Standard": 2})
    client.raise_request_exception = False
    client.force_login(staff)
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(f"/billing/orders/{order.pk}/billing-start-date/",
                           {"billing_start_date": day, "reason": "late\x00start"}, follow=True)
    # Refused with a message that says why, and nothing changed: no new date, no audit row
    # (audit would strip the NUL, so "no NUL in the log" proves nothing; no row does).
    assert "control characters" in response.content.decode()
    assert Order.objects.get(pk=order.pk).billing_start_date == order.billing_start_date
    assert not AuditEntry.objects.filter(action="order.billing_start_date_change",
                                         object_id=str(order.pk)).exists()


@pytest.mark.django_db
def test_control_characters_in_a_cancel_reason_are_refused_and_nothing_changes(
        client, tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer, packages={"Enterprise Standard": 2})
    client.force_login(staff)
    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "gone\x00away"},
                           follow=True)
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert Order.objects.get(pk=order.pk).state == order.state
