"""The Select DIDs UI on the order form (htmx endpoints), the order page, the staff pages."""

from __future__ import annotations

import pytest

from orion.numbers import services as s
from orion.numbers.models import DID, Backorder
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(order, part: str) -> str:
    return f"/orders/{order.pk}/form/{part}"


def test_form_shows_the_did_section_and_rule(client_a, draft_a, inventory):
    page = client_a.get(f"/orders/{draft_a.pk}/form/").content.decode()
    for needle in ('id="select-dids"', "Total available to select", "Total selected",
                   "each further DID is $1.50 per month", 'id="order-dids"'):
        assert needle in page
    picker = client_a.get(url(draft_a, "dids/select/")).content.decode()
    assert 'id="did-npa"' in picker and 'id="did-nxx"' in picker and 'id="did-search"' in picker


def test_search_lists_free_numbers_paginated(client_a, draft_a, inventory, settings):
    settings.ORION_DID_PAGE_SIZE = 15
    page1 = client_a.get(url(draft_a, "dids/search/"), {"npa": "212", "nxx": "555"})
    body = page1.content.decode()
    assert page1.status_code == 200
    assert body.count('name="number"') == 15 and body.count('name="trunking"') == 15
    assert "Is For Trunking" in body and 'id="did-next"' in body and 'id="did-backorder"' in body
    page2 = client_a.get(url(draft_a, "dids/search/"), {"npa": "212", "nxx": "555", "page": 2})
    assert page2.content.decode().count('name="number"') == 5
    empty = client_a.get(url(draft_a, "dids/search/"), {"npa": "303", "nxx": "555"})
    assert 'id="no-dids"' in empty.content.decode()


@pytest.mark.parametrize(("npa", "nxx", "message"), [
    ("123", "555", "must start with a digit from 2 to 9"),
    ("911", "555", "N11"),
    ("21", "555", "3 digits"),
    ("abc", "555", "3 digits"),
    ("212", "011", "NXX must start"),
])
def test_search_refuses_bad_npa_nxx(client_a, draft_a, npa, nxx, message):
    response = client_a.get(url(draft_a, "dids/search/"), {"npa": npa, "nxx": nxx})
    assert response.status_code == 422 and message in response.content.decode()
    assert response["HX-Retarget"] == "#did-results"


def test_order_reserves_ticks_and_backorder_and_updates_totals(client_a, draft_a, inventory):
    response = client_a.post(url(draft_a, "dids/"), {
        "npa": "212", "nxx": "555", "number": ["+12125550100", "+12125550101"],
        "trunking": ["+12125550101"], "backorder_quantity": "3"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "212-555-0100" in body and "Backordered: 3 in 212-555" in body
    assert "2 DIDs reserved until" in body and "3 DIDs backordered" in body
    assert 'id="dids-selected">5<' in body  # the allowance line, swapped out of band
    assert DID.objects.get(e164="+12125550101").is_for_trunking
    assert Backorder.objects.get(order=draft_a).quantity == 3
    # Remove both again.
    did = DID.objects.get(e164="+12125550100")
    assert client_a.post(url(draft_a, "dids/remove/"), {"did": did.pk}).status_code == 200
    bo = Backorder.objects.get(order=draft_a)
    assert client_a.post(url(draft_a, "backorders/remove/"), {"backorder": bo.pk}).status_code \
        == 200
    assert DID.objects.get(pk=did.pk).state == "available" and not Backorder.objects.exists()


@pytest.mark.parametrize("quantity", ["0", "-5", "100000"])
def test_order_refuses_bad_backorder_quantity_and_reserves_nothing(client_a, draft_a,
                                                                    inventory, quantity):
    response = client_a.post(url(draft_a, "dids/"), {
        "npa": "212", "nxx": "555", "number": ["+12125550100"], "backorder_quantity": quantity})
    assert response.status_code == 422 and "1 to 1,000" in response.content.decode()
    assert DID.objects.get(e164="+12125550100").state == "available"


def test_order_reports_a_number_just_taken_and_keeps_the_rest(client_a, tenant_a, draft_a,
                                                             inventory):
    other = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Power User",))
    s.numbers_reserve(user=tenant_a.user, order_id=other.pk, numbers=["+12125550100"])
    response = client_a.post(url(draft_a, "dids/"), {
        "npa": "212", "nxx": "555", "number": ["+12125550100", "+12125550101"]})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="did-problem"' in body
    assert "212-555-0100 was just taken" in body
    assert DID.objects.get(e164="+12125550101").order_id == draft_a.pk


def test_hand_posted_numbers_outside_the_inventory_or_invalid(client_a, draft_a, inventory):
    response = client_a.post(url(draft_a, "dids/"), {"number": ["+13035551234"]})
    assert "303-555-1234 is not in the inventory" in response.content.decode()
    bad = client_a.post(url(draft_a, "dids/"), {"number": ["9115550100"]})
    assert bad.status_code == 422 and "N11" in bad.content.decode()
    nothing = client_a.post(url(draft_a, "dids/"), {})
    assert nothing.status_code == 422 and "Tick at least one number" in nothing.content.decode()


def test_partner_b_gets_404_on_a_drafts_did_endpoints(client, tenant_a, tenant_b, draft_a,
                                                      inventory):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=["+12125550100"])
    did = DID.objects.get(e164="+12125550100")
    client.force_login(tenant_b.user)
    assert client.get(url(draft_a, "dids/select/")).status_code == 404
    assert client.get(url(draft_a, "dids/search/"), {"npa": "212"}).status_code == 404
    assert client.post(url(draft_a, "dids/"), {"number": ["+12125550101"]}).status_code == 404
    assert client.post(url(draft_a, "dids/remove/"), {"did": did.pk}).status_code == 404
    # B's own draft cannot remove A's number either.
    draft_b = f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    assert client.post(url(draft_b, "dids/remove/"), {"did": did.pk}).status_code == 404
    assert DID.objects.get(pk=did.pk).order_id == draft_a.pk


def test_saved_order_page_shows_numbers_and_backorder_status(client_a, tenant_a, draft_a,
                                                             inventory, staff):
    client_a.post(url(draft_a, "dids/"), {"npa": "206", "nxx": "432",
                                          "number": ["+12064327000"], "backorder_quantity": "2"})
    order = f.order_services.order_save(user=tenant_a.user, order_id=draft_a.pk,
                                        details=f.new_customer_details()).order
    page = client_a.get(f"/orders/{order.pk}/").content.decode()
    assert "206-432-7000" in page and "Backordered" in page and "2 pending" in page
    bo = order.did_backorders.get()
    client_a.force_login(staff)
    client_a.post("/numbers/backorders/fill/", {"id": bo.pk})
    client_a.force_login(tenant_a.user)
    page = client_a.get(f"/orders/{order.pk}/").content.decode()
    assert "Complete" in page and "206-432-7001" in page


def test_staff_pages_are_404_for_partners(client_a, inventory):
    did = DID.objects.first()
    for path in ("/numbers/", "/numbers/backorders/", f"/numbers/number/?id={did.pk}"):
        assert client_a.get(path).status_code == 404
    assert client_a.post("/numbers/number/action/", {"id": did.pk, "action": "quarantine"}
                         ).status_code == 404
    assert client_a.post("/numbers/backorders/fill/", {"id": 1}).status_code == 404
    assert DID.objects.get(pk=did.pk).state == "available"


def test_staff_inventory_search_actions_and_history(client, staff, inventory):
    client.force_login(staff)
    page = client.get("/numbers/").content.decode()
    assert 'id="count-available">23<' in page and "212-555" in page and "206-432" in page
    found = client.get("/numbers/", {"q": "212-555-011"}).content.decode()
    assert found.count("/numbers/number/?id=") == 10
    did = DID.objects.get(e164="+12125550100")
    response = client.post("/numbers/number/action/", {"id": did.pk, "action": "quarantine"})
    assert response.status_code == 302
    assert DID.objects.get(pk=did.pk).state == "quarantined"
    detail = client.get(f"/numbers/number/?id={did.pk}").content.decode()
    assert "Quarantined by staff" in detail and 'id="did-unquarantine"' in detail
    nav = client.get("/").content.decode()
    assert 'id="nav-dids"' in nav and 'id="nav-backorders"' in nav
