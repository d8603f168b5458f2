"""Duplicates are caught (issue 15, item 5): Save Order of a new customer or enterprise whose
name, case and punctuation folded, is that of an active account of the same partner is
refused with the account named, until the partner confirms."""

from __future__ import annotations

import pytest
from django.utils import timezone

from orion.accounts.selectors import account_duplicate_find, name_fold
from orion.orders import services
from orion.orders.exceptions import DuplicateAccountName
from orion.orders.models import OrderKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def _new_enterprise_draft(tenant):
    order = services.order_start(user=tenant.user, kind=OrderKind.NEW_ENTERPRISE)
    p = f.package("Power User")
    services.order_lines_add(user=tenant.user, order_id=order.pk,
                             order_type_id=p.order_type_id, package_ids=[p.pk])
    return order


def test_name_fold_keeps_letters_and_digits_lowercased():
    assert name_fold("ACME Corp., Inc.") == name_fold("acme corp inc") == "acmecorpinc"
    assert name_fold("Acme Corporation - Denver") == "acmecorporationdenver"
    assert name_fold(" - ") == ""


def test_duplicate_is_found_folded_in_the_partner_only(tenant_a, tenant_b):
    found = account_duplicate_find(partner_id=tenant_a.partner.pk, role="Customer",
                                   name="acme corporation—DENVER!")
    assert found is not None and found.id == tenant_a.second_customer.pk
    assert found.url == f"/customers/{tenant_a.second_customer.pk}/"
    assert found.enterprise_name == "Acme Corporation"
    found = account_duplicate_find(partner_id=tenant_a.partner.pk, role="Enterprise",
                                   name="ACME corporation")
    assert found is not None and found.url == f"/enterprises/{tenant_a.enterprise.pk}/"
    # Another partner's account of that name is no duplicate of this partner's.
    assert account_duplicate_find(partner_id=tenant_b.partner.pk, role="Customer",
                                  name="Acme Corporation") is None
    assert account_duplicate_find(partner_id=tenant_a.partner.pk, role="Customer",
                                  name="Acme Corporation Denver 2") is None


def test_cancelled_accounts_are_no_duplicates(tenant_a):
    tenant_a.second_customer.cancelled_at = timezone.now()
    tenant_a.second_customer.save(update_fields=["cancelled_at"])
    assert account_duplicate_find(partner_id=tenant_a.partner.pk, role="Customer",
                                  name="Acme Corporation - Denver") is None
    tenant_a.enterprise.cancelled_at = timezone.now()
    tenant_a.enterprise.save(update_fields=["cancelled_at"])
    assert account_duplicate_find(partner_id=tenant_a.partner.pk, role="Enterprise",
                                  name="Acme Corporation") is None
    assert account_duplicate_find(partner_id=tenant_a.partner.pk, role="Customer",
                                  name="Acme Corporation") is None  # its enterprise is gone


def test_new_customer_named_like_an_active_one_is_refused_until_confirmed(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with pytest.raises(DuplicateAccountName) as refused:
        services.order_save(user=tenant_a.user, order_id=order.pk,
                            details=f.new_customer_details(company_name="ACME Corporation."))
    assert "Customer Acme Corporation in the enterprise Acme Corporation already exists" \
        in refused.value.message
    assert refused.value.code == "duplicate_account"
    assert refused.value.duplicate.id == tenant_a.customer.pk
    order.refresh_from_db()
    assert order.is_draft and order.customer is None  # nothing was created

    saved = services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=f.new_customer_details(company_name="ACME Corporation.",
                                       confirm_duplicate=True)).order
    assert saved.customer.name == "ACME Corporation." and not saved.is_draft


def test_new_enterprise_named_like_an_active_one_is_refused_until_confirmed(tenant_a, tenant_b):
    order = _new_enterprise_draft(tenant_a)
    details = f.new_customer_details(enterprise_name="acme-corporation",
                                     company_name="Acme HQ", domain="acme-hq.example")
    with pytest.raises(DuplicateAccountName) as refused:
        services.order_save(user=tenant_a.user, order_id=order.pk, details=details)
    assert refused.value.duplicate.role == "Enterprise"
    assert "Enterprise Acme Corporation already exists" in refused.value.message

    # Another partner may well have an "Acme Corporation" of its own.
    other = _new_enterprise_draft(tenant_b)
    saved = services.order_save(user=tenant_b.user, order_id=other.pk, details=details).order
    assert saved.enterprise.name == "acme-corporation"


def test_add_services_is_never_a_duplicate(tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                 customer=tenant_a.customer)
    p = f.package("Power User")
    services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                             order_type_id=p.order_type_id, package_ids=[p.pk])
    saved = services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=services.OrderDetails(billing_start_date=timezone.localdate())).order
    assert saved.customer == tenant_a.customer


def test_the_page_names_and_links_the_duplicate_and_the_confirm_saves(client_a, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    details = f.new_customer_details(company_name="acme corporation, denver")
    data = {k: v for k, v in details.__dict__.items()
            if k != "confirm_duplicate" and v is not None}  # effective_date: change orders
    data["billing_start_date"] = details.billing_start_date.isoformat()
    data["version"] = order.version
    response = client_a.post(f"/orders/{order.pk}/form/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Customer Acme Corporation - Denver in the enterprise Acme Corporation" in html
    assert f'href="/customers/{tenant_a.second_customer.pk}/" id="duplicate-link"' in html
    assert "This is a different customer, save anyway" in html
    response = client_a.post(f"/orders/{order.pk}/form/", {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert not order.is_draft and order.customer.name == "acme corporation, denver"
