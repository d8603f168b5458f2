"""Provisioning seen from the order page, in a real browser (issue 6).

A failed order: provider operations read why on the order page and in the OCI-P log, repair
BroadWorks and press Retry, and the order completes. A trunking customer's order: the page
says it is not provisioned automatically, the trunking order form PDF downloads, and staff
mark the manual set-up done.
"""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from playwright.sync_api import Page, expect

from orion.broadworks import BroadWorksClient, ocip_request
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from orion.numbers.nanp import display
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning.models import OciExchangeLog

from .conftest import Worker
from .test_walkthrough import (
    NEW_CUSTOMER,
    NEW_DOMAIN,
    Login,
    Shot,
    add_packages,
    fill_new_customer,
    open_new_customer_form,
    order_dids,
    search,
    wait_for_provisioning,
)

pytestmark = [pytest.mark.e2e]

OTHER_SP = "OTHER_ENTERPRISE"


def save_order(page: Page) -> Order:
    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    number = page.locator("#order-number").inner_text().strip()
    assert number.startswith("ORD-"), number
    return Order.objects.select_related("customer", "enterprise").get(number=number)


def switch_user(page: Page, login: Login, username: str) -> None:
    page.context.clear_cookies()
    login(username)


def pdf_text(data: bytes) -> bytes:
    """The PDF's bytes with its streams decoded (ReportLab: ASCII85, then Flate), to look
    for the text drawn on its pages."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):
            try:
                raw = base64.a85decode(raw.removeprefix(b"<~").removesuffix(b"~>"))
            except ValueError:
                continue
        try:
            parts.append(zlib.decompress(raw))
        except zlib.error:
            parts.append(raw)
    return b"\n".join(parts)


def test_failed_order_is_repaired_by_staff_and_retried_to_completed(
        page: Page, login: Login, shot: Shot, js_errors: list[str],
        broadworks: EmulatorServer, bw_config: BroadWorksConfig, worker: Worker) -> None:
    worker.start()  # boots while the agent fills the form
    # Someone else's enterprise holds the new customer's domain in BroadWorks.
    with BroadWorksClient(bw_config) as bw:
        bw.batch_or_raise([
            ocip_request("SystemDomainAddRequest", domain=NEW_DOMAIN),
            ocip_request("ServiceProviderAddRequest13mp2", service_provider_id=OTHER_SP,
                         default_domain=NEW_DOMAIN, is_enterprise=True,
                         service_provider_name="Another Enterprise")])

    # The agent places a new customer order for Acme: provisioning fails at the domain.
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    order = save_order(page)
    wait_for_provisioning(page, "Failed", worker)
    expect(page.locator("#failure-reason")).to_contain_text(NEW_DOMAIN)
    expect(page.locator("#staff-actions")).to_have_count(0)  # partners cannot repair
    shot(page, "agent-sees-failure")

    # Operations staff open the failed order and read why.
    switch_user(page, login, "ops")
    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Failed")
    expect(page.locator("#progress-state")).to_have_text("Failed")
    expect(page.locator("#progress-text")).to_contain_text("failed: adding the domain")
    reason = page.locator("#failure-reason")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("BroadWorks refused adding the domain")
    expect(reason).to_contain_text(NEW_DOMAIN)
    assert not re.search(r"<|Traceback|Exception", reason.inner_text()), reason.inner_text()
    expect(page.locator("#provisioning .steps li.step-failed")).to_contain_text(
        "adding the domain")
    expect(page.locator("#retry")).to_be_visible()
    shot(page, "staff-sees-failure", full_page=True)

    # The OCI-P log lists every exchange, the failed one marked, passwords redacted.
    page.click("#oci-log")
    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/oci-log/$"))
    exchanges = page.locator("details.oci")
    logged = OciExchangeLog.objects.filter(order=order).count()
    assert logged >= 2
    expect(exchanges).to_have_count(logged)
    summaries = " ".join(exchanges.locator("summary").all_inner_texts())
    for command in ("AuthenticationRequest", "SystemDomainGetListRequest",
                    "ServiceProviderDomainAssignListRequest"):
        assert command in summaries, (command, summaries)
    # The refused command's exchange: its answer holds BroadWorks' error about the domain.
    refused = exchanges.filter(has=page.locator(
        "summary", has_text="ServiceProviderDomainAssignListRequest"))
    expect(refused).to_have_count(1)
    # It is open already (it holds a refusal); the refused command is marked, with its error.
    failing = refused.locator(".oci-command-failed")
    expect(failing).to_have_count(1)
    expect(failing.locator("h3")).to_contain_text("ServiceProviderDomainAssignListRequest")
    expect(failing.locator(".oci-command-error")).to_contain_text(NEW_DOMAIN)
    answer = failing.locator("pre").nth(1)
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("ErrorResponse")
    expect(answer).to_contain_text(NEW_DOMAIN)
    expect(page.locator("body")).not_to_contain_text("ocip-demo-password")
    shot(page, "oci-log", full_page=True)

    # Staff remove the cause in BroadWorks, then Retry: the order completes.
    with BroadWorksClient(bw_config) as bw:
        bw.request("ServiceProviderDeleteRequest", service_provider_id=OTHER_SP)
    page.goto(f"/orders/{order.pk}/")
    with page.expect_navigation():
        page.click("#retry")
    expect(page.locator(".alert-success")).to_contain_text("Retry started")
    wait_for_provisioning(page, "Completed", worker)
    expect(page.locator("#provisioning .progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#failure-reason")).to_have_count(0)
    shot(page, "retried-completed")
    page.reload()
    expect(page.locator("#order-state")).to_have_text("Completed")
    expect(page.locator("#retry")).to_have_count(0)
    expect(page.locator(".history")).to_contain_text("Retry requested by staff")
    shot(page, "order-completed", full_page=True)

    state = broadworks.dump()["service_providers"]
    assert OTHER_SP not in state
    group = state[order.enterprise.bw_service_provider_id]["groups"][order.customer.bw_group_id]
    assert group["name"] == NEW_CUSTOMER and group["default_domain"] == NEW_DOMAIN
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert js_errors == []


def test_trunking_order_is_held_with_pdf_and_completed_by_staff(
        page: Page, login: Login, shot: Shot, js_errors: list[str]) -> None:
    # Umbrella Health is a trunking customer: add services to it, with a trunk number.
    login("agent")
    search(page, "Umbrella")
    page.locator("#search-results tbody tr").filter(
        has=page.locator("td:nth-child(2)", has_text=re.compile(r"^\s*Customer\s*$"))
    ).get_by_role("link", name="Umbrella Health", exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    page.get_by_role("tab", name="OrderForms").click()
    page.get_by_role("button", name="Add Package Forms").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/form/$"))
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    numbers = order_dids(page, "305", "555", 2, trunking=(0, 1))
    order = save_order(page)

    # Not provisioned automatically: the page says so, the order is held.
    notice = page.locator("#trunking-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("not provisioned into BroadWorks automatically")
    expect(page.locator("#order-state")).to_have_text("Held")
    expect(page.locator("#provisioning")).to_have_count(0)
    expect(page.locator("#staff-actions")).to_have_count(0)
    expect(page.locator("#dids-table tr[data-number]")).to_have_count(2)
    shot(page, "trunking-held", full_page=True)
    assert order.state == OrderState.HELD
    assert not order.provisioning_steps.exists()
    assert not OciExchangeLog.objects.filter(order=order).exists()

    # The trunking order form, filled from this order, downloads as a PDF.
    href = page.locator("#trunking-form").get_attribute("href")
    assert href == f"/orders/{order.pk}/trunking-order-form.pdf"
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert order.number in response.headers.get("content-disposition", "")
    body = response.body()
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert order.number.encode() in text
    assert b"Umbrella Health" in text
    assert b"Enterprise Standard" in text
    for number in numbers:  # both marked Is For Trunking
        assert display(number).encode() in text, display(number)

    # Operations mark the manual set-up done: the order completes.
    switch_user(page, login, "ops")
    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Held")
    expect(page.locator("#oci-log")).to_have_count(0)  # nothing goes to BroadWorks
    shot(page, "staff-sees-held")
    with page.expect_navigation():
        page.click("#trunking-done")
    expect(page.locator(".alert-success")).to_contain_text("Trunking set-up recorded")
    expect(page.locator("#order-state")).to_have_text("Completed")
    expect(page.locator("#trunking-done")).to_have_count(0)
    expect(page.locator("#activated-at")).not_to_have_text("not yet")
    expect(page.locator(".history")).to_contain_text("Manual trunking set-up done")
    shot(page, "trunking-completed", full_page=True)
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED and order.activated_at is not None
    assert js_errors == []
