"""The trunking order form prints every value literally: user text is never PDF markup.

Issue 13, defect 1: notes such as ``Needs <10 seats, x<y`` were a 500, ``<a href>`` put a
clickable link into the provider's form, ``<img src>`` embedded a file from the server's disk
and ``Smith & Sons <Holdings>`` printed as "Smith & Sons".
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from orion.orders import services as order_services
from tests import factories as f

pytestmark = pytest.mark.django_db

HOSTILE_NOTES = ("Needs <10 seats, x<y & more\n"
                 '<a href="https://evil.example/pay">pay here</a>\n'
                 '<img src="/usr/share/pixmaps/debian-logo.png"/> <font size="40">big</font>')
COMPANY = "Smith & Sons <Holdings>"


def pdf_text_of(body: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split()), reader


def _trunking_order(tenant, **details: object):
    draft = f.draft_with_packages(user=tenant.user, enterprise=tenant.enterprise)
    values: dict[str, object] = {"company_name": COMPANY, "notes": HOSTILE_NOTES,
                                 "contact_name": "O'Brien <ops> & Co", "service_type": "trunking",
                                 "address_line1": "1 <b>Bold</b> St & Ave"}
    values.update(details)
    return order_services.order_save(user=tenant.user, order_id=draft.pk,
                                     details=f.new_customer_details(**values)).order


def test_markup_in_every_field_prints_literally(client_a, tenant_a):
    order = _trunking_order(tenant_a)
    response = client_a.get(f"/orders/{order.pk}/trunking-order-form.pdf")
    assert response.status_code == 200, response.content[:300]
    text, reader = pdf_text_of(response.content)
    assert COMPANY in text
    assert "Needs <10 seats, x<y & more" in text
    assert '<a href="https://evil.example/pay">pay here</a>' in text
    assert '<img src="/usr/share/pixmaps/debian-logo.png"/>' in text
    assert "O'Brien <ops> & Co" in text
    assert "1 <b>Bold</b> St & Ave" in text
    for page in reader.pages:
        annotations = page.get("/Annots") or []
        assert not annotations, "the form must carry no link"
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        assert not xobjects, "the form must embed no image"


def test_line_breaks_in_notes_stay_line_breaks(client_a, tenant_a):
    order = _trunking_order(tenant_a, notes="first line\nsecond <line>\r\nthird")
    body = client_a.get(f"/orders/{order.pk}/trunking-order-form.pdf").content
    raw = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    lines = [line.strip() for line in raw.splitlines()]
    assert "first line" in lines and "second <line>" in lines and "third" in lines


def test_literal_escapes_markup_and_keeps_breaks():
    from orion.provisioning.pdf import literal

    assert literal("a<b & c>d") == "a&lt;b &amp; c&gt;d"
    assert literal("one\r\ntwo\rthree\nfour") == "one<br/>two<br/>three<br/>four"
