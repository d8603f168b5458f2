"""Users on the order form (issue 16): one row per seat, prefilled, edited inline; the users
sheet refused row by row with nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from orion.orders.models import Order
from orion.users.models import OrderUser

from .conftest import Worker
from .test_walkthrough import (
    Login,
    Shot,
    add_packages,
    fill_new_customer,
    open_new_customer_form,
    order_dids,
    wait_for_provisioning,
)

pytestmark = [pytest.mark.e2e]


def _users(page: Page):
    return page.locator("#users-table tbody tr")


def _edit_row(page: Page, change: Callable[[], None]) -> Response:
    """Make one inline change to a user row and wait until its new row has settled.

    The answer arriving is not enough: htmx swaps the row in after it and wires the new row's
    controls up in its settle step, and a control changed before that sends nothing."""
    page.evaluate("""() => { window.orionSettled = new Promise(
        done => document.addEventListener("htmx:afterSettle", done, {once: true})); }""")
    with page.expect_response(re.compile(r"/form/users/\d+/$")) as answer:
        change()
    page.evaluate("() => window.orionSettled")
    return answer.value


def _type(control: Locator, text: str) -> None:
    control.fill(text)
    control.dispatch_event("change")


def _set_quantity(page: Page, package: str, quantity: int) -> None:
    qty = page.locator(f'#lines-table tr[data-package="{package}"] input.qty')
    with page.expect_response(re.compile(r"/form/lines/\d+/quantity/$")):
        qty.fill(str(quantity))
        qty.dispatch_event("change")


@pytest.mark.slow  # a real worker provisions the order into the emulator
def test_three_seats_two_numbers_edit_a_name_and_save(
        page: Page, login: Login, shot: Shot, js_errors: list[str], broadworks: EmulatorServer,
        worker: Worker, bw_config: BroadWorksConfig, settings) -> None:
    login("agent")
    open_new_customer_form(page)
    fill_new_customer(page, company="Seat Three Co", domain="seatthree.example")
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    expect(_users(page)).to_have_count(1)
    _set_quantity(page, "Enterprise Standard", 3)
    expect(_users(page)).to_have_count(3)
    numbers = order_dids(page, "212", "555", 2)
    rows = _users(page)
    # Prefilled: names, extensions from the first free block, the numbers in order.
    expect(rows.nth(0).locator("input[name=first_name]")).to_have_value("User")
    expect(rows.nth(2).locator("input[name=last_name]")).to_have_value("3")
    assert [rows.nth(i).locator("input[name=extension]").input_value() for i in range(3)] == [
        "1000", "1001", "1002"]
    expect(rows.nth(0).locator("select[name=number]")).to_have_value(numbers[0])
    expect(rows.nth(1).locator("select[name=number]")).to_have_value(numbers[1])
    expect(rows.nth(2).locator("select[name=number]")).to_have_value("")

    # A refused extension is shown next to its box, and the box gets its value back.
    extension = rows.nth(1).locator("input[name=extension]")
    with page.expect_response(re.compile(r"/form/users/\d+/$")) as refused:
        extension.fill("12a")
        extension.dispatch_event("change")
    assert refused.value.status == 422
    error = rows.nth(1).locator(".control-error")
    expect(error).to_contain_text("digits only")
    expect(extension).to_have_value("1001")

    # Edit one user's name inline.
    first = rows.nth(0).locator("input[name=first_name]")
    answer = _edit_row(page, lambda: _type(first, "Ada"))
    assert answer.status == 200
    expect(_users(page).nth(0).locator("input[name=first_name]")).to_have_value("Ada")
    # A phone for user 3: the device type, then its MAC (typed with colons).
    device = _users(page).nth(2).locator("select[name=device_type]")
    assert _edit_row(page, lambda: device.select_option(label="Yealink T54W")).status == 200
    mac = _users(page).nth(2).locator("input[name=mac_address]")
    answer = _edit_row(page, lambda: _type(mac, "00:15:65:ab:cd:ef"))
    assert answer.status == 200
    expect(_users(page).nth(2).locator("input[name=mac_address]")).to_have_value(
        "00:15:65:AB:CD:EF")
    shot(page, "order-users", full_page=True)

    with page.expect_navigation():
        page.click("#save-order")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get(company_name="Seat Three Co")
    users = list(OrderUser.objects.filter(order=order).order_by("position")
                 .select_related("number"))
    assert [(u.first_name, u.extension, u.number.e164 if u.number else None, u.is_live)
            for u in users] == [("Ada", "1000", numbers[0], True),
                                ("User", "1001", numbers[1], True),
                                ("User", "1002", None, True)]
    assert (users[2].device_type, users[2].mac_address) == ("Yealink_T54W", "001565ABCDEF")

    # Provisioned: 3 users in BroadWorks, 2 with numbers, all with extensions and the seat's
    # service pack.
    worker.start()
    wait_for_provisioning(page, "Completed", worker)
    order.refresh_from_db()
    group = broadworks.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]
    in_bw = {u.user_id: group["users"][u.user_id] for u in users}
    assert [(b["first_name"], b["extension"], b["phone_number"]) for b in in_bw.values()] == [
        ("Ada", "1000", f"+1-{numbers[0][2:]}"), ("User", "1001", f"+1-{numbers[1][2:]}"),
        ("User", "1002", None)]
    assert all(b["service_packs"] == ["Orion Enterprise Standard"] for b in in_bw.values())

    # The customer page's Users tab lists them from Orion's records; Check BroadWorks agrees.
    settings.ORION_BROADWORKS = bw_config  # the live server's pages ask the emulator too
    page.goto(f"/customers/{order.customer_id}/users/")
    table = page.locator("#customer-users tbody tr")
    expect(table).to_have_count(3)
    expect(table.nth(0)).to_contain_text("Ada 1")
    expect(table.nth(0)).to_contain_text("1000")
    page.click("#check-broadworks")
    expect(page.locator("#users-check .check-status")).to_have_text(["As ordered"] * 3)
    shot(page, "customer-users-checked")
    assert js_errors == []


def test_a_sheet_with_three_bad_rows_shows_them_and_saves_nothing(
        page: Page, login: Login, shot: Shot, tmp_path) -> None:
    login("agent")
    open_new_customer_form(page)
    add_packages(page, "Hosted PBX Services", ["Enterprise Standard"])
    _set_quantity(page, "Enterprise Standard", 3)
    order_dids(page, "212", "555", 1)
    expect(_users(page)).to_have_count(3)
    with page.expect_download() as download:
        page.click("#users-download")
    sheet = download.value.path().read_text(encoding="utf-8")
    lines = sheet.splitlines()
    assert lines[0].startswith("user,seat,first_name,last_name,extension,number")
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    col = {name: header.index(name) for name in header}
    rows[1][col["extension"]] = rows[0][col["extension"]]  # a duplicate extension
    rows[2][col["number"]] = "212-555-9999"  # not on the order
    rows[0][col["first_name"]] = "A" * 31  # over BroadWorks' 30
    path = tmp_path / "users.csv"
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n",
                    encoding="utf-8")
    before = list(OrderUser.objects.values_list("first_name", "extension", "number_id"))
    page.set_input_files("#users-file", str(path))
    with page.expect_response(re.compile(r"/form/users/upload/$")) as answer:
        page.click("#users-upload-button")
    assert answer.value.status == 422
    errors = page.locator("#users-sheet-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("at most 30 characters")
    expect(errors.nth(1)).to_contain_text("more than one user")
    expect(errors.nth(2)).to_contain_text("not one of this order's numbers")
    expect(page.locator("#users-sheet-refused")).to_contain_text("nothing was saved")
    shot(page, "users-sheet-refused")
    assert list(OrderUser.objects.values_list("first_name", "extension", "number_id")) == before
