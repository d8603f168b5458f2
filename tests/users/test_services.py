"""Users (seats) on an order: prefilled rows that follow the seat lines, BroadWorks' rules at
the row and at Save Order, live users of the customer, add-services orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orion.core.exceptions import OrionError
from orion.orders import services as order_services
from orion.orders.exceptions import OrderValidationError, StaleDraft
from orion.orders.models import OrderKind
from orion.users import services
from orion.users.exceptions import UserError
from orion.users.models import OrderUser
from orion.users.selectors import customer_users, order_users_for_provisioning
from tests import factories as f
from tests.provisioning.helpers import add_packages, place_order, stock_numbers


def _draft(tenant, packages, numbers=(), trunking=()):
    order = order_services.order_start(user=tenant.user, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=tenant.enterprise)
    add_packages(tenant.user, order, packages)
    if numbers or trunking:
        from orion.numbers.services import order_dids_order

        order_dids_order(user=tenant.user, order_id=order.pk, numbers=list(numbers),
                         trunking=list(trunking))
    return order


def _refresh(tenant, order):
    assert services.order_users_refresh(user=tenant.user, order_id=order.pk) is None
    return list(order.users.order_by("position"))


def test_one_prefilled_user_per_seat_with_the_orders_numbers_in_order(tenant_a):
    numbers = stock_numbers(2125550100, 3)
    order = _draft(tenant_a, {"Enterprise Standard": 3, "Hunt Group": 1},
                   numbers=numbers[:2], trunking=numbers[2:])
    users = _refresh(tenant_a, order)
    assert [(u.first_name, u.last_name, u.extension) for u in users] == [
        ("User", "1", "1000"), ("User", "2", "1001"), ("User", "3", "1002")]
    # The Is For Trunking number is nobody's.
    assert [u.number.e164 if u.number else None for u in users] == [*numbers[:2], None]


def test_rows_follow_the_seat_lines(tenant_a):
    order = _draft(tenant_a, {"Enterprise Standard": 2, "Power User": 1})
    assert len(_refresh(tenant_a, order)) == 3
    line = order.lines.get(package__name="Enterprise Standard")
    order_services.order_line_set_quantity(user=tenant_a.user, order_id=order.pk,
                                           line_id=line.pk, quantity=5)
    assert len(_refresh(tenant_a, order)) == 6
    order_services.order_line_set_quantity(user=tenant_a.user, order_id=order.pk,
                                           line_id=line.pk, quantity=1)
    users = _refresh(tenant_a, order)
    assert len(users) == 2 and len({u.extension for u in users}) == 2
    order_services.order_line_remove(user=tenant_a.user, order_id=order.pk, line_id=line.pk)
    users = _refresh(tenant_a, order)
    assert [u.line.package.name for u in users] == ["Power User"]


def test_ten_thousand_seats_are_refused_with_the_user_limit(tenant_a):
    order = _draft(tenant_a, {"Enterprise Standard": 1})
    line = order.lines.get()
    with pytest.raises(UserError, match=r"at most 1,000 users .*user limit"):
        order_services.order_line_set_quantity(user=tenant_a.user, order_id=order.pk,
                                               line_id=line.pk, quantity="10000")
    line.refresh_from_db()
    assert line.quantity == 1


def test_save_order_refuses_more_seats_than_the_user_limit(tenant_a, settings):
    order = _draft(tenant_a, {"Enterprise Standard": 3})
    settings.ORION_USERS_GROUP_LIMIT = 2
    with pytest.raises(OrderValidationError, match="at most 2 users") as exc:
        order_services.order_save(user=tenant_a.user, order_id=order.pk,
                                  details=f.new_customer_details())
    assert "users" in exc.value.errors
    assert not OrderUser.objects.exists()  # nothing made, nothing saved


@pytest.mark.parametrize(("value", "message"), [
    ("0", "must have 4 digits"), ("1234567", "must have 4 digits"), ("12a", "digits only")])
def test_bad_extensions_are_refused_at_the_field(tenant_a, value, message):
    order = _draft(tenant_a, {"Enterprise Standard": 1})
    row = _refresh(tenant_a, order)[0]
    with pytest.raises(UserError, match=message) as exc:
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=row.pk,
                                   version=row.version, values={"extension": value})
    assert exc.value.field == "extension"
    row.refresh_from_db()
    assert row.extension == "1000"


def test_row_edit_checks_the_other_rows_and_the_version(tenant_a):
    numbers = stock_numbers(2125550200, 2)
    order = _draft(tenant_a, {"Enterprise Standard": 2}, numbers=numbers)
    first, _second = _refresh(tenant_a, order)
    with pytest.raises(UserError, match="Extension 1001 is given to more than one user"):
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=first.pk,
                                   version=1, values={"extension": "1001"})
    with pytest.raises(UserError, match="given to more than one user; a number"):
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=first.pk,
                                   version=1, values={"number": numbers[1]})
    with pytest.raises(UserError, match="not one of this order's numbers"):
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=first.pk,
                                   version=1, values={"number": "+12125559999"})
    with pytest.raises(UserError, match="at most 30 characters"):
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=first.pk,
                                   version=1, values={"first_name": "A" * 31})
    edited = services.order_user_update(user=tenant_a.user, order_id=order.pk,
                                        user_pk=first.pk, version=1,
                                        values={"first_name": " Ada ", "last_name": "Lovelace",
                                                "number": ""})
    assert (edited.first_name, edited.last_name, edited.number_id, edited.version) == (
        "Ada", "Lovelace", None, 2)
    with pytest.raises(StaleDraft):  # a tab that has not seen the edit
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=first.pk,
                                   version=1, values={"first_name": "Grace"})


def test_save_order_makes_the_users_live_with_unique_user_ids(tenant_a):
    numbers = stock_numbers(2125550300, 2)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 3},
                        numbers=numbers, name="Seat Co", domain="seat.example")
    users = list(order.users.order_by("position"))
    assert all(u.is_live and u.customer_id == order.customer_id for u in users)
    group = order.customer.bw_group_id.lower()
    assert [u.user_id for u in users] == [f"{group}_{e}@seat.example"
                                          for e in ("1000", "1001", "1002")]
    sent = order_users_for_provisioning(order)
    assert [s.phone_number for s in sent] == ["+1-2125550300", "+1-2125550301", None]
    assert {s.service_pack for s in sent} == {"Orion Enterprise Standard"}
    assert [u.extension for u in customer_users(user=tenant_a.user,
                                                customer_id=order.customer_id)] == [
        "1000", "1001", "1002"]


def test_add_services_adds_new_users_after_the_existing_ones(tenant_a):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        name="Growing Co", domain="growing.example")
    customer = first.customer
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                       customer=customer)
    add_packages(tenant_a.user, order, {"Power User": 2})
    users = _refresh(tenant_a, order)
    assert [u.extension for u in users] == ["1002", "1003"]
    # An existing user's extension is refused for a new one.
    with pytest.raises(UserError, match="already used by another user of this customer"):
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=users[0].pk,
                                   version=1, values={"extension": "1000"})
    order_services.order_save(user=tenant_a.user, order_id=order.pk,
                              details=order_services.OrderDetails(
                                  billing_start_date=timezone.localdate() + timedelta(days=1)))
    listed = customer_users(user=tenant_a.user, customer_id=customer.pk)
    assert [u.extension for u in listed] == ["1000", "1001", "1002", "1003"]
    assert len(order_users_for_provisioning(order)) == 2  # only the new ones


def test_a_mac_of_another_customer_is_refused(tenant_a, tenant_b):
    first = place_order(user=tenant_b.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_b.enterprise, packages={"Enterprise Standard": 1},
                        name="Phone Co", domain="phone.example")
    row = first.users.get()
    OrderUser.objects.filter(pk=row.pk).update(device_type="Yealink_T54W",
                                               mac_address="0004F2ABCDEF")
    order = _draft(tenant_a, {"Enterprise Standard": 1})
    mine = _refresh(tenant_a, order)[0]
    services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=mine.pk,
                               version=1, values={"device_type": "Yealink T54W"})
    with pytest.raises(UserError, match="another customer's user") as exc:
        services.order_user_update(user=tenant_a.user, order_id=order.pk, user_pk=mine.pk,
                                   version=2, values={"mac_address": "00:04:f2:ab:cd:ef"})
    assert exc.value.field == "mac_address"
    assert "Phone Co" not in exc.value.message  # another partner's customer is not named


def test_the_database_holds_the_rules_for_live_users(tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        name="Strict Co", domain="strict.example")
    a, b = order.users.order_by("position")
    for change in ({"extension": a.extension}, {"user_id": a.user_id}):
        with pytest.raises(IntegrityError), transaction.atomic():
            OrderUser.objects.filter(pk=b.pk).update(**change)
    for change in ({"extension": "12a"}, {"extension": "1"}, {"mac_address": "XYZ"},
                   {"first_name": ""}, {"mac_address": "0004F2ABCDEF"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            OrderUser.objects.filter(pk=b.pk).update(**change)


def test_another_partner_cannot_touch_the_users(tenant_a, tenant_b):
    order = _draft(tenant_a, {"Enterprise Standard": 1})
    row = _refresh(tenant_a, order)[0]
    with pytest.raises(OrionError):
        services.order_user_update(user=tenant_b.user, order_id=order.pk, user_pk=row.pk,
                                   version=1, values={"first_name": "Mallory"})
    with pytest.raises(OrionError):
        services.order_users_refresh(user=tenant_b.user, order_id=order.pk)
    with pytest.raises(OrionError):
        customer_users(user=tenant_b.user, customer_id=tenant_a.customer.pk)


def test_the_order_page_reads_its_numbers_once_and_every_section_shows_them(
        client_a, tenant_a):
    """The order page's numbers, trunking note and users all come from one read of the
    order's numbers (they were three), and say what separate reads said."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orion.users import rules

    numbers = stock_numbers(2125550300, 3)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        numbers=numbers[:2], trunking=numbers[2:])
    on_order = list(order.dids.select_related("e911").order_by("e164"))
    read_apart, read_once = rules.group_for(order), rules.group_for(order, on_order=on_order)
    assert list(read_once.numbers) == list(read_apart.numbers) and len(read_once.numbers) == 2
    assert (read_once.taken_numbers, read_once.taken_extensions, read_once.extension_length) == (
        read_apart.taken_numbers, read_apart.taken_extensions, read_apart.extension_length)
    with CaptureQueriesContext(connection) as queries:
        page = client_a.get(f"/orders/{order.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert sum('FROM "numbers_did"' in q["sql"] for q in queries) == 1
    assert "212-555-0302" in html.split('id="trunking-numbers-note"', 1)[1].split("</p>")[0]
    users = html.split('id="users-table"', 1)[1].split("</table>")[0]
    assert "212-555-0300" in users and "212-555-0301" in users and "212-555-0302" not in users
