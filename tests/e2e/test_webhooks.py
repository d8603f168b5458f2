"""Webhooks in the browser (issue 15, item 11): a partner registers a URL, sees its signing
secret once, sends a test ping to a real local receiver and sees the delivery logged with the
receiver's response code; a refused URL is explained next to the field."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from orion.webhooks.models import Endpoint
from orion.webhooks.signing import signature_verify
from tests.webhooks.receiver import Receiver, start_receiver

from .test_accessibility import axe_problems
from .test_walkthrough import Login, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found, server = start_receiver()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def test_register_see_the_secret_once_ping_and_see_the_delivery(
        page: Page, login: Login, shot: Shot, receiver: Receiver) -> None:
    login("agent")
    page.locator("#nav-webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

    page.fill("#id_url", "not a url")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#url-error")).to_contain_text("Enter a full URL")
    expect(page.locator("#id_url")).to_have_attribute("aria-invalid", "true")
    assert axe_problems(page) == []  # the page with a refusal shown

    page.fill("#id_url", receiver.url)
    page.get_by_label("Order state changed (order.state_changed)").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret_box = page.locator("#endpoint-secret")
    expect(secret_box).to_have_text(re.compile(r"^whsec_\S{40,}$"))
    secret = secret_box.inner_text()
    endpoint = Endpoint.objects.get(url=receiver.url)
    assert endpoint.secret == secret and endpoint.partner.name == "Demo Telecom Partners"
    shot(page, "secret-shown-once")

    page.locator("#new-endpoint-link").click()
    expect(page.locator("#endpoint-url")).to_have_text(receiver.url)
    expect(page.locator("#endpoint-secret")).to_have_count(0)  # not shown again
    expect(page.locator("#secret-hint")).to_have_text(secret[:10] + "…")
    expect(page.locator("#no-deliveries")).to_be_visible()

    receiver.answer(202, b"thanks")
    page.get_by_role("button", name="Send test ping").click()
    expect(page.locator("#ping-result")).to_have_text(
        "Test ping delivered: the receiver answered 202.")
    row = page.locator("#delivery-log tbody tr").first
    expect(row.locator(".delivery-event")).to_have_text("ping")
    expect(row.locator(".delivery-code")).to_have_text("202")
    expect(row.locator(".delivery-attempts")).to_have_text("1")
    expect(row.locator(".delivery-status")).to_have_text("Delivered")
    expect(page.get_by_role("button", name="Send test ping")).to_be_focused()
    shot(page, "ping-delivered")
    assert axe_problems(page) == []  # the endpoint page with its deliveries log

    [got] = receiver.received
    signature_verify(secret=secret, headers=got.headers, body=got.body)

    page.reload()
    expect(page.locator("#delivery-log .delivery-code").first).to_have_text("202")
    expect(page.locator("#endpoint-secret")).to_have_count(0)


def test_the_webhook_pages_fit_a_phone(page: Page, login: Login, receiver: Receiver) -> None:
    login("agent")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/account/webhooks/")
    page.fill("#id_url", receiver.url + "/a-rather-long-path/for-the-receiver?with=query")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#endpoint-secret")).to_be_visible()  # the secret, long, shown once
    widths = {"list": page.evaluate("document.documentElement.scrollWidth")}
    assert axe_problems(page) == []
    page.locator("#new-endpoint-link").click()
    page.get_by_role("button", name="Send test ping").click()
    expect(page.locator("#delivery-log .delivery-code").first).to_have_text("200")
    widths["endpoint"] = page.evaluate("document.documentElement.scrollWidth")
    assert axe_problems(page) == []
    assert all(w <= 390 for w in widths.values()), widths
