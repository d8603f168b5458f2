"""Search, enterprises, customers, catalog, numbers and the staff backorder queue."""

from __future__ import annotations

import pytest

from orion.catalog.models import Package
from orion.numbers.models import DID
from orion.numbers.services import backorder_create, numbers_add_range
from orion.orders import services as order_services
from tests import factories as f


@pytest.mark.django_db
def test_search_lists_roles_and_only_own_accounts(api_a, api_b, tenant_a, staff):
    body = api_a.get("/accounts/search", q="acme").json()
    roles = {(hit["role"], hit["id"]) for hit in body["items"]}
    assert ("Enterprise", tenant_a.enterprise.pk) in roles
    assert ("Customer", tenant_a.customer.pk) in roles
    assert api_b.get("/accounts/search", q="acme").json()["items"] == []
    assert api_a.get("/accounts/search").status_code == 422  # q is required


@pytest.mark.django_db
def test_enterprises_and_customers(api_a, api_b, tenant_a, tenant_b):
    listed = api_a.get("/enterprises").json()
    assert [e["id"] for e in listed["items"]] == [tenant_a.enterprise.pk]
    customers = api_a.get(f"/enterprises/{tenant_a.enterprise.pk}/customers").json()
    assert {c["id"] for c in customers["items"]} == {tenant_a.customer.pk,
                                                     tenant_a.second_customer.pk}
    customer = api_a.get(f"/customers/{tenant_a.customer.pk}").json()
    assert customer["domain"] == "acme.example"
    assert api_b.get(f"/customers/{tenant_a.customer.pk}").status_code == 404
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order_services.order_save(user=tenant_a.user, order_id=order.pk,
                              details=f.new_customer_details())
    orders = api_a.get(f"/enterprises/{tenant_a.enterprise.pk}/orders").json()
    assert [o["id"] for o in orders["items"]] == [order.pk]
    assert api_a.get(f"/customers/{tenant_a.customer.pk}/orders").json()["count"] == 0


@pytest.mark.django_db
def test_catalog(api_a):
    types = api_a.get("/catalog/order-types").json()
    assert len(types) == 5
    packages = api_a.get("/catalog/packages").json()
    assert len(packages) == Package.objects.filter(is_active=True, is_extra_did=False).exclude(
        name="E911 Surcharge").count()  # Orion adds it per located number
    fax = next(t for t in types if t["name"] == "Fax Service")
    assert len(api_a.get("/catalog/packages", order_type_id=fax["id"]).json()) == 7
    one = api_a.get(f"/catalog/packages/{packages[0]['id']}").json()
    assert one["price"] == str(Package.objects.get(pk=packages[0]["id"]).price)
    extra = Package.objects.get(is_extra_did=True)
    assert api_a.get(f"/catalog/packages/{extra.pk}").status_code == 404


@pytest.mark.django_db
def test_numbers_search(api_a):
    numbers_add_range(spec="2125550100-2125550130")
    body = api_a.get("/numbers/available", npa="212", nxx="555").json()
    assert body["items"][0]["number"] == "+12125550100" and body["has_next"] is True
    bad = api_a.get("/numbers/available", npa="112")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_number"
    assert bad.json()["errors"] == {"npa": [bad.json()["message"]]}


@pytest.mark.django_db
def test_backorder_queue_and_fill_are_staff_only(api_a, api_staff, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    backorder = backorder_create(user=tenant_a.user, order_id=order.pk, npa="305", quantity=2)
    order_services.order_save(user=tenant_a.user, order_id=order.pk,
                              details=f.new_customer_details())
    assert api_a.get("/backorders").status_code == 404
    queue = api_staff.get("/backorders").json()
    assert [b["id"] for b in queue["items"]] == [backorder.pk]
    assert queue["items"][0]["free_now"] == 0
    empty = api_staff.post(f"/backorders/{backorder.pk}/fill")
    assert empty.status_code == 422 and empty.json()["code"] == "not_enough_numbers"
    numbers_add_range(spec="3055550100-3055550100")
    assert api_a.post(f"/backorders/{backorder.pk}/fill").status_code == 404
    filled = api_staff.post(f"/backorders/{backorder.pk}/fill").json()
    assert filled["filled"] == 1 and filled["backorder"]["status"] == "Partial"
    assert DID.objects.get(e164="+13055550100").order_id == order.pk

    did = DID.objects.get(e164="+13055550100")
    assert api_a.post(f"/numbers/{did.pk}/release").status_code == 404
    # In service with the customer: refused, with the way to give it back.
    refused = api_staff.post(f"/numbers/{did.pk}/release")
    assert refused.status_code == 422 and refused.json()["code"] == "number_in_service"
    assert "change order" in refused.json()["message"]
    assert DID.objects.get(pk=did.pk).state == "assigned"
    assert api_staff.post(f"/orders/{order.pk}/cancel", {"reason": "test"}).status_code == 200
    # Never in service (the order never reached BroadWorks): back in stock at once.
    assert DID.objects.get(pk=did.pk).state == "available"
    assert api_staff.post(f"/numbers/{did.pk}/quarantine", {"days": 5}).json()["state"] \
        == "quarantined"
    assert api_staff.post(f"/numbers/{did.pk}/unquarantine").json()["state"] == "available"
