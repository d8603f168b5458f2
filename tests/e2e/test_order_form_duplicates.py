"""Duplicates are caught (issue 15, item 5): Save Order of a new customer named like an active
customer of the partner (case and punctuation folded) is refused with a warning naming it and
a link to it; ticking "This is a different customer, save anyway" saves it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orion.accounts.models import Customer
from orion.orders.models import Order

from .test_walkthrough import (
    Login,
    Shot,
    _save_expecting_422,
    add_packages,
    fill_new_customer,
    open_new_customer_form,
)

pytestmark = [pytest.mark.e2e]


def test_duplicate_customer_name_is_warned_linked_and_confirmed(page: Page, login: Login,
                                                                shot: Shot) -> None:
    denver = Customer.objects.get(name="Acme Corporation - Denver")
    login("agent")
    open_new_customer_form(page)
    order_pk = int(re.search(r"/orders/(\d+)/form/", page.url).group(1))  # type: ignore[union-attr]
    fill_new_customer(page, company="ACME corporation, Denver")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    expect(page.locator("#id_confirm_duplicate")).to_have_count(0)  # no warning before saving

    _save_expecting_422(page)
    alert = page.locator("#form-errors .alert-error")
    expect(alert).to_contain_text(
        "Customer Acme Corporation - Denver in the enterprise Acme Corporation already exists")
    expect(page.locator("#duplicate-link")).to_have_attribute("href",
                                                              f"/customers/{denver.pk}/")
    confirm = page.get_by_label("This is a different customer, save anyway")
    expect(confirm).not_to_be_checked()
    expect(page.locator("#id_company_name")).to_have_value("ACME corporation, Denver")
    shot(page, "duplicate-warning")
    assert Order.objects.get(pk=order_pk).is_draft

    confirm.check()
    page.click("#save-order")
    expect(page).to_have_url(re.compile(rf"/orders/{order_pk}/$"))
    expect(page.locator("#order-state")).to_have_text("Acknowledged")
    shot(page, "duplicate-confirmed")
    assert Customer.objects.filter(name="ACME corporation, Denver").count() == 1
