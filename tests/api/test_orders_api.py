"""Orders through the API: the same services as the order form, checked against the DB."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.accounts.models import Customer
from orion.numbers.models import DID, Backorder
from orion.numbers.services import numbers_add_range
from orion.orders.models import Order, OrderLine
from tests import factories as f


def _details(**overrides):
    values = {"billing_start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
              "company_name": "Api Co", "address_line1": "1 Elm St", "city": "Boston",
              "state_code": "ma", "zip_code": "02108", "contact_name": "Sam Smith",
              "contact_phone": "617-555-0100", "contact_email": "Sam@ApiCo.example",
              "domain": "apico.example", "time_zone": "America/New_York", "notes": "fax"}
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_new_customer_order_from_draft_to_saved(api_a, tenant_a):
    numbers_add_range(spec="2125550100-2125550109")
    response = api_a.post("/orders", {"kind": "new_customer",
                                      "enterprise_id": tenant_a.enterprise.pk})
    assert response.status_code == 201
    order_id = response.json()["id"]
    package = f.package("Enterprise Standard")
    response = api_a.post(f"/orders/{order_id}/lines",
                          {"order_type_id": package.order_type_id, "package_ids": [package.pk]})
    assert response.status_code == 200
    line = response.json()["lines"][0]
    assert line["package_id"] == package.pk and line["quantity"] == 1
    response = api_a.patch(f"/orders/{order_id}/lines/{line['id']}", {"quantity": 3})
    assert response.json()["lines"][0]["quantity"] == 3
    assert OrderLine.objects.get(pk=line["id"]).quantity == 3

    response = api_a.post(f"/orders/{order_id}/dids",
                          {"numbers": ["2125550100", "212-555-0101"], "trunking": ["2125550101"],
                           "npa": "212", "backorder_quantity": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reserve"]["reserved"] == ["+12125550100", "+12125550101"]
    assert body["backorder"]["quantity"] == 2
    assert DID.objects.get(e164="+12125550101").is_for_trunking
    assert DID.objects.filter(order_id=order_id, state="reserved").count() == 2

    did = DID.objects.get(e164="+12125550100")
    assert api_a.delete(f"/orders/{order_id}/dids/{did.pk}").status_code == 200
    did.refresh_from_db()
    assert did.state == "available" and did.order_id is None

    response = api_a.post(f"/orders/{order_id}/save", _details())
    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["created"] is True and saved["order"]["state"] == "acknowledged"
    order = Order.objects.get(pk=order_id)
    assert order.number == saved["order"]["number"] and order.state == "acknowledged"
    customer = Customer.objects.get(pk=order.customer_id)
    # The form's validators normalised the input (state upper-cased, e-mail lower-cased).
    assert (customer.state, customer.contact_email) == ("MA", "sam@apico.example")
    assert DID.objects.get(e164="+12125550101").state == "assigned"
    # A second save is harmless (double submit) and the draft can no longer change.
    again = api_a.post(f"/orders/{order_id}/save", _details())
    assert again.json()["created"] is False
    refused = api_a.patch(f"/orders/{order_id}/lines/{line['id']}", {"quantity": 5})
    assert refused.status_code == 422 and refused.json()["code"] == "order_not_editable"
    progress = api_a.get(f"/orders/{order_id}/progress").json()
    assert progress["state"] == "acknowledged"


@pytest.mark.django_db
def test_save_reports_every_field_error_in_one_shape(api_a, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    response = api_a.post(f"/orders/{order.pk}/save", _details(
        domain="www.acme.com", time_zone="Mars/Olympus", company_name="",
        billing_start_date="2001-01-01"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "order_invalid"
    assert set(body["errors"]) >= {"domain", "time_zone", "company_name", "billing_start_date"}
    assert "www." in body["errors"]["domain"][0]
    order.refresh_from_db()
    assert order.state == "draft" and order.number is None
    empty = api_a.post("/orders", {"kind": "new_enterprise"}).json()["id"]
    response = api_a.post(f"/orders/{empty}/save", _details(enterprise_name="E"))
    assert response.json()["errors"]["packages"]


@pytest.mark.django_db
def test_bad_input_is_422_invalid_request(api_a, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    line = order.lines.get()
    # 0 passes the schema (a change order's line removes a package with it) and is refused by
    # the service for a line of a new order.
    zero = api_a.patch(f"/orders/{order.pk}/lines/{line.pk}", {"quantity": 0})
    assert zero.status_code == 422 and zero.json()["code"] == "invalid_quantity"
    line.refresh_from_db()
    assert line.quantity >= 1
    for response in (
        api_a.patch(f"/orders/{order.pk}/lines/{line.pk}", {"quantity": "many"}),
        api_a.post("/orders", {"kind": "nonsense"}),
        api_a.get("/orders", limit=101),
        api_a.get(f"/orders/{2**70}"),
    ):
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "invalid_request" and response.json()["errors"]
    wrong_type = api_a.post(f"/orders/{order.pk}/lines", {
        "order_type_id": f.order_type("Fax Service").pk,
        "package_ids": [f.package("Enterprise Standard").pk]})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["code"] == "package_wrong_order_type"
    missing = api_a.post("/orders", {"kind": "new_customer"})
    assert missing.status_code == 422 and "enterprise_id" in missing.json()["errors"]


@pytest.mark.django_db
def test_remove_line_and_backorder(api_a, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    response = api_a.post(f"/orders/{order.pk}/dids", {"npa": "305", "backorder_quantity": 4})
    backorder = response.json()["backorder"]
    assert api_a.delete(f"/orders/{order.pk}/backorders/{backorder['id']}").status_code == 200
    assert not Backorder.objects.filter(pk=backorder["id"]).exists()
    line = order.lines.get()
    assert api_a.delete(f"/orders/{order.pk}/lines/{line.pk}").json()["lines"] == []
    assert api_a.delete(f"/orders/{order.pk}/lines/{line.pk}").status_code == 404


@pytest.mark.django_db
def test_reserve_quantity_is_all_or_nothing(api_a, tenant_a):
    numbers_add_range(spec="2125550100-2125550102")
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    too_many = api_a.post(f"/orders/{order.pk}/dids/reserve-quantity",
                          {"npa": "212", "quantity": 5})
    assert too_many.status_code == 422 and too_many.json()["code"] == "not_enough_numbers"
    assert DID.objects.filter(state="reserved").count() == 0
    ok = api_a.post(f"/orders/{order.pk}/dids/reserve-quantity", {"npa": "212", "quantity": 2})
    assert ok.status_code == 200 and len(ok.json()["reserved"]) == 2
    assert DID.objects.filter(order=order, state="reserved").count() == 2


@pytest.mark.django_db
def test_billing_start_date_change_and_staff_repair(api_a, api_staff, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    api_a.post(f"/orders/{order.pk}/save", _details())
    new_date = timezone.localdate() + timedelta(days=20)
    response = api_a.put(f"/orders/{order.pk}/billing-start-date",
                         {"billing_start_date": new_date.isoformat()})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.billing_start_date == new_date
    past = api_a.put(f"/orders/{order.pk}/billing-start-date",
                     {"billing_start_date": "2001-01-01"})
    assert past.status_code == 422 and past.json()["errors"]["billing_start_date"]

    # Retry and cancel are staff-only: a partner gets 404, as on the order page.
    assert api_a.post(f"/orders/{order.pk}/cancel", {}).status_code == 404
    assert api_a.post(f"/orders/{order.pk}/retry").status_code == 404
    not_failed = api_staff.post(f"/orders/{order.pk}/retry")
    assert not_failed.status_code == 422 and not_failed.json()["code"] == "not_failed"
    response = api_staff.post(f"/orders/{order.pk}/cancel", {"reason": "customer asked"})
    assert response.status_code == 200 and response.json()["order"]["state"] == "cancelled"
    order.refresh_from_db()
    assert order.state == "cancelled"
    assert api_staff.post(f"/orders/{order.pk}/retry").status_code == 422
    assert api_staff.post(f"/orders/{2**40}/retry").status_code == 404


@pytest.mark.django_db
def test_order_list_filters_and_pagination(api_a, tenant_a):
    for i in range(3):
        order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
        api_a.post(f"/orders/{order.pk}/save", _details(domain="", company_name=f"Api Co {i}"))
    page = api_a.get("/orders", limit=2).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert len(api_a.get("/orders", limit=2, offset=2).json()["items"]) == 1
    assert api_a.get("/orders", state="completed").json()["count"] == 0
    assert api_a.get("/orders", include_drafts="true").json()["count"] == 3


def test_save_refuses_a_duplicate_name_until_confirmed(api_a, tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    refused = api_a.post(f"/orders/{order.pk}/save", _details(company_name="ACME corporation"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "duplicate_account"
    saved = api_a.post(f"/orders/{order.pk}/save",
                       _details(company_name="ACME corporation", confirm_duplicate=True))
    assert saved.status_code == 200 and saved.json()["created"] is True
