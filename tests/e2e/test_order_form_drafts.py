"""Nothing typed is lost (issue 15, item 2): the order form saves the customer information and
notes to the draft as the partner types, restores them after a refresh and on another device,
warns before leaving only while something is unsaved, and refuses a stale write from a second
tab with a message and a reload link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from orion.orders.models import Order

from .conftest import DEMO_PASSWORDS
from .test_walkthrough import Login, Shot, open_new_customer_form

pytestmark = [pytest.mark.e2e]

SAVED = re.compile(r"Draft saved at")


def leaving_asks(page: Page) -> bool:
    """Whether the page's beforeunload handler would ask before leaving."""
    return bool(page.evaluate("""() => {
        const e = new Event('beforeunload', {cancelable: true});
        window.dispatchEvent(e);
        return e.defaultPrevented;
    }"""))


def draft_pk(page: Page) -> int:
    return int(re.search(r"/orders/(\d+)/form/", page.url).group(1))  # type: ignore[union-attr]


def test_typed_details_are_saved_and_restored(page: Page, login: Login, shot: Shot,
                                              browser: Browser, base_url: str,
                                              js_errors: list[str]) -> None:
    login("agent")
    open_new_customer_form(page)
    pk = draft_pk(page)
    assert not leaving_asks(page)  # nothing typed yet
    page.fill("#id_company_name", "Acme Corporation - Tampa")
    page.fill("#id_notes", "Port 813-555-0100 on the 14th.")
    assert leaving_asks(page)  # typed, not saved yet
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert not leaving_asks(page)
    shot(page, "autosaved")
    order = Order.objects.get(pk=pk)
    assert (order.company_name, order.notes) == ("Acme Corporation - Tampa",
                                                 "Port 813-555-0100 on the 14th.")
    assert order.version > 1

    page.reload()
    expect(page.locator("#id_company_name")).to_have_value("Acme Corporation - Tampa")
    expect(page.locator("#id_notes")).to_have_value("Port 813-555-0100 on the 14th.")

    # Another device: a new browser context, logged in afresh, opens the same draft.
    other = browser.new_context(base_url=base_url)
    try:
        device = other.new_page()
        device.goto("/login/")
        device.fill("#id_username", "agent")
        device.fill("#id_password", DEMO_PASSWORDS["agent"])
        with device.expect_navigation():
            device.click("main form[action='/login/'] button[type=submit]")
        device.goto(f"/orders/{pk}/form/")
        expect(device.locator("#id_company_name")).to_have_value("Acme Corporation - Tampa")
    finally:
        other.close()
    assert js_errors == []


def test_a_field_that_does_not_pass_is_not_saved_and_says_so(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    pk = draft_pk(page)
    page.fill("#id_contact_email", "not an address")
    expect(page.locator("#autosave-problem")).to_contain_text("E-mail")
    assert leaving_asks(page)  # still unsaved: the warning stays
    assert Order.objects.get(pk=pk).contact_email == ""
    page.fill("#id_contact_email", "it@acme-tampa.example")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert not leaving_asks(page)
    assert Order.objects.get(pk=pk).contact_email == "it@acme-tampa.example"


def test_a_stale_tab_is_refused_with_a_reload_link(page: Page, login: Login,
                                                    shot: Shot) -> None:
    login("agent")
    open_new_customer_form(page)
    pk = draft_pk(page)
    second = page.context.new_page()
    second.goto(page.url)

    page.fill("#id_company_name", "Acme Corporation - Tampa")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)

    # The second tab has not seen that edit: its write is refused, next to the field.
    second.fill("#id_city", "Orlando")
    refusal = second.locator(".field:has(#id_city) [data-draft-refusal]")
    expect(refusal).to_contain_text("changed in another tab")
    expect(second.locator("#announcer")).to_contain_text("changed in another tab")
    expect(second.locator("#id_city")).to_have_value("Orlando")  # what was typed stays
    assert leaving_asks(second)
    shot(second, "stale-tab")
    assert Order.objects.get(pk=pk).city == ""

    # Save Order from the stale tab is refused too (never a silent overwrite).
    with second.expect_navigation() as nav:
        second.click("#save-order")
    assert nav.value is not None and nav.value.status == 422
    expect(second.locator("#form-errors")).to_contain_text("changed in another tab")

    second.locator("#form-errors a.reload").click()
    expect(second.locator("#id_company_name")).to_have_value("Acme Corporation - Tampa")
    second.close()


# --- drafts are findable (item 3) ------------------------------------------------------------

def test_open_drafts_on_the_dashboard_continue_and_discard(page: Page, login: Login,
                                                           shot: Shot) -> None:
    from orion.numbers.models import DID

    from .test_walkthrough import add_packages, order_dids

    login("agent")
    open_new_customer_form(page)
    pk = draft_pk(page)
    page.fill("#id_company_name", "Acme Corporation - Tampa")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order_dids(page, "206", "432", 2)

    page.goto("/")
    row = page.locator(f'#open-drafts tr[data-draft="{pk}"]')
    expect(row).to_contain_text("Acme Corporation - Tampa")
    expect(row).to_contain_text("New customer in an existing enterprise")
    expect(row.locator("td").nth(3)).not_to_have_text("$0.00")  # the MRC total
    shot(page, "dashboard-drafts")

    # Add Package Forms on the same enterprise offers to continue it.
    open_new_customer_form_offer(page)
    expect(page.locator("h1")).to_have_text("Open drafts for Acme Corporation")
    page.locator(f'#open-drafts tr[data-draft="{pk}"] a.continue-draft').click()
    expect(page).to_have_url(re.compile(rf"/orders/{pk}/form/$"))
    expect(page.locator("#id_company_name")).to_have_value("Acme Corporation - Tampa")

    # Discard it from the dashboard: its numbers are free again.
    page.goto("/")
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator(f'#open-drafts tr[data-draft="{pk}"] button.discard-draft').click()
    expect(page.locator("main")).to_contain_text("was discarded")
    expect(page.locator("#open-drafts")).to_have_count(0)
    assert not Order.objects.filter(pk=pk).exists()
    assert not DID.objects.filter(order_id=pk).exists()
    assert DID.objects.filter(npa="206", nxx="432", state="available").count() == 3


def open_new_customer_form_offer(page: Page) -> None:
    """The document's route to Add Package Forms, stopping at the offer of open drafts."""
    from .test_walkthrough import search

    search(page, "Acme")
    row = page.locator("#search-results tbody tr").filter(
        has=page.locator("td:nth-child(2)", has_text=re.compile(r"^\s*Enterprise\s*$")))
    row.get_by_role("link", name="Acme Corporation", exact=True).click()
    page.get_by_role("tab", name="OrderForms").click()
    page.get_by_role("button", name="Add Package Forms").click()


def test_start_a_new_order_past_the_offer(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    first = draft_pk(page)
    page.fill("#id_notes", "first draft")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    open_new_customer_form_offer(page)
    page.click("#start-new-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/form/$"))
    assert draft_pk(page) != first
    expect(page.locator("#id_notes")).to_have_value("")
