"""E911 locations per number (issue 18, item 6): checked as an E911 provider checks them, the
customer's service address by default, an order held while a hosted number has none (named),
fixing it completes the order against the emulator, the E911 Surcharge on the invoice
preview, hostile text stored and shown literally, and another partner's 404 on the page and
the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orion.billing import selectors as billing
from orion.billing.charges import BillingMonth
from orion.numbers.exceptions import E911Refused
from orion.numbers.models import DID, E911Location
from orion.numbers.selectors import order_e911_count, order_numbers
from orion.numbers.services import order_dids_order
from orion.numbers.services.e911 import E911_HELD_PREFIX, E911Address, e911_clean, e911_set
from orion.numbers.services.moves import dids_move
from orion.orders import services as order_services
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import order_quote
from orion.orders.states import OrderState
from orion.provisioning import services as provisioning
from tests import factories as f
from tests.api.conftest import ApiClient
from tests.provisioning.helpers import add_packages, stock_numbers

GOOD = {"address_line1": "350 Fifth Avenue", "city": "New York", "state": "NY",
        "zip_code": "10118"}


def _address(**overrides: str) -> E911Address:
    return E911Address(**{**GOOD, **overrides})


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"address_line1": "PO Box 12"}, "address_line1", "P.O. box"),
    ({"address_line1": "P.O. Box 12"}, "address_line1", "P.O. box"),
    ({"address_line1": "p. o. box 7"}, "address_line1", "P.O. box"),
    ({"address_line1": "Post Office Box 9"}, "address_line1", "P.O. box"),
    ({"address_line1": "POB 77"}, "address_line1", "P.O. box"),
    ({"address_line1": "12 Main St", "address_line2": "P.O.B. 4"}, "address_line2",
     "P.O. box"),
    ({"address_line1": "Main Street"}, "address_line1", "house number"),
    ({"address_line1": "One Main Street"}, "address_line1", "house number"),
    ({"state": "XX"}, "state", "two-letter code"),
    ({"state": "New York"}, "state", "two-letter code"),
    ({"zip_code": "1234"}, "zip_code", "12345"),
    ({"zip_code": "123456"}, "zip_code", "12345"),
    ({"zip_code": "12345-67"}, "zip_code", "12345"),
    ({"city": " "}, "city", "required"),
])
def test_refused_like_an_e911_provider_refuses(overrides, field, message):
    with pytest.raises(E911Refused, match=message) as caught:
        e911_clean(_address(**overrides))
    assert caught.value.field == field


@pytest.mark.parametrize("overrides", [
    {}, {"address_line1": "12-34 Queens Boulevard"}, {"address_line1": "10A Elm St"},
    {"address_line1": "7 1/2 Boxwood Lane"},  # "Box" inside a street name is fine
    {"state": "pr", "zip_code": "00901-1234"}, {"state": "GU", "zip_code": "96910"},
    {"state": "DC", "zip_code": "20500"}, {"address_line2": "Floor 3, Suite 301"},
])
def test_real_locations_pass(overrides):
    cleaned = e911_clean(_address(**overrides))
    assert cleaned["state"] == cleaned["state"].upper()


@pytest.mark.django_db
def test_the_database_refuses_what_the_service_refuses(tenant_a):
    did = DID.objects.create(e164="+12125550190", npa="212", nxx="555", state="assigned",
                             customer=tenant_a.customer)
    for bad in ({"address_line1": "Main Street"}, {"zip_code": "1234"}, {"state": "ny"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            E911Location.objects.create(did=did, **{**GOOD, **bad})


def _place(tenant, *, address_line1: str, numbers: list[str]) -> Order:
    draft = order_services.order_start(user=tenant.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant.user, draft, {"Enterprise Standard": 1})
    order_dids_order(user=tenant.user, order_id=draft.pk, numbers=numbers)
    details = f.new_customer_details(company_name="Boxed Co", enterprise_name="Boxed Co",
                                     domain="boxed.example", address_line1=address_line1)
    return order_services.order_save(user=tenant.user, order_id=draft.pk,
                                     details=details).order


def _jobs(order_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
                       "AND (args->>'order_id')::bigint = %s", [order_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_order_without_locations_is_held_and_fixing_them_completes_it(
        client, tenant_a, emulator, bw_config, django_capture_on_commit_callbacks):
    numbers = stock_numbers(2125550100, 2)
    order = _place(tenant_a, address_line1="PO Box 12", numbers=numbers)
    with django_capture_on_commit_callbacks(execute=True):
        state = provisioning.order_provision(order_id=order.pk, config=bw_config)
    assert state == OrderState.HELD
    order.refresh_from_db()
    note = order.state_changes.last().note
    assert note.startswith(E911_HELD_PREFIX)
    assert "212-555-0100" in note and "212-555-0101" in note
    assert emulator.dump()["service_providers"] == {}  # nothing sent: it cannot complete
    first, second = DID.objects.filter(e164__in=numbers).order_by("e164")
    client.force_login(tenant_a.user)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert E911_HELD_PREFIX in page and f'id="e911-{first.pk}"' in page
    assert "Edit the E911 location of 212-555-0100" in page
    e911_set(user=tenant_a.user, did_id=first.pk, address=_address())
    order.refresh_from_db()
    assert order.state == OrderState.HELD  # one still missing
    e911_set(user=tenant_a.user, did_id=second.pk, address=_address(address_line2="Floor 2"))
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS and _jobs(order.pk) >= 1  # re-queued on fix
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning.order_provision(order_id=order.pk,
                                            config=bw_config) == OrderState.COMPLETED
    # The surcharge: one per located number, on the order and so on the invoice preview.
    line = order.lines.get(package__name="E911 Surcharge")
    assert line.quantity == 2 and line.unit_price == f.package("E911 Surcharge").price
    month = BillingMonth.of(order.billing_start_date + timedelta(days=35))
    invoice = billing.invoice_preview(user=tenant_a.user, customer_id=order.customer_id,
                                      month=month)
    surcharge = [c for c in invoice.charges if c.subscription.package == "E911 Surcharge"]
    assert len(surcharge) == 1 and surcharge[0].amount == line.unit_price * 2


@pytest.mark.django_db
def test_the_customers_address_is_the_default_and_shows_in_the_draft_totals(
        tenant_a, emulator, bw_config, django_capture_on_commit_callbacks):
    numbers = stock_numbers(2125550100, 3)
    draft = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant_a.user, draft, {"Enterprise Standard": 1})
    order_dids_order(user=tenant_a.user, order_id=draft.pk, numbers=numbers[:2],
                     trunking=numbers[2:])
    quote = order_quote(order=draft)
    price = f.package("E911 Surcharge").price
    assert quote.e911_count == 2 and quote.e911_price == price  # not the trunking one
    # The count Save Order and provisioning write to the surcharge line is the same rule.
    assert order_e911_count(order=draft) == order_numbers(order=draft).e911_count == 2
    page_quote = quote.mrc_total
    details = f.new_customer_details(enterprise_name="Elm Co")
    order = order_services.order_save(user=tenant_a.user, order_id=draft.pk,
                                      details=details).order
    assert order_quote(order=order).mrc_total == page_quote
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning.order_provision(order_id=order.pk,
                                            config=bw_config) == OrderState.COMPLETED
    located = E911Location.objects.filter(did__e164__in=numbers)
    assert located.count() == 2 and all(loc.is_default for loc in located)
    assert order_e911_count(order=order) == order_numbers(order=order).e911_count == 2
    # Save Order's surcharge line stands: the numbers given the default bill it either way.
    assert order.lines.get(package__name="E911 Surcharge").quantity == 2
    assert {loc.address_line1 for loc in located} == {"9 Elm Street"}
    # A number that leaves the customer (aging) loses its location: the next owner must
    # give its own, never inherit this dispatch address.
    dids_move(queryset=DID.objects.filter(e164=numbers[0]), to="quarantined", order_id=None,
              customer_id=None, quarantined_until=timezone.now() + timedelta(days=90))
    assert not E911Location.objects.filter(did__e164=numbers[0]).exists()
    assert E911Location.objects.filter(did__e164=numbers[1]).exists()


@pytest.mark.django_db
def test_hostile_text_is_stored_and_shown_literally(client, tenant_a):
    did = DID.objects.create(e164="+12125550191", npa="212", nxx="555", state="assigned",
                             customer=tenant_a.customer)
    client.force_login(tenant_a.user)
    response = client.post(f"/numbers/{did.pk}/e911/", {
        "address_line1": "1 <script>alert(1)</script> St", "address_line2": "=1+1",
        "city": "=HYPERLINK(\"x\")", "state": "ny", "zip_code": "10001"})
    assert response.status_code == 200
    location = E911Location.objects.get(did=did)
    assert location.address_line1 == "1 <script>alert(1)</script> St"
    assert location.address_line2 == "=1+1" and location.state == "NY"
    page = client.get(f"/customers/{tenant_a.customer.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "=1+1" in page


@pytest.mark.django_db
def test_a_refusal_is_shown_at_its_field(client, tenant_a):
    did = DID.objects.create(e164="+12125550192", npa="212", nxx="555", state="assigned",
                             customer=tenant_a.customer)
    client.force_login(tenant_a.user)
    response = client.post(f"/numbers/{did.pk}/e911/", {**GOOD, "zip_code": "1234"})
    assert response.status_code == 422
    html = response.content.decode()
    zip_field = html[html.index('name="zip_code"'):]
    assert "12345 or 12345-6789" in zip_field.split("</label>")[0]
    assert not E911Location.objects.filter(did=did).exists()
    form = client.get(f"/numbers/{did.pk}/e911/").content.decode()
    assert 'value="1 Main Street"' in form  # the customer's service address, to start from


@pytest.mark.django_db
def test_another_partner_gets_404_on_the_page_and_the_api(client, tenant_a, tenant_b):
    did = DID.objects.create(e164="+12125550193", npa="212", nxx="555", state="assigned",
                             customer=tenant_a.customer)
    client.force_login(tenant_b.user)
    assert client.get(f"/numbers/{did.pk}/e911/").status_code == 404
    assert client.post(f"/numbers/{did.pk}/e911/", GOOD).status_code == 404
    api_b, api_a = ApiClient(tenant_b.user), ApiClient(tenant_a.user)
    assert api_b.get(f"/numbers/{did.pk}/e911").status_code == 404
    assert api_b.put(f"/numbers/{did.pk}/e911", GOOD).status_code == 404
    assert not E911Location.objects.filter(did=did).exists()
    # The owner reads and sets it through the API; refusals name the field.
    assert api_a.get(f"/numbers/{did.pk}/e911").json()["e911"] is None
    refused = api_a.put(f"/numbers/{did.pk}/e911", {**GOOD, "address_line1": "PO Box 1"})
    assert refused.status_code == 422 and "address_line1" in refused.json()["errors"]
    body = api_a.put(f"/numbers/{did.pk}/e911", GOOD).json()
    assert body["e911"]["address_line1"] == "350 Fifth Avenue" and not body["e911"]["is_default"]


@pytest.mark.django_db
def test_the_api_order_read_shows_locations_and_what_the_order_waits_for(tenant_a):
    numbers = stock_numbers(2125550100, 1)
    order = _place(tenant_a, address_line1="1 Main Street", numbers=numbers)
    order.awaiting_turn_up = True
    order.save(update_fields=["awaiting_turn_up"])
    Order.objects.filter(pk=order.pk).update(state=OrderState.COMPLETED)
    did = DID.objects.get(e164=numbers[0])
    e911_set(user=tenant_a.user, did_id=did.pk, address=_address())
    body = ApiClient(tenant_a.user).get(f"/orders/{order.pk}").json()
    assert body["awaiting_turn_up"] is True and body["awaiting"] == ["Awaiting turn-up"]
    assert body["dids"][0]["e911"]["zip_code"] == "10118"
