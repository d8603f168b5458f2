"""A partner sees their accounts (issue 15, item 7): the Accounts page in the top bar lists
the partner's enterprises with their customers (filter, sort, status, show cancelled), the
customer's Overview shows its current services, numbers, state, domain and BroadWorks ids,
and the search results show status and domain."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from orion.accounts.models import Customer
from orion.numbers.models import DID
from orion.orders.models import Order, OrderLine
from orion.orders.states import OrderState

from .test_walkthrough import Login, Shot, search

pytestmark = [pytest.mark.e2e]


def test_accounts_page_filters_sorts_and_shows_cancelled(page: Page, login: Login,
                                                         shot: Shot) -> None:
    denver = Customer.objects.get(name="Acme Corporation - Denver")
    denver.cancelled_at = timezone.now()
    denver.save(update_fields=["cancelled_at"])

    login("agent")
    page.locator("#nav-accounts").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    enterprises = page.locator("#accounts tr.account-enterprise td:first-child")
    expect(enterprises).to_have_text(["Acme Corporation", "Globex Industries", "Initech",
                                      "Umbrella Health"])  # agent2's accounts are not here
    expect(page.get_by_role("link", name="Acme Corporation - Denver")).to_have_count(0)
    shot(page, "accounts")

    page.fill("#accounts-name", "austin")
    page.get_by_role("button", name="Filter").click()
    expect(enterprises).to_have_text(["Globex Industries"])
    page.fill("#accounts-name", "acme")
    page.check("#accounts-cancelled")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("#accounts tr.account-customer").filter(
        has=page.get_by_role("link", name="Acme Corporation - Denver", exact=True))
    expect(row.locator(".account-status")).to_have_text("Cancelled")
    shot(page, "accounts-cancelled")

    page.fill("#accounts-name", "")
    page.uncheck("#accounts-cancelled")
    page.select_option("#accounts-sort", "newest")
    page.get_by_role("button", name="Filter").click()
    expect(enterprises.first).to_have_text("Umbrella Health")  # created last by the demo load
    expect(page.locator("#accounts-sort")).to_have_value("newest")


def test_customer_overview_and_search_tell_accounts_apart(page: Page, login: Login,
                                                          shot: Shot) -> None:
    acme = Customer.objects.select_related("enterprise").get(name="Acme Corporation")
    order = Order.objects.create(
        number="ORD-E2E-7", kind="add_services", state=OrderState.COMPLETED,
        partner=acme.partner, enterprise=acme.enterprise, customer=acme,
        created_by=acme.enterprise.partner.users.first(),
        billing_start_date=timezone.localdate())
    from orion.catalog.models import Package

    power = Package.objects.get(name="Power User")
    OrderLine.objects.create(order=order, package=power, quantity=6,
                             charge_type=power.charge_type, unit_price=power.price)
    did = DID.objects.filter(state="available").order_by("e164").first()
    assert did is not None
    DID.objects.filter(pk=did.pk).update(state="assigned", order=order, customer=acme)
    acme.activated_at = timezone.now()
    acme.save(update_fields=["activated_at"])

    login("agent")
    search(page, "Acme")
    rows = page.locator("#search-results tbody tr")
    customer_row = rows.filter(has=page.get_by_role("link", name="Acme Corporation",
                                                    exact=True)).filter(has_text="Customer")
    expect(customer_row.locator(".hit-status")).to_have_text("Active")
    expect(customer_row.locator(".hit-domain")).to_have_text("acmecorp.com")
    denver_row = rows.filter(has=page.get_by_role("link", name="Acme Corporation - Denver"))
    expect(denver_row.locator(".hit-status")).to_have_text("Pending")
    shot(page, "search-status-domain")

    customer_row.get_by_role("link", name="Acme Corporation", exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("#customer-status")).to_have_text("Active")
    expect(page.locator("#customer-domain")).to_contain_text("acmecorp.com")
    expect(page.locator("#bw-enterprise-id")).to_have_text(acme.enterprise.bw_service_provider_id)
    expect(page.locator("#bw-group-id")).to_have_text(acme.bw_group_id)
    services = page.locator("#current-services tbody tr")
    expect(services).to_have_count(1)
    expect(services.first).to_contain_text("Power User")
    expect(services.first.locator("td").last).to_have_text("6")
    expect(page.locator("#customer-numbers li")).to_have_text([did.display])
    shot(page, "customer-overview")
