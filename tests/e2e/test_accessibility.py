"""Accessible and responsive (issue 15, item 12): axe-core finds no serious or critical
violation on the main pages, no page scrolls sideways at 390 px, the skip link reaches the
content, focus stays where the user is after Add Selected and other htmx swaps, and the
progress and totals have live regions.

axe-core comes inside the axe-playwright-python wheel (no network at run time).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from orion.accounts.models import Customer

from .conftest import DEFAULT_TIMEOUT_MS, DEMO_PASSWORDS
from .test_order_provisioning import save_order
from .test_walkthrough import Login, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]

AXE = Axe()
BLOCKING = ("serious", "critical")


def axe_problems(page: Page) -> list[str]:
    """The serious and critical axe-core violations of the page as it is now."""
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def visit(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response)


def check(page: Page, where: str, found: dict[str, list[str]]) -> None:
    problems = axe_problems(page)
    if problems:
        found[where] = problems


def draft_with_everything_open(page: Page) -> None:
    """The order form of a new customer with a package line, the package picker and the
    DID picker open, and the trunking notice shown: every section visible at once."""
    open_new_customer_form(page)
    fill_new_customer(page, company="Axe Checked Inc", domain="axe-checked.example")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    page.select_option("#id_service_type", "trunking")
    expect(page.locator("#trunking-announcement")).to_be_visible()
    page.select_option("#order-type", label="AlaCarte Services")
    page.click("#add-package")
    expect(page.locator("#picker-form")).to_be_visible()
    page.click("#select-dids")
    page.fill("#did-npa", "212")
    page.fill("#did-nxx", "555")
    page.click("#did-search")
    expect(page.locator("#did-table tbody tr").first).to_be_visible()


@pytest.mark.slow
def test_main_pages_have_no_serious_or_critical_axe_violations(
        page: Page, login: Login) -> None:
    found: dict[str, list[str]] = {}
    visit(page, "/login/")
    check(page, "login", found)
    login("agent")
    check(page, "dashboard", found)
    visit(page, "/accounts/")
    check(page, "accounts", found)
    customer = Customer.objects.filter(enterprise__name="Acme Corporation").first()
    assert customer is not None
    visit(page, f"/customers/{customer.pk}/")
    check(page, "customer", found)
    visit(page, f"/billing/customers/{customer.pk}/preview/")
    check(page, "billing preview", found)
    for base in (f"/enterprises/{customer.enterprise_id}/", f"/customers/{customer.pk}/"):
        visit(page, base)
        tabs = [str(a.get_attribute("href")) for a in page.locator("nav.tabs a").all()]
        assert len(tabs) > 1, base
        for href in tabs:
            visit(page, href)
            check(page, href, found)
    visit(page, "/search/?q=Acme")
    check(page, "search", found)
    visit(page, "/no-such-page/", 404)
    check(page, "404", found)

    draft_with_everything_open(page)
    check(page, "order form", found)
    page.click("[data-clear='#package-picker']")
    page.click("[data-clear='#did-picker']")
    order = save_order(page)
    check(page, "order detail (trunking)", found)
    visit(page, f"/orders/{order.pk}/trunk/")
    check(page, "trunking order form", found)
    visit(page, "/orders/")
    check(page, "orders", found)

    page.context.clear_cookies()
    login("ops")
    for where, url in (("staff dashboard", "/"), ("DIDs inventory", "/numbers/"),
                       ("backorders", "/numbers/backorders/"), ("audit", "/audit/"),
                       ("number import", "/numbers/import/"),
                       ("staff order detail", f"/orders/{order.pk}/")):
        visit(page, url)
        check(page, where, found)
    assert not found, "\n".join(f"{where}: {p}" for where, ps in found.items() for p in ps)


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    """A 390 px wide phone screen, logged in as the partner agent."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url,
                                  locale="en-US", timezone_id="America/New_York",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    try:
        pg.goto("/login/")
        pg.fill("#id_username", "agent")
        pg.fill("#id_password", DEMO_PASSWORDS["agent"])
        with pg.expect_navigation():
            pg.click("main form[action='/login/'] button[type=submit]")
        yield pg
    finally:
        context.close()


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_no_page_scrolls_sideways_at_390_px(phone: Page) -> None:
    customer = Customer.objects.filter(enterprise__name="Acme Corporation").first()
    assert customer is not None
    wide: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    for where, url in (("dashboard", "/"), ("accounts", "/accounts/"),
                       ("customer", f"/customers/{customer.pk}/"),
                       ("enterprise", f"/enterprises/{customer.enterprise_id}/"),
                       ("search", "/search/?q=Acme"), ("orders", "/orders/"),
                       ("billing preview", f"/billing/customers/{customer.pk}/preview/"),
                       ("404", "/no-such-page/")):
        phone.goto(url)
        if page_width(phone) > 390:
            wide[where] = page_width(phone)
        check(phone, where, found)  # a table that scrolls must be reachable by keyboard too
    draft_with_everything_open(phone)
    if page_width(phone) > 390:
        wide["order form"] = page_width(phone)
    check(phone, "order form", found)
    # The tables still show every column: they scroll inside themselves.
    table = phone.locator("#did-table")
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert not wide, wide
    assert not found, found


def test_skip_link_is_first_and_moves_focus_to_the_content(page: Page, login: Login) -> None:
    login("agent")
    page.goto("/accounts/")
    page.keyboard.press("Tab")
    skip = page.locator("#skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    expect(skip).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab lands inside the content, past the top bar's search and links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_focus_stays_after_add_selected_and_quantity_swap(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    page.select_option("#order-type", label="Hosted PBX Services")
    page.click("#add-package")
    picker = page.locator("#picker-form")
    picker.locator("li", has_text="Enterprise Standard").first.locator("input").check()
    page.focus("#add-selected")
    with page.expect_response(lambda r: r.url.endswith("/form/lines/")):
        page.keyboard.press("Enter")
    expect(page.locator("#picker-form")).to_have_count(0)
    # Not lost to <body>: on the Order Packages heading, whose section now shows the line.
    focused = page.locator("#packages h2")
    expect(focused).to_be_focused()
    expect(page.locator("#status-live")).to_contain_text("Monthly total (MRC) $")

    qty = page.locator("#lines-table input.qty").first
    qty.fill("3")
    with page.expect_response(lambda r: "/quantity" in r.url or "/lines/" in r.url):
        qty.press("Tab")
    # The lines table was swapped; focus is where Tab took the user (the new copy of the
    # line's Remove button), not on <body>.
    remove = page.get_by_role("button", name="Remove Enterprise Standard")
    expect(remove).to_be_focused()
    expect(page.locator("#lines-table tr[data-package='Enterprise Standard'] input.qty")) \
        .to_have_value("3")


def test_focus_comes_back_when_two_answers_settle_at_once(page: Page, login: Login) -> None:
    """A quantity's answer swaps the lines and makes the Users section reload; when the
    users' answer is swapped while the lines are still settling (a busy server: here a long
    settle delay makes it certain), focus still goes to the new copy of the control."""
    login("agent")
    open_new_customer_form(page)
    page.select_option("#order-type", label="Hosted PBX Services")
    page.click("#add-package")
    page.locator("#picker-form li", has_text="Enterprise Standard").first.locator(
        "input").check()
    with page.expect_response(lambda r: r.url.endswith("/form/lines/")):
        page.click("#add-selected")
    page.evaluate("() => { htmx.config.defaultSettleDelay = 1500; }")
    qty = page.locator("#lines-table input.qty").first
    qty.fill("3")
    with page.expect_response(lambda r: r.url.endswith("/form/users/")):
        qty.press("Tab")  # the lines' answer, then the users' (seats-changed), both settling
    remove = page.get_by_role("button", name="Remove Enterprise Standard")
    expect(remove).to_be_focused()
    expect(page.locator("#lines-table tr[data-package='Enterprise Standard'] input.qty")) \
        .to_have_value("3")


def test_progress_is_read_out_by_a_polite_live_region(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company="Live Region Ltd", domain="live-region.example")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    save_order(page)
    region = page.locator("#status-live")
    expect(region).to_have_attribute("aria-live", "polite")
    # No worker runs here: the order waits in the queue and the panel polls; each poll's
    # headline goes to the polite region (the panel itself is replaced on every poll).
    expect(region).to_contain_text("Provisioning:")
    expect(page.locator("#provisioning [role=progressbar]")).to_have_attribute(
        "aria-label", "Provisioning progress")


def test_404_and_500_pages_are_styled_and_navigable(page: Page, login: Login) -> None:
    login("agent")
    response = page.goto("/orders/999999/")
    assert response is not None and response.status == 404
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("header.topbar nav a", has_text="Dashboard")).to_be_visible()
    expect(page.locator("#skip-link")).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.locator("h1")).to_have_text("Dashboard")

    # 500: Django renders it with no request context; it still has the layout and links.
    from django.template.loader import get_template
    html = get_template("500.html").render()
    assert 'class="skip-link"' in html and 'id="main"' in html
    assert 'href="/orders/"' in html and "/static/orion/orion.css" in html
