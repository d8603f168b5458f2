"""Issue 13, defects 6, 7 and 9: ASCII digits wherever a number is checked, names without
invisible format characters (and in NFC), draft orders started by POST with CSRF, and a
"domain already used" message that does not name the other partner's enterprise."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from orion.accounts import validators as v
from orion.accounts.models import Customer
from orion.api.services import token_create
from orion.numbers.services import numbers_add_range
from orion.orders.models import Order
from tests import factories as f

pytestmark = pytest.mark.django_db

ARABIC_ZIP, WIDE_ZIP = "\u0661\u0662\u0663\u0664\u0665", "\uff11\uff12\uff13\uff14\uff15"
MIXED_PHONE = "2\u0661\u0662" + "5550111"
ARABIC_12 = "\u0661\u0662"


def _form(**overrides: str) -> dict[str, str]:
    data = {"billing_start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "company_name": "Round Two Co", "address_line1": "1 Main St", "city": "Boston",
            "state_code": "MA", "zip_code": "02108", "contact_name": "Sam Smith",
            "contact_phone": "6175550100", "contact_email": "sam@round2.example",
            "domain": "round2.example", "time_zone": "America/New_York",
            "service_type": "hosted", "notes": ""}
    data.update(overrides)
    return data


@pytest.fixture
def draft(tenant_a):
    return f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)


# --- 6. ASCII digits ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [ARABIC_ZIP, WIDE_ZIP, "0210\u0668", ARABIC_ZIP + "-1234"])
def test_zip_takes_ascii_digits_only(value):
    with pytest.raises(ValidationError):
        v.normalize_zip(value)


@pytest.mark.parametrize("value", [MIXED_PHONE, "\uff12\uff11\uff12" + "5550111",
                                   "(212) \u0665\u0665\u0665-0111", "2125550\u09ea11"])
def test_phone_takes_ascii_digits_only(value):
    with pytest.raises(ValidationError):
        v.normalize_phone(value)


@pytest.mark.parametrize("value", [ARABIC_12, "\uff11\uff12", "1_000", "\u00b2", " 1e3", ""])
def test_ascii_int_refuses_what_int_would_read(value):
    with pytest.raises(ValueError):
        v.ascii_int(value)


def test_ascii_int_reads_plain_numbers():
    assert v.ascii_int(" 12 ") == 12 and v.ascii_int(7) == 7 and v.ascii_int("-3") == -3


@pytest.mark.parametrize("field,value", [("zip_code", ARABIC_ZIP), ("zip_code", WIDE_ZIP),
                                         ("contact_phone", MIXED_PHONE)])
def test_save_order_refuses_non_ascii_digits(client_a, draft, field, value):
    response = client_a.post(f"/orders/{draft.pk}/form/", _form(**{field: value}))
    assert response.status_code == 422
    draft.refresh_from_db()
    assert draft.is_draft and not Customer.objects.filter(name="Round Two Co").exists()


@pytest.mark.parametrize("value", [ARABIC_12, "\uff11\uff12"])
def test_quantities_typed_as_text_take_ascii_digits_only(client_a, draft, value):
    line = draft.lines.get()
    response = client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/",
                             {"quantity": value})
    assert response.status_code == 422
    line.refresh_from_db()
    assert line.quantity == 1


def test_backorder_quantity_takes_ascii_digits_only(client_a, draft):
    response = client_a.post(f"/orders/{draft.pk}/form/dids/",
                             {"backorder_quantity": "\u0663", "npa": "212", "nxx": "555"})
    assert response.status_code == 422
    assert not draft.did_backorders.exists()


@pytest.mark.parametrize("npa,nxx", [("\u0662\u0661\u0662", "555"), ("212", "\uff15\uff15\uff15")])
def test_did_search_takes_ascii_npa_and_nxx(client_a, draft, npa, nxx):
    numbers_add_range(spec="2125550100-2125550101")
    response = client_a.get(f"/orders/{draft.pk}/form/dids/search/", {"npa": npa, "nxx": nxx})
    assert response.status_code == 422
    assert "2125550100" not in response.content.decode().replace("-", "")


def test_the_api_refuses_non_ascii_digits(tenant_a, draft):
    secret = token_create(user=tenant_a.user, name="digits").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    body = {**_form(zip_code=ARABIC_ZIP), "billing_start_date": _form()["billing_start_date"]}
    response = api.post(f"/api/v1/orders/{draft.pk}/save", body,
                        content_type="application/json")
    assert response.status_code == 422 and "zip_code" in response.json()["errors"]
    line = draft.lines.get()
    response = api.patch(f"/api/v1/orders/{draft.pk}/lines/{line.pk}", {"quantity": ARABIC_12},
                         content_type="application/json")
    assert response.status_code == 422
    month = api.get("/api/v1/billing/export", {"month": "\u0662\u0660\u0662\u0666-\u0661\u0662"})
    assert month.status_code == 422


# --- 7. names: no format characters, NFC --------------------------------------------------------

FORMAT_NAMES = ["\u202eevil\u202c Corp", "Ac\u200bme", "Acme\u2066 Corp\u2069", "Ac\u00adme",
                "\ufeffAcme", "Acme\u200d"]


@pytest.mark.parametrize("value", FORMAT_NAMES)
@pytest.mark.parametrize("field", ["company_name", "contact_name", "address_line1", "city"])
def test_names_refuse_format_characters(client_a, draft, field, value):
    response = client_a.post(f"/orders/{draft.pk}/form/", _form(**{field: value}))
    assert response.status_code == 422
    assert "invisible" in html.unescape(response.content.decode())
    draft.refresh_from_db()
    assert draft.is_draft


def test_notes_refuse_bidi_controls(client_a, draft):
    response = client_a.post(f"/orders/{draft.pk}/form/", _form(notes="port \u202e1010 \u202c"))
    assert response.status_code == 422


def test_new_enterprise_name_refuses_format_characters(tenant_a):
    from orion.orders import services as order_services
    from orion.orders.forms import OrderDetailsForm

    order = order_services.order_start(user=tenant_a.user, kind="new_enterprise")
    form = OrderDetailsForm(_form(enterprise_name="Glob\u200bex"), order=order)
    assert not form.is_valid() and "enterprise_name" in form.errors


def test_names_are_stored_in_nfc(client_a, draft):
    response = client_a.post(f"/orders/{draft.pk}/form/",
                             _form(company_name="Cafe\u0301 Ltd", contact_name="Zoe\u0308 Y"))
    assert response.status_code == 302, response.content.decode()[:500]
    order = Order.objects.get(pk=draft.pk)
    assert order.company_name == "Caf\u00e9 Ltd" and order.contact_name == "Zo\u00eb Y"


# --- 9. draft orders start with a POST and CSRF -------------------------------------------------

@pytest.mark.parametrize("path", ["/orders/new-enterprise/", "/enterprises/{e}/add-package-forms/",
                                  "/customers/{c}/add-package-forms/"])
def test_starting_an_order_is_a_post_with_csrf(tenant_a, path):
    url = path.format(e=tenant_a.enterprise.pk, c=tenant_a.customer.pk)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(tenant_a.user)
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403  # no CSRF token
    assert not Order.objects.exists()
    page = strict.get(f"/enterprises/{tenant_a.enterprise.pk}/orderforms/")
    assert 'method="post"' in page.content.decode()
    token = strict.cookies["csrftoken"].value
    response = strict.post(url, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302 and Order.objects.filter(state="draft").count() == 1


def test_the_pages_offer_buttons_not_links(client_a, tenant_a):
    for url in (f"/enterprises/{tenant_a.enterprise.pk}/orderforms/",
                f"/customers/{tenant_a.customer.pk}/orderforms/", "/"):
        body = client_a.get(url).content.decode()
        assert not re.search(r'<a[^>]+href="[^"]*(add-package-forms|new-enterprise)', body)
        assert re.search(r'<form method="post" action="[^"]*(add-package-forms|new-enterprise)',
                         body), url


# --- 9. the domain message names no other enterprise -------------------------------------------

def test_domain_in_use_does_not_name_the_other_enterprise(client, tenant_a, tenant_b):
    draft = f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    client.force_login(tenant_b.user)
    response = client.post(f"/orders/{draft.pk}/form/", _form(domain="acme.example"))
    body = html.unescape(response.content.decode())
    assert response.status_code == 422 and "already used by another enterprise" in body
    assert tenant_a.enterprise.name not in body and "Acme" not in body.replace(
        "acme.example", "")
    secret = token_create(user=tenant_b.user, name="b").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    response = api.post(f"/api/v1/orders/{draft.pk}/save", _form(domain="acme.example"),
                        content_type="application/json")
    assert response.status_code == 422
    text = str(response.json())
    assert "another enterprise" in text and tenant_a.enterprise.name not in text
