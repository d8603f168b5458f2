"""Porting numbers in, in a browser: the agent starts a request from the order form with a
pasted range, downloads the LOA, uploads the signed PDF and submits; operations send it to
the carrier and schedule it with the FOC; the timeline shows every step."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from orion.porting.businessdays import add_business_days
from orion.porting.services import earliest_port_date
from tests.porting.factories import pdf_bytes

from .test_accessibility import check
from .test_walkthrough import Login, open_new_customer_form

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _log_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()


def test_port_in_from_the_order_form_to_scheduled(page: Page, login: Login, settings,
                                                  tmp_path) -> None:
    from django.utils import timezone

    settings.ORION_MEDIA_DIR = tmp_path / "media"
    axe: dict[str, list[str]] = {}  # serious or critical accessibility problems, by page
    login("agent")
    open_new_customer_form(page)
    page.click("#port-in")
    expect(page).to_have_url(re.compile(r"/ports/new/\?order=\d+$"))
    check(page, "new port request", axe)
    page.fill("#id_numbers", "7185550100-7185550104, 7185550150")
    page.fill("#id_losing_carrier", "AT&T <Business>")
    page.fill("#id_account_number", "ACC-77")
    page.fill("#id_pin", "E2E4455")
    page.fill("#id_billing_telephone_number", "718-555-0100")
    page.fill("#id_address_line1", "1 Main Street")
    page.fill("#id_city", "Brooklyn")
    page.fill("#id_region", "NY")
    page.fill("#id_zip_code", "11201")
    page.fill("#id_authorized_name", "Pat Doe")
    page.fill("#id_authorized_title", "Owner")
    page.fill("#id_desired_date", earliest_port_date().isoformat())
    page.click("#port-save")
    expect(page).to_have_url(re.compile(r"/ports/\d+/$"))
    expect(page.locator("#port-state")).to_have_text("Unconfirmed (draft)")
    expect(page.locator("#port-numbers")).to_contain_text("718-555-0104")
    expect(page.locator("#port-numbers")).to_contain_text("718-555-0150")
    expect(page.locator("#port-pin")).to_have_text("••••55")
    assert "E2E4455" not in page.content()
    check(page, "port request (partner)", axe)

    href = page.locator("#loa-download").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "AT&T <Business>" in text and "718-555-0103" in text

    page.set_input_files("#loa-file", files=[{"name": "signed.pdf", "mimeType":
                                              "application/pdf", "buffer": pdf_bytes()}])
    page.click("#loa-upload-button")
    expect(page.locator("#loa-signed-link")).to_be_visible()
    page.click("#port-submit")
    expect(page.locator("#port-state")).to_have_text("Submitted")
    _log_out(page)

    login("ops")
    page.click("#nav-ports")
    check(page, "ports queue", axe)
    page.locator("#ports tbody tr").first.get_by_role("link").click()
    page.click("#port-pending")
    expect(page.locator("#port-state")).to_have_text("Pending (sent to the carrier)")
    check(page, "port request (staff)", axe)
    foc = add_business_days(timezone.localdate(), 3)
    page.fill("#foc-date", foc.isoformat())
    page.fill("#foc-time", "09:30")
    page.click("#port-schedule")
    expect(page.locator("#port-state")).to_have_text("Scheduled")
    expect(page.locator("#port-foc")).to_have_text(f"{foc:%Y-%m-%d} 09:30")
    page.fill("#comment-text", "FOC confirmed by the carrier")
    page.click("#comment-add")
    timeline = page.locator("#port-timeline")
    for step in ("Created", "Unconfirmed (draft) → Submitted", "→ Pending",
                 "Pending (sent to the carrier) → Scheduled", "FOC confirmed by the carrier"):
        expect(timeline).to_contain_text(step)
    assert not axe, axe
