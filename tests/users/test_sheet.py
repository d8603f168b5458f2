"""The users sheet: formula cells neutralised on download and restored on upload; a sheet
that is not one is refused as a whole."""

from __future__ import annotations

import pytest

from orion.orders import services as order_services
from orion.orders.models import OrderKind
from orion.users import services
from orion.users.exceptions import UserError, UsersInvalid
from orion.users.selectors import order_users
from orion.users.sheet import users_sheet_csv, users_sheet_parse
from tests.provisioning.helpers import add_packages

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(tenant_a):
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=tenant_a.enterprise)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    services.order_users_refresh(user=tenant_a.user, order_id=order.pk)
    return order


def test_formulas_are_neutralised_and_come_back_unchanged(tenant_a, draft):
    rows = users_sheet_parse(users_sheet_csv(order_users(order=draft)).encode())
    rows[0]["first_name"] = "=HYPERLINK(1)"
    rows[1]["last_name"] = "@SUM(A1)"
    services.order_users_set(user=tenant_a.user, order_id=draft.pk, rows=rows)
    sheet = users_sheet_csv(order_users(order=draft))
    assert "'=HYPERLINK(1)" in sheet and "'@SUM(A1)" in sheet
    again = users_sheet_parse(sheet.encode())
    assert again[0]["first_name"] == "=HYPERLINK(1)"
    services.order_users_set(user=tenant_a.user, order_id=draft.pk, rows=again)
    assert [u.first_name for u in order_users(order=draft)] == ["=HYPERLINK(1)", "User"]


def test_a_sheet_must_list_every_user_once(tenant_a, draft):
    rows = users_sheet_parse(users_sheet_csv(order_users(order=draft)).encode())
    with pytest.raises(UsersInvalid) as exc:
        services.order_users_set(user=tenant_a.user, order_id=draft.pk,
                                 rows=[rows[0], rows[0]])
    assert "listed twice" in exc.value.rows[2][0]
    assert "does not list user 2" in exc.value.rows[0][0]
    rows[0]["seat"] = "Power User"
    with pytest.raises(UsersInvalid, match="1 row"):
        services.order_users_set(user=tenant_a.user, order_id=draft.pk, rows=rows)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose the users sheet"), (b"\xff\xfe\x00", "not a UTF-8"),
    (b"name,phone\nx,y\n", "has no column")])
def test_not_a_users_sheet_is_refused(data, message):
    with pytest.raises(UserError, match=message):
        users_sheet_parse(data)
