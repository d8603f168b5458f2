"""The trunking order form PDF, from a browser session (issue 13, defect 1): user text with
markup prints literally, and the PDF carries no link and no image."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .test_order_provisioning import save_order
from .test_walkthrough import Login, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]

COMPANY = "Smith & Sons <Holdings>"
NOTES = ('Needs <10 seats, x<y\n<a href="https://evil.example/pay">pay here</a>\n'
         '<img src="/usr/share/pixmaps/debian-logo.png"/>')


def test_trunking_pdf_prints_markup_literally(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company=COMPANY, domain="smith-sons.example")
    page.fill("#id_notes", NOTES)
    page.select_option("#id_service_type", "trunking")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order = save_order(page)
    expect(page.locator("#trunking-notice")).to_be_visible()

    href = page.locator("#trunking-form").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200, response.text()[:300]
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert order.number in text
    assert COMPANY in text
    assert "Needs <10 seats, x<y" in text
    assert '<a href="https://evil.example/pay">pay here</a>' in text
    assert '<img src="/usr/share/pixmaps/debian-logo.png"/>' in text
    for pdf_page in reader.pages:
        assert not pdf_page.get("/Annots")
        assert not (pdf_page.get("/Resources") or {}).get("/XObject")
