"""Operations tools in a real browser (issue 15, items 9 and 10).

Staff place a New Enterprise order on behalf of a partner, and the order and the audit log say
so; the OCI-P log marks the refused command and filters by order and command; the progress
panel, the header badge and the steps agree for an order whose numbers are all backordered.
Provisioning runs in this process against the emulator (no worker needed)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orion.accounts.models import Partner
from orion.broadworks import BroadWorksClient, ocip_request
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from orion.orders.models import Order
from orion.provisioning import services as provisioning

from .test_order_provisioning import save_order, switch_user
from .test_walkthrough import (
    NEW_DOMAIN,
    Login,
    Shot,
    add_packages,
    fill_new_customer,
    open_new_customer_form,
)

pytestmark = [pytest.mark.e2e]

PARTNER = "Demo Telecom Partners"


def test_staff_place_a_new_enterprise_order_for_a_partner(page: Page, login: Login,
                                                         shot: Shot,
                                                         js_errors: list[str]) -> None:
    login("ops")
    card = page.locator("#act-for-partner")
    expect(card).to_be_visible()
    # The partner must be chosen (the browser asks first; the server refuses next to the
    # select too: tests/orders/test_act_for_partner.py).
    expect(card.locator("#id_partner")).to_have_attribute("required", "")
    card.locator("#id_partner").select_option(label=PARTNER)
    with page.expect_navigation():
        card.locator("#new-enterprise-order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/form/$"))
    expect(page.locator("#on-behalf-of")).to_contain_text(PARTNER)
    expect(page.locator("#red-message")).to_contain_text("NEW ENTERPRISE")
    page.fill("#id_enterprise_name", "Staff Placed Holdings")
    fill_new_customer(page, company="Staff Placed Holdings", domain="staff-placed.example")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    shot(page, "form-on-behalf-of", full_page=True)
    order = save_order(page)
    expect(page.locator("#on-behalf-of")).to_contain_text(PARTNER)
    expect(page.locator("#on-behalf-of")).to_contain_text("ops")
    assert order.partner.name == PARTNER and order.placed_by_staff.username == "ops"
    assert order.enterprise.partner.name == PARTNER

    # The audit log: the start for the partner and the save, with names, not ids.
    page.goto("/audit/")
    page.select_option("#id_action", "order.start_for_partner")
    with page.expect_navigation():
        page.click("#audit-filters button[type=submit]")
    rows = page.locator("#audit-entries tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Partner: {PARTNER}")
    expect(rows.first).to_contain_text("Kind: New enterprise")
    page.goto("/audit/?action=order.save")
    expect(page.locator("#audit-entries tbody tr").first).to_contain_text(
        f"On behalf of partner: {PARTNER}")
    expect(page.locator("#audit-entries tbody tr").first).to_contain_text(
        "State: Draft → Acknowledged")
    shot(page, "audit-on-behalf-of", full_page=True)

    # The partner sees it among their orders, and that it was placed for them.
    switch_user(page, login, "agent")
    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#on-behalf-of")).to_contain_text(PARTNER)
    assert js_errors == []


def test_oci_log_marks_the_refused_command_and_filters(
        page: Page, login: Login, shot: Shot, broadworks: EmulatorServer,
        bw_config: BroadWorksConfig) -> None:
    with BroadWorksClient(bw_config) as bw:  # another enterprise holds the domain
        bw.batch_or_raise([
            ocip_request("SystemDomainAddRequest", domain=NEW_DOMAIN),
            ocip_request("ServiceProviderAddRequest13mp2", service_provider_id="OTHER_SP",
                         default_domain=NEW_DOMAIN, is_enterprise=True,
                         service_provider_name="Another Enterprise")])
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order = save_order(page)
    assert provisioning.order_provision(order_id=order.pk, config=bw_config) == "failed"

    switch_user(page, login, "ops")
    page.goto("/oci-log/")
    page.fill("#oci-order", str(order.number))
    page.select_option("#oci-command", "ServiceProviderDomainAssignListRequest")
    with page.expect_navigation():
        page.click("#oci-filters button[type=submit]")
    expect(page).to_have_url(re.compile(
        rf"order={order.number}&command=ServiceProviderDomainAssignListRequest"))
    exchanges = page.locator("details.oci")
    expect(exchanges).to_have_count(1)
    refused = exchanges.first
    expect(refused).to_have_attribute("open", "")  # a refusal is shown opened
    failing = refused.locator(".oci-command-failed")
    expect(failing).to_have_count(1)
    expect(failing.locator(".oci-command-error")).to_contain_text(NEW_DOMAIN)
    # Pretty-printed: the request's elements on lines of their own, indented.
    request_xml = failing.locator("pre").first.inner_text()
    assert re.search(r"\n\s+<serviceProviderId>", request_xml), request_xml
    shot(page, "oci-log-filtered", full_page=True)

    # Only refused documents, from the order's own log; the command filter is kept.
    page.goto(f"/orders/{order.pk}/oci-log/")
    every = page.locator("details.oci").count()
    page.goto(f"/orders/{order.pk}/oci-log/?failed=1")
    expect(page.locator("#oci-failed")).to_be_checked()
    refused_only = page.locator("details.oci")
    assert 1 <= refused_only.count() < every
    # Each one shown holds a refused command (reads answer "not found" with an error too).
    expect(page.locator("details.oci:not(.oci-failed)")).to_have_count(0)


def test_progress_panel_badge_and_steps_agree_when_numbers_are_backordered(
        page: Page, login: Login, shot: Shot, broadworks: EmulatorServer,
        bw_config: BroadWorksConfig) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company="Backorder Only Ltd", domain="backorder-only.example")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    page.click("#select-dids")  # no number ticked: both are backordered
    page.fill("#did-npa", "206")
    page.fill("#did-nxx", "432")
    page.click("#did-search")
    expect(page.locator("#did-table")).to_be_visible()
    page.fill("#did-backorder", "2")
    with page.expect_response(lambda r: r.url.endswith("/form/dids/")) as response:
        page.click("#did-order")
    assert response.value.status == 200
    expect(page.locator('#dids-table tr[data-backorder="206-432"]')).to_contain_text(
        "Backordered: 2")
    order = save_order(page)
    assert provisioning.order_provision(order_id=order.pk, config=bw_config) == "partial"
    page.reload()
    expect(page.locator("#order-state")).to_have_text("Partial")
    expect(page.locator("#progress-state")).to_have_text("Partial")
    headline = page.locator("#progress-text").inner_text()
    assert "Partial" not in headline and headline.strip(), headline
    steps = page.locator("#provisioning .steps li")
    expect(steps.filter(has_text="adding numbers to the enterprise")).to_contain_text(
        "Nothing to do")
    expect(steps.filter(has_text="creating the group")).to_contain_text("Done")
    expect(page.locator("#provisioning")).not_to_contain_text("Skipped")
    shot(page, "partial-agrees", full_page=True)
    assert Order.objects.get(pk=order.pk).state == "partial"
    assert Partner.objects.filter(name=PARTNER).exists()
