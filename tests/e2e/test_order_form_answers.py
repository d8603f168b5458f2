"""Every answer of the order form is shown (issue 15, item 1).

The server refuses with a 4xx fragment; orion.js's one htmx error handler must put it next
to the control that caused it, give the control back its value, move focus there and say it
in the live region. Before, these answers were sent and never displayed.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orion.orders.models import OrderLine

from .test_walkthrough import Login, Shot, add_packages, fill_new_customer, open_new_customer_form

pytestmark = [pytest.mark.e2e]


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def test_add_package_without_order_type_is_answered_at_the_control(
        page: Page, login: Login, shot: Shot, js_errors: list[str]) -> None:
    login("agent")
    open_new_customer_form(page)
    page.click("#add-package")
    message = page.locator("#packages .picker-bar [data-control-error]")
    expect(message).to_have_text("Select an Order Type first.")
    expect(page.locator("#announcer")).to_have_text("Select an Order Type first.")
    assert focused_id(page) == "order-type"
    expect(page.locator("#add-package")).to_have_attribute("aria-invalid", "true")
    shot(page, "order-type-first")
    # The next request clears the answer.
    page.select_option("#order-type", label="Fax Service")
    page.click("#add-package")
    expect(page.locator("#picker-form")).to_be_visible()
    expect(message).to_have_count(0)
    assert js_errors == []


def test_add_selected_without_a_tick_is_answered_at_the_button(
        page: Page, login: Login, js_errors: list[str]) -> None:
    login("agent")
    open_new_customer_form(page)
    page.select_option("#order-type", label="Fax Service")
    page.click("#add-package")
    page.click("#add-selected")
    message = page.locator("#picker-form [data-control-error]")
    expect(message).to_have_text("Tick at least one package, then press Add Selected.")
    expect(page.locator("#announcer")).to_contain_text("Tick at least one package")
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == "package"
    assert js_errors == []


def test_quantity_out_of_range_restores_the_box(page: Page, login: Login, shot: Shot) -> None:
    login("agent")
    open_new_customer_form(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    box = page.locator('#lines-table tr[data-package="Enterprise Standard"] input.qty')
    box.fill("0")
    with page.expect_response(lambda r: "/quantity/" in r.url) as answer:
        box.press("Tab")
    assert answer.value.status == 422
    message = page.locator('#lines-table tr[data-package="Enterprise Standard"] '
                           "[data-control-error]")
    expect(message).to_have_text("The quantity must be from 1 to 9,999.")
    expect(box).to_have_value("1")  # the line bills 1: the box says 1
    expect(page.locator("#announcer")).to_contain_text("from 1 to 9,999")
    assert page.evaluate("() => document.activeElement.classList.contains('qty')")
    shot(page, "quantity-refused")
    assert OrderLine.objects.get(package__name="Enterprise Standard").quantity == 1
    # A good value goes through and the answer disappears.
    box.fill("3")
    with page.expect_response(lambda r: "/quantity/" in r.url):
        box.press("Tab")
    expect(page.locator('#lines-table tr[data-package="Enterprise Standard"] input.qty')
           ).to_have_value("3")
    expect(page.locator("[data-control-error]")).to_have_count(0)


def test_a_second_tab_is_told_the_order_has_been_saved(page: Page, login: Login,
                                                        shot: Shot) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    second = page.context.new_page()
    second.goto(page.url)
    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))

    second.select_option("#order-type", label="Fax Service")
    second.click("#add-package")
    expect(second.locator("#packages .picker-bar [data-control-error]")).to_have_text(
        "This order has been saved.")
    expect(second.locator("#announcer")).to_have_text("This order has been saved.")
    shot(second, "saved-elsewhere")
    second.close()
