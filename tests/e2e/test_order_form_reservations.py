"""Reservations are visible (issue 15, item 4): the DIDs section says how long the numbers stay
reserved, renews the reservation while the partner works, and Save Order refuses to go on
silently without numbers whose reservation ran out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from orion.numbers.models import DID
from orion.numbers.services import numbers_expire_reservations
from orion.orders.models import Order

from .test_walkthrough import (
    Login,
    Shot,
    add_packages,
    fill_new_customer,
    open_new_customer_form,
    order_dids,
)

pytestmark = [pytest.mark.e2e]


def test_the_reservation_time_shows_and_is_renewed(page: Page, login: Login,
                                                   shot: Shot) -> None:
    login("agent")
    open_new_customer_form(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    numbers = order_dids(page, "206", "432", 2)
    notice = page.locator("#did-reservation")
    expect(notice).to_contain_text(re.compile(r"reserved for (30|29) more minutes"))
    shot(page, "reserved-for")

    # Time passes (the reservation nearly over); the partner goes on typing: renewed.
    DID.objects.filter(e164__in=numbers).update(
        reserved_until=timezone.now() + timedelta(minutes=4))
    page.wait_for_timeout(5200)  # past the page's own activity throttle
    with page.expect_response(lambda r: r.url.endswith("/form/dids/renew/")) as answer:
        page.fill("#id_notes", "Still working on it")
    assert answer.value.status == 200
    expect(notice).to_contain_text(re.compile(r"reserved for (30|29) more minutes"))
    ends = list(DID.objects.filter(e164__in=numbers).values_list("reserved_until", flat=True))
    assert all(end > timezone.now() + timedelta(minutes=25) for end in ends)


def test_save_order_refuses_to_drop_released_numbers_silently(page: Page, login: Login,
                                                              shot: Shot) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    numbers = order_dids(page, "206", "432", 3)
    page.wait_for_load_state("networkidle")  # the sections the DIDs refresh have answered
    # The partner went away: the reservation ran out and the periodic job released them.
    DID.objects.filter(e164__in=numbers).update(
        reserved_until=timezone.now() - timedelta(minutes=1))
    freed = 0
    for _ in range(50):  # the sweep passes over a row a request holds at that moment
        freed += numbers_expire_reservations()
        if freed >= 3:
            break
        page.wait_for_timeout(100)
    assert freed == 3

    with page.expect_navigation() as nav:
        page.click("#save-order")
    assert nav.value is not None and nav.value.status == 422
    expect(page.locator("#form-errors")).to_contain_text(
        "3 numbers were released after 30 minutes: re-select them or save without them")
    shot(page, "released-refused", full_page=True)
    assert Order.objects.get().is_draft

    page.locator("#id_save_without_released").check()
    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("#order-state")).to_have_text("Acknowledged")
    assert not DID.objects.filter(e164__in=numbers).exclude(state="available").exists()


def test_re_selected_numbers_are_not_reported(page: Page, login: Login) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    numbers = order_dids(page, "206", "432", 1)
    expect(page.locator("#autosave-status")).to_have_text(re.compile("Draft saved at"))
    DID.objects.filter(e164__in=numbers).update(
        reserved_until=timezone.now() - timedelta(minutes=1))
    for _ in range(50):  # the sweep passes over a row a request (the autosave) holds
        if numbers_expire_reservations():
            break
        page.wait_for_timeout(100)
    assert DID.objects.get(e164=numbers[0]).state == "available"
    page.reload()
    order_dids(page, "206", "432", 1)  # the same first free number again
    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    assert DID.objects.get(e164=numbers[0]).state == "assigned"
