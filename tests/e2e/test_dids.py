"""Ordering DIDs in a real browser (issue 4): Select DIDs → NPA and NXX → tick numbers and Is
For Trunking → backorder the rest → Order → Save Order, plus a refused NPA."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orion.numbers.models import DID, Backorder

from .test_walkthrough import Login, Shot, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]


def test_select_dids_trunking_backorder_order_and_save(
        page: Page, login: Login, shot: Shot, js_errors: list[str]) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    included = int(page.locator("#dids-available").inner_text())
    expect(page.locator("#did-rule")).to_contain_text("each further DID is $")

    # Select DIDs → a bad NPA is refused by name, in the DID section.
    page.click("#select-dids")
    page.fill("#did-npa", "123")
    page.fill("#did-nxx", "432")
    page.click("#did-search")
    expect(page.locator("#did-results .alert-error")).to_contain_text("NPA must start")

    # The demo's nearly empty NXX: 3 free numbers in 206-432.
    page.fill("#did-npa", "206")
    page.click("#did-search")
    table = page.locator("#did-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("thead")).to_contain_text("Is For Trunking")
    shot(page, "did-search")
    rows = table.locator("tbody tr")
    rows.nth(0).locator("input[name=number]").check()
    rows.nth(1).locator("input[name=number]").check()
    rows.nth(1).locator("input[name=trunking]").check()
    page.fill("#did-backorder", "2")
    with page.expect_response(lambda r: r.url.endswith("/form/dids/")) as response:
        page.click("#did-order")
    assert response.value.status == 200
    dids = page.locator("#dids-table")
    expect(dids.locator("tr[data-number]")).to_have_count(2)
    expect(dids.locator('tr[data-backorder="206-432"]')).to_contain_text("Backordered: 2")
    expect(dids.locator("tr[data-number]").nth(1).locator("td.trunking")).to_have_text("Yes")
    expect(page.locator("#dids-selected")).to_have_text("4")
    expect(page.locator("#did-picker")).to_be_empty()
    if included < 4:
        expect(page.locator("#extra-did-line")).to_contain_text(f"Additional DID x {4 - included}")
    shot(page, "dids-ordered", full_page=True)

    # Save Order: the numbers are the customer's, the backorder waits in the queue.
    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("#dids-table tr[data-number]")).to_have_count(2)
    expect(page.locator('#dids-table tr[data-backorder="206-432"]')).to_contain_text(
        "Backordered")
    shot(page, "order-with-dids", full_page=True)
    assert DID.objects.filter(npa="206", nxx="432", state="assigned").count() == 2
    assert DID.objects.get(npa="206", nxx="432", state="assigned", is_for_trunking=True)
    assert Backorder.objects.get(npa="206", nxx="432").quantity == 2
    assert js_errors == []
