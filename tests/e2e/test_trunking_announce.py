"""Trunking is announced the moment Service type = Trunking is chosen, and the trunking order
form asks for the trunk facts operations need, validates them and prints them as typed
(issue 15, item 6)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from orion.audit.models import AuditEntry
from orion.provisioning.models import TrunkAuthentication, TrunkFacts

from .test_order_provisioning import save_order
from .test_walkthrough import Login, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]

HOSTILE_USER = "pbx<b>&amp;</b>"


def pdf_words(page: Page, href: str) -> str:
    response = page.request.get(href)
    assert response.status == 200, response.text()[:300]
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_choosing_trunking_announces_it_at_once(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    notice = page.locator("#trunking-announcement")
    expect(notice).to_be_hidden()
    page.select_option("#id_service_type", "trunking")
    expect(notice).to_be_visible()  # no Save Order, no reload: on the choice itself
    expect(notice).to_contain_text("held and set up by hand")
    for need in ("Call paths", "PBX/SBC addresses", "Authentication type", "Failover number"):
        expect(page.locator("#trunking-needs")).to_contain_text(need)
    expect(page.locator("#announcer")).to_contain_text("held and set up by hand")
    page.select_option("#id_service_type", "hosted")
    expect(notice).to_be_hidden()
    # The choice is autosaved: after a reload the notice is there from the start.
    page.select_option("#id_service_type", "trunking")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=10_000)
    page.reload()
    expect(page.locator("#trunking-announcement")).to_be_visible()


@pytest.mark.slow
def test_trunk_facts_validated_and_printed_literally(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company="Trunk & Co <PBX>", domain="trunk-co.example")
    page.select_option("#id_service_type", "trunking")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order = save_order(page)
    expect(page.locator("#trunk-facts-status")).to_contain_text("Operations need the trunk")
    pdf_href = page.locator("#trunking-form").get_attribute("href")
    assert pdf_href
    blank = pdf_words(page, pdf_href)
    assert "Call paths (not given: to be filled in)" in blank

    page.click("#trunk-facts-link")
    expect(page.locator("h1")).to_contain_text("Trunking order form")
    # Every fact wrong: each refusal next to its field, nothing stored.
    page.fill("#id_call_paths", "10000")
    page.fill("#id_pbx_addresses", "127.0.0.1\nsip:pbx.example.com:5060")
    page.select_option("#id_authentication", "registration")
    page.fill("#id_sip_username", "")
    page.fill("#id_sip_password", "short")
    page.fill("#id_failover_number", "212-555-01")
    with page.expect_navigation():
        page.click("#save-trunk")
    for field, text in (("call_paths", "from 1 to 9,999"),
                        ("pbx_addresses", "127.0.0.1: not an address"),
                        ("sip_username", "SIP user name"),
                        ("sip_password", "8 to 60 characters"),
                        ("failover_number", "10 digits")):
        expect(page.locator(f"#id_{field} ~ .field-error")).to_contain_text(text)
    expect(page.locator("#form-errors")).to_contain_text("not saved")
    assert not TrunkFacts.objects.filter(order=order).exists()

    page.fill("#id_call_paths", "23")
    page.fill("#id_pbx_addresses", "203.0.113.10\nSBC1.Trunk-Co.example")
    page.fill("#id_sip_username", HOSTILE_USER)
    page.fill("#id_sip_password", "s3cret<i>pw</i>")
    page.fill("#id_failover_number", "(212) 555-0142")
    page.select_option("#id_transport", "tls")
    with page.expect_navigation():
        page.click("#save-trunk")
    # The hostile user name is refused by the SIP rules; a plain one is stored.
    expect(page.locator("#id_sip_username ~ .field-error")).to_be_visible()
    page.fill("#id_sip_username", "trunkco.pbx")
    page.fill("#id_sip_password", "s3cret<i>pw</i>")
    with page.expect_navigation():
        page.click("#save-trunk")
    expect(page.locator(".alert-success")).to_contain_text("Trunk details saved")
    facts = TrunkFacts.objects.get(order=order)
    assert facts.call_paths == 23
    assert facts.pbx_addresses == ["203.0.113.10", "sbc1.trunk-co.example"]
    assert facts.authentication == TrunkAuthentication.REGISTRATION
    assert facts.failover_number == "+12125550142"
    entry = AuditEntry.objects.filter(action="order.trunk_facts").get()
    assert "s3cret" not in str(entry.changes)

    # The saved password is kept when the box is left empty; the page never shows it.
    expect(page.locator("#id_sip_password")).to_have_value("")
    expect(page.locator("#password-kept")).to_be_visible()
    page.fill("#id_call_paths", "24")
    with page.expect_navigation():
        page.click("#save-trunk")
    expect(page.locator(".alert-success")).to_be_visible()
    facts.refresh_from_db()
    assert (facts.call_paths, facts.sip_password) == (24, "s3cret<i>pw</i>")

    text = pdf_words(page, pdf_href)
    assert "Call paths 24" in text
    assert "203.0.113.10" in text and "sbc1.trunk-co.example" in text
    assert "trunkco.pbx" in text
    assert "s3cret<i>pw</i>" in text  # printed literally, not parsed as markup
    assert "212-555-0142" in text
    assert "TLS" in text
    assert "Trunk & Co <PBX>" in text

    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#trunk-facts-status")).to_contain_text("24 call paths")


def test_ip_trunk_needs_no_credentials_and_other_partner_sees_nothing(
        page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company="Static Trunk LLC", domain="static-trunk.example")
    page.select_option("#id_service_type", "trunking")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order = save_order(page)
    page.goto(f"/orders/{order.pk}/trunk/")
    page.fill("#id_call_paths", "4")
    page.fill("#id_pbx_addresses", "2001:db8::10, 198.51.100.7")
    page.select_option("#id_authentication", "ip")
    page.fill("#id_sip_username", "ignored-for-ip")
    page.fill("#id_failover_number", "2125550143")
    with page.expect_navigation():
        page.click("#save-trunk")
    expect(page.locator(".alert-success")).to_be_visible()
    facts = TrunkFacts.objects.get(order=order)
    assert (facts.sip_username, facts.sip_password) == ("", "")
    assert facts.pbx_addresses == ["2001:db8::10", "198.51.100.7"]

    page.context.clear_cookies()
    login("agent2")
    response = page.request.get(f"/orders/{order.pk}/trunk/")
    assert response.status == 404
    response = page.request.post(f"/orders/{order.pk}/trunk/", form={"call_paths": "9"})
    assert response.status in (403, 404)
    facts.refresh_from_db()
    assert facts.call_paths == 4
