"""Number search like a carrier's, and staff number import, in a real browser (issue 15,
item 8): the blocks in stock before anyone types, search by NPA-NXX, ZIP and rate center,
numbers in a row, what is not stocked, toll-free numbers only with the toll-free package; and
a CSV import with its progress bar and report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orion.numbers.models import DID, NumberImport

from .conftest import Worker
from .test_walkthrough import Login, Shot, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]


def _search(page: Page, **fields: str) -> None:
    """Fill the search fields given (the others emptied) and press Search."""
    if page.locator("#did-more[open]").count() == 0:
        page.click("#did-more summary")
    for name, selector in (("npa", "#did-npa"), ("nxx", "#did-nxx"),
                           ("rate_center", "#did-rate-center"), ("city", "#did-city"),
                           ("state", "#did-state"), ("zip", "#did-zip"),
                           ("consecutive", "#did-consecutive")):
        page.fill(selector, fields.get(name, ""))
    page.locator("#did-toll-free").set_checked(fields.get("toll_free") == "1")
    with page.expect_response(lambda r: "/dids/search/" in r.url):
        page.click("#did-search")


def test_search_by_block_npa_nxx_zip_rate_center_runs_and_toll_free(
        page: Page, login: Login, shot: Shot, js_errors: list[str]) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])

    # Before anyone types: the NPA-NXX blocks in stock with their counts and places.
    page.click("#select-dids")
    blocks = page.locator("#did-blocks-table")
    expect(blocks.locator('tr[data-block="212-646"]')).to_contain_text("NWYRCYZN01")
    expect(blocks.locator('tr[data-block="212-646"]')).to_contain_text("New York")
    expect(blocks.locator('tr[data-block="212-646"] td.num')).to_have_text("400")
    expect(blocks.locator('tr[data-block="206-432"] td.num')).to_have_text("3")
    expect(blocks.locator('tr[data-block^="888-"]')).to_have_count(0)  # no toll-free here
    expect(page.locator("#did-toll-free-rule")).to_contain_text("Toll FRee Number package")
    shot(page, "blocks-in-stock")
    blocks.locator('tr[data-block="206-432"] button').click()
    expect(page.locator("#did-table tbody tr")).to_have_count(3)

    # NPA-NXX, ZIP and rate center.
    _search(page, npa="212", nxx="646")
    rows = page.locator("#did-table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_attribute("data-number", "+12126461000")
    expect(rows.first).to_contain_text("New York")
    _search(page, zip="80203")
    expect(rows.first).to_have_attribute("data-number", re.compile(r"^\+1303555"))
    expect(rows.first).to_contain_text("Denver")
    _search(page, rate_center="lsan da 01")
    expect(rows.first).to_have_attribute("data-number", re.compile(r"^\+1213555"))
    shot(page, "search-by-rate-center")

    # Not stocked: said plainly, with the blocks that have stock, one click away.
    _search(page, npa="212", nxx="556")
    expect(page.locator("#no-dids")).to_have_text(
        "No numbers in stock in 212-556; 212-555 has 600; 212-646 has 400.")
    page.locator('#did-suggestions button[data-block="212-646"]').click()
    expect(rows.first).to_have_attribute("data-number", "+12126461000")

    # Numbers in a row: the 3 free numbers of 206-432 are a run of 3, not of 5.
    _search(page, npa="206", nxx="432", consecutive="5")
    expect(page.locator("#no-dids")).to_contain_text(
        "No 5 numbers in a row in 206-432; the longest run there is 3.")
    _search(page, npa="206", nxx="432", consecutive="3")
    run = page.locator("#did-runs form.did-run")
    expect(run).to_have_count(1)
    expect(run.locator("tr[data-number]")).to_have_count(3)
    shot(page, "run-of-3")
    with page.expect_response(lambda r: r.url.endswith("/form/dids/")) as response:
        page.click("#did-order-run-1")
    assert response.value.status == 200
    expect(page.locator("#dids-table tr[data-number]")).to_have_count(3)
    assert DID.objects.filter(npa="206", nxx="432", state="reserved").count() == 3

    # Toll-free: refused with what to do, then offered once the package is on the order.
    page.click("#select-dids")
    _search(page, toll_free="1")
    expect(page.locator("#did-results .alert-error")).to_contain_text(
        "Toll-free numbers are for the Toll FRee Number package")
    add_packages(page, "Toll Free", ["Toll FRee Number"])
    page.click("#select-dids")
    expect(page.locator('#did-toll-free-blocks tr[data-block="888-555"]')).to_contain_text("50")
    _search(page, toll_free="1")
    toll_rows = page.locator("#did-table tbody tr")
    expect(toll_rows.first).to_have_attribute("data-number", "+18775552000")
    toll_rows.first.locator("input[name=number]").check()
    with page.expect_response(lambda r: r.url.endswith("/form/dids/")):
        page.click("#did-order")
    expect(page.locator("#dids-table tr[data-number]")).to_have_count(4)
    assert DID.objects.get(e164="+18775552000").state == "reserved"
    shot(page, "toll-free-ordered", full_page=True)
    assert js_errors == []


ROWS = 100_000


@pytest.mark.slow
def test_staff_import_shows_progress_then_the_report(
        page: Page, login: Login, shot: Shot, worker: Worker, js_errors: list[str]) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    big = "number,rate center,state,city,zip\n" + "".join(
        f"415{n:07d},SNFCCA21,CA,San Francisco,94103\n"
        for n in range(5_200_000, 5_200_000 + ROWS))  # 415-520-0000 onwards
    big += ("4155990000,<script>alert(1)</script>,CA,,\n"
            "=cmd|' /C calc'!A0,,,,\n"
            "2125550100,NWYRCYZN01,NY,New York,\n")  # a demo number: already in stock
    login("ops")
    page.goto("/numbers/")
    page.click("#import-numbers-link")
    page.set_input_files("#import-file", files=[{"name": "sf.csv", "mimeType": "text/csv",
                                                 "buffer": big.encode()}])
    with page.expect_navigation():
        page.click("#import-submit")
    expect(page).to_have_url(re.compile(r"/numbers/import/\?id=\d+$"))
    # No worker yet: the job waits, and the page shows the bar at 0.
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "queued")
    expect(page.locator("#import-bar")).to_have_attribute("max", str(ROWS + 4))
    expect(page.locator("#import-count")).to_have_text(f"0 of {ROWS + 4} lines (0%)")
    shot(page, "import-queued")
    big_url = page.url

    # A second upload while the first waits: its own row, its own job.
    page.goto("/numbers/import/")
    page.set_input_files("#import-file", files=[{"name": "small.csv", "mimeType": "text/csv",
                                                 "buffer": b"3035559990\n3035559991\n"}])
    with page.expect_navigation():
        page.click("#import-submit")
    expect(page.locator("#import-list tbody tr")).to_have_count(2)

    worker.start()
    page.goto(big_url)
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text(
        f"{ROWS} added, 1 already in the inventory, 2 rejected", timeout=120_000)
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "done")
    rejected = page.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(2)
    # Hostile text is shown as data, never run or evaluated.
    expect(rejected.nth(0).locator("code")).to_have_text(
        "4155990000,<script>alert(1)</script>,CA,,")
    expect(rejected.nth(0)).to_contain_text("a rate center has letters, digits")
    expect(rejected.nth(1).locator("code")).to_have_text("=cmd|' /C calc'!A0,,,,")
    shot(page, "import-report", full_page=True)
    assert dialogs == [] and js_errors == []

    small = NumberImport.objects.get(filename="small.csv")
    page.goto(f"/numbers/import/?id={small.pk}")
    expect(page.locator("#import-summary")).to_contain_text(
        "2 added, 0 already in the inventory, 0 rejected", timeout=60_000)
    assert DID.objects.filter(npa="415").count() == ROWS
    # The page's search finds the imported block by its city and ZIP.
    from orion.numbers.models import NumberBlock

    block = NumberBlock.objects.get(npa="415", nxx="520")
    assert (block.rate_center, block.locality, block.zip_codes) == (
        "SNFCCA21", "San Francisco", ["94103"])
