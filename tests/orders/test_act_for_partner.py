"""Act for a partner (issue 15, item 9): provider staff start any order, New Enterprise
included, on behalf of a partner; the order is the partner's and records who placed it, in
the order and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.exceptions import NotFound
from orion.orders import services
from orion.orders.exceptions import OrderError
from orion.orders.models import Order, OrderKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def _add(user, order: Order, name: str = "Power User") -> None:
    p = f.package(name)
    services.order_lines_add(user=user, order_id=order.pk, order_type_id=p.order_type_id,
                             package_ids=[p.pk])


def test_staff_place_a_new_enterprise_order_for_the_chosen_partner(staff, tenant_a, tenant_b):
    order = services.order_start(user=staff, kind=OrderKind.NEW_ENTERPRISE,
                                 partner=tenant_b.partner)
    assert order.partner == tenant_b.partner and order.placed_by_staff == staff
    assert order.created_by == staff
    _add(staff, order)
    saved = services.order_save(user=staff, order_id=order.pk, details=f.new_customer_details(
        enterprise_name="Zenith Labs", company_name="Zenith Labs",
        domain="zenith.example")).order
    # Everything the order created is the partner's, and the partner sees the order.
    assert saved.enterprise.partner == tenant_b.partner
    assert saved.customer.enterprise.partner == tenant_b.partner
    assert Order.objects.visible_to(tenant_b.user).filter(pk=saved.pk).exists()
    assert not Order.objects.visible_to(tenant_a.user).filter(pk=saved.pk).exists()
    (start,) = AuditEntry.objects.filter(action="order.start_for_partner")
    assert start.actor == staff and start.partner_id == tenant_b.partner.pk
    assert start.changes["partner"] == tenant_b.partner.pk
    (save,) = AuditEntry.objects.filter(action="order.save")
    assert save.changes["on_behalf_of"] == tenant_b.partner.pk
    assert save.partner_id == tenant_b.partner.pk


def test_staff_must_choose_an_active_partner_for_a_new_enterprise(staff, tenant_a):
    with pytest.raises(OrderError) as exc:
        services.order_start(user=staff, kind=OrderKind.NEW_ENTERPRISE)
    assert exc.value.code == "partner_required"
    tenant_a.partner.is_active = False
    tenant_a.partner.save(update_fields=["is_active"])
    with pytest.raises(OrderError) as exc:
        services.order_start(user=staff, kind=OrderKind.NEW_ENTERPRISE,
                             partner=tenant_a.partner)
    assert exc.value.code == "partner_inactive"
    assert not Order.objects.exists()


def test_staff_orders_for_existing_accounts_belong_to_the_accounts_partner(staff, tenant_a,
                                                                          tenant_b):
    order = services.order_start(user=staff, kind=OrderKind.ADD_SERVICES,
                                 customer=tenant_a.customer)
    assert order.partner == tenant_a.partner and order.placed_by_staff == staff
    with pytest.raises(OrderError) as exc:  # an account of another partner than the chosen one
        services.order_start(user=staff, kind=OrderKind.NEW_CUSTOMER,
                             enterprise=tenant_a.enterprise, partner=tenant_b.partner)
    assert exc.value.code == "partner_mismatch"


def test_a_partner_never_orders_for_another_partner(tenant_a, tenant_b):
    with pytest.raises(NotFound):
        services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                             partner=tenant_b.partner)
    own = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    assert own.partner == tenant_a.partner and own.placed_by_staff is None
    assert not AuditEntry.objects.filter(action="order.start_for_partner").exists()


def test_the_database_refuses_placed_by_someone_else_than_the_author(staff, tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    order.placed_by_staff = staff
    with pytest.raises(IntegrityError), transaction.atomic():
        order.save(update_fields=["placed_by_staff"])


def test_staff_choose_the_partner_on_the_start_page(client, staff, tenant_a, tenant_b):
    client.force_login(staff)
    home = client.get("/").content.decode()
    assert 'id="act-for-partner"' in home and tenant_b.partner.name in home
    page = client.get("/orders/new-enterprise/")
    assert page.status_code == 200 and 'name="partner"' in page.content.decode()
    refused = client.post("/orders/new-enterprise/", {"partner": ""})
    assert refused.status_code == 422
    assert 'id="partner-error"' in refused.content.decode()
    assert "Choose the partner" in refused.content.decode()
    response = client.post("/orders/new-enterprise/", {"partner": str(tenant_b.partner.pk)})
    order = Order.objects.get(state="draft")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/form/"
    assert order.partner == tenant_b.partner and order.placed_by_staff == staff
    form = client.get(f"/orders/{order.pk}/form/").content.decode()
    assert 'id="on-behalf-of"' in form and "Partner B" in form


def test_a_partner_user_cannot_pick_a_partner_in_the_form(client_a, tenant_a, tenant_b):
    response = client_a.post("/orders/new-enterprise/", {"partner": str(tenant_b.partner.pk)})
    order = Order.objects.get(state="draft")
    assert response.status_code == 302 and order.partner == tenant_a.partner
    assert order.placed_by_staff is None


def test_the_api_starts_an_order_for_a_partner(staff, tenant_a, tenant_b):
    from tests.api.conftest import ApiClient

    api = ApiClient(staff)
    missing = api.post("/orders", {"kind": "new_enterprise"})
    assert missing.status_code in (400, 409, 422), missing.content
    assert "Choose the partner" in missing.content.decode()
    response = api.post("/orders", {"kind": "new_enterprise", "partner_id": tenant_b.partner.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partner_id"] == tenant_b.partner.pk and body["placed_by_staff"] == "opsuser"
    other = ApiClient(tenant_a.user).post("/orders", {"kind": "new_enterprise",
                                                      "partner_id": tenant_b.partner.pk})
    assert other.status_code == 404


def test_staff_saving_a_partners_draft_is_audited_as_on_behalf(staff, tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    services.order_save(user=staff, order_id=draft.pk, details=f.new_customer_details())
    (save,) = AuditEntry.objects.filter(action="order.save")
    assert save.actor == staff and save.changes["on_behalf_of"] == tenant_a.partner.pk


def test_the_orders_list_marks_orders_placed_for_the_partner(client, staff, tenant_a):
    order = services.order_start(user=staff, kind=OrderKind.ADD_SERVICES,
                                 customer=tenant_a.customer)
    _add(staff, order)
    services.order_save(user=staff, order_id=order.pk, details=services.OrderDetails(
        billing_start_date=timezone.localdate() + timedelta(days=1)))
    client.force_login(tenant_a.user)
    page = client.get("/orders/").content.decode()
    assert "opsuser" in page and "(staff, for the partner)" in page
