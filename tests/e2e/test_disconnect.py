"""Disconnecting a customer in a real browser (issue 17): the partner opens Disconnect
customer on the OrderForms tab, is told at the field that a past date is refused, saves a
disconnect dated today, follows it on the order page until a real worker has removed the
group from BroadWorks, and finds the customer again in search, marked Disconnected."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from orion.accounts.models import Enterprise, User
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from orion.core.clock import local_today
from orion.orders.disconnect import termination_fee_packages
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from tests.provisioning.helpers import place_order, stock_numbers

from .conftest import Worker
from .test_walkthrough import Login, Shot, search, wait_for_provisioning

pytestmark = [pytest.mark.e2e]


def test_the_partner_disconnects_a_customer_and_finds_it_marked_disconnected(
        page: Page, login: Login, shot: Shot, js_errors: list[str],
        broadworks: EmulatorServer, bw_config: BroadWorksConfig, worker: Worker) -> None:
    agent = User.objects.get(username="agent")
    acme = Enterprise.objects.get(name="Acme Corporation")
    order = place_order(user=agent, kind=OrderKind.NEW_CUSTOMER, enterprise=acme,
                        packages={"Enterprise Standard": 2},
                        numbers=stock_numbers(6125557000, 2), name="Acme Leaving Branch",
                        domain="")
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED
    customer = order.customer
    sp_id, group_id = acme.bw_service_provider_id, customer.bw_group_id
    assert group_id in broadworks.dump()["service_providers"][sp_id]["groups"]
    worker.start()  # boots while the partner fills the form

    login("agent")
    page.goto(f"/customers/{customer.pk}/orderforms/")
    with page.expect_navigation():
        page.click("#disconnect-customer")
    expect(page.locator("h1")).to_have_text("Disconnect Acme Leaving Branch")
    # Acme has other customers: the enterprise cannot go too, and the page says why.
    expect(page.locator("#id_remove_enterprise")).to_be_disabled()
    expect(page.locator("#remove-enterprise-help")).to_contain_text("Acme Corporation - Denver")
    today = local_today(customer.time_zone)
    page.fill("#id_effective_date", (today - timedelta(days=1)).isoformat())
    page.fill("#id_reason", "Branch closes")
    with page.expect_navigation():
        page.click("#save-disconnect")
    expect(page.locator("#effective-date-error")).to_contain_text("cannot be in the past")
    shot(page, "refused-past-date")
    page.fill("#id_effective_date", today.isoformat())
    fee = termination_fee_packages().get(name="Early Termination Fee")
    page.select_option("#id_termination_fee", value=str(fee.pk))
    with page.expect_navigation():
        page.click("#save-disconnect")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("#disconnect-reason")).to_have_text("Branch closes")
    wait_for_provisioning(page, "Completed", worker, timeout_ms=60_000)
    expect(page.locator("main")).to_contain_text("removing the group")
    shot(page, "disconnected")
    assert group_id not in broadworks.dump()["service_providers"][sp_id]["groups"]

    search(page, "Acme Leaving")
    row = page.locator("#search-results tbody tr", has_text="Acme Leaving Branch")
    expect(row.locator(".hit-status")).to_have_text("Disconnected")
    expect(row).to_contain_text("Customer")
    assert js_errors == []
