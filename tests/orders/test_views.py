from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from orion.accounts.models import Customer, Enterprise
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from tests import factories as f


def _form_data(**overrides: str) -> dict[str, str]:
    data = {
        "billing_start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "company_name": "Fresh Customer", "address_line1": "1 Broad St", "city": "Boston",
        "state_code": "MA", "zip_code": "02108", "contact_name": "Pat", "contact_phone":
        "6175550199", "contact_email": "pat@fresh.example", "domain": "fresh.example",
        "time_zone": "America/New_York", "service_type": "hosted", "notes": "Porting 6175550100",
    }
    data.update(overrides)
    return data


@pytest.fixture
def draft(client_a, tenant_a) -> Order:
    response = client_a.post(f"/enterprises/{tenant_a.enterprise.pk}/add-package-forms/")
    assert response.status_code == 302
    order = Order.objects.get(created_by=tenant_a.user, state="draft")
    assert response["Location"] == f"/orders/{order.pk}/form/"
    return order


@pytest.mark.django_db
def test_order_form_shows_red_message_only_for_new_accounts(client_a, tenant_a, draft):
    page = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    assert 'id="red-message"' in page and "NEW CUSTOMER" in page
    assert "Total available to select" in page and "Total selected" in page
    client_a.post(f"/customers/{tenant_a.customer.pk}/add-package-forms/")
    add = Order.objects.get(kind=OrderKind.ADD_SERVICES)
    page = client_a.get(f"/orders/{add.pk}/form/").content.decode()
    assert 'id="red-message"' not in page and "Add services to Acme Corporation" in page


@pytest.mark.django_db
def test_opening_the_form_twice_reuses_the_empty_draft(client_a, tenant_a, draft):
    client_a.post(f"/enterprises/{tenant_a.enterprise.pk}/add-package-forms/")
    assert Order.objects.filter(state="draft").count() == 1


@pytest.mark.django_db
def test_htmx_add_package_add_selected_quantity_remove(client_a, draft):
    hosted = f.order_type("Hosted PBX Services")
    picker = client_a.get(f"/orders/{draft.pk}/form/packages/", {"order_type": hosted.pk},
                          HTTP_HX_REQUEST="true")
    assert picker.status_code == 200 and "Enterprise Standard" in picker.content.decode()
    assert "Virtual Fax NRC" not in picker.content.decode()
    standard, power = f.package("Enterprise Standard"), f.package("Power User")
    lines = client_a.post(f"/orders/{draft.pk}/form/lines/",
                          {"order_type": hosted.pk, "package": [standard.pk, power.pk]},
                          HTTP_HX_REQUEST="true")
    body = lines.content.decode()
    assert lines.status_code == 200 and "Power User" in body
    assert f'id="dids-available">{standard.included_dids + power.included_dids}<' in body
    line = draft.lines.get(package=standard)
    client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/", {"quantity": "7"})
    line.refresh_from_db()
    assert line.quantity == 7
    bad = client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/",
                        {"quantity": "1000000000"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "1 to 9,999" in bad.content.decode()
    line.refresh_from_db()
    assert line.quantity == 7
    client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/remove/")
    assert list(draft.lines.values_list("package__name", flat=True)) == ["Power User"]


@pytest.mark.django_db
def test_package_of_another_order_type_posted_by_hand(client_a, draft):
    fax = f.package("Virtual Fax NRC")
    response = client_a.post(f"/orders/{draft.pk}/form/lines/",
                             {"order_type": f.order_type("Toll Free").pk, "package": fax.pk},
                             HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "not in the chosen order type" in response.content.decode()
    assert not draft.lines.exists()


def _with_line(draft: Order) -> Order:
    p = f.package("Enterprise Standard")
    draft.lines.create(package=p, quantity=2, charge_type=p.charge_type, unit_price=p.price)
    return draft


BAD_FIELDS = [
    ("domain", "www.acme.com", 'Do not include "www."'),
    ("domain", "acme", "not a full domain name"),
    ("domain", "-acme.com", "hyphen"),
    ("domain", "acme..com", "two dots in a row"),
    ("company_name", "x" * 300, "at most 80 characters"),
    ("billing_start_date", "2020-01-01", "cannot be in the past"),
    ("billing_start_date", "3026-01-01", "at most two years ahead"),
    ("time_zone", "Mars/Olympus", "not a known time zone"),
    ("contact_email", "not-an-email", "valid email"),
    ("state_code", "ZZ", "two-letter state"),
    ("company_name", "Acme\x00Null", "Null characters are not allowed"),
    ("contact_name", "Pat\x1b[31m", "control characters"),
    ("contact_phone", "555", "10-digit phone number"),
    ("zip_code", "ABCDE", "ZIP code"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", BAD_FIELDS)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client_a, draft, field, value,
                                                          message):
    _with_line(draft)
    counts = (Enterprise.objects.count(), Customer.objects.count())
    response = client_a.post(f"/orders/{draft.pk}/form/", _form_data(**{field: value}))
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert (Enterprise.objects.count(), Customer.objects.count()) == counts
    draft.refresh_from_db()
    assert draft.state == OrderState.DRAFT and draft.number is None


@pytest.mark.django_db
def test_save_order_and_a_form_posted_twice(client_a, tenant_a, draft):
    _with_line(draft)
    first = client_a.post(f"/orders/{draft.pk}/form/", _form_data())
    assert first.status_code == 302 and first["Location"] == f"/orders/{draft.pk}/"
    second = client_a.post(f"/orders/{draft.pk}/form/", _form_data())
    assert second.status_code == 302 and second["Location"] == f"/orders/{draft.pk}/"
    assert Customer.objects.filter(name="Fresh Customer").count() == 1
    page = client_a.get(f"/orders/{draft.pk}/").content.decode()
    draft.refresh_from_db()
    assert draft.number in page and "Acknowledged" in page and "Enterprise Standard" in page
    assert "Porting 6175550100" in page
    listing = client_a.get(f"/enterprises/{tenant_a.enterprise.pk}/orders/").content.decode()
    assert draft.number in listing


@pytest.mark.django_db
def test_domain_of_another_enterprise_is_refused_at_the_field(client_a, tenant_b, draft):
    _with_line(draft)
    response = client_a.post(f"/orders/{draft.pk}/form/", _form_data(domain="bravo.example"))
    assert response.status_code == 422
    assert "already used by another enterprise" in html.unescape(response.content.decode())
    assert not Customer.objects.filter(name="Fresh Customer").exists()


@pytest.mark.django_db
def test_empty_order_cannot_be_saved(client_a, draft):
    response = client_a.post(f"/orders/{draft.pk}/form/", _form_data())
    assert response.status_code == 422 and "Add at least one package" in response.content.decode()


@pytest.mark.django_db
def test_staff_order_list_filters(client, staff, tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        order = f.draft_with_packages(user=tenant.user, enterprise=tenant.enterprise)
        from orion.orders.services import order_save

        order_save(user=tenant.user, order_id=order.pk,
                   details=f.new_customer_details(domain=""))
    client.force_login(staff)
    page = client.get("/orders/").content.decode()
    assert "Partner A" in page and "Partner B" in page
    only_b = client.get("/orders/", {"partner": tenant_b.partner.pk}).content.decode()
    assert "Bravo Holdings" in only_b and "Acme Corporation" not in only_b
    client.force_login(tenant_a.user)
    mine = client.get("/orders/").content.decode()
    assert "Acme Corporation" in mine and "Bravo Holdings" not in mine


def test_order_form_offers_every_time_zone_in_its_datalist(client_a, draft):
    """The datalist is rendered once per process (it is the same on every form): each request
    still gets all the names, as options of the Time Zone field's list."""
    from orion.accounts.validators import time_zone_names

    for _ in range(2):
        page = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
        datalist = page.split('<datalist id="time-zones">', 1)[1].split("</datalist>", 1)[0]
        assert datalist == "".join(f'<option value="{tz}">' for tz in time_zone_names())
        assert '<option value="America/Denver">' in datalist
        assert 'list="time-zones"' in page
