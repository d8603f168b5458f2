"""The users API: list, set, one user, CSV in and out, a customer's users; scoped to the
partner."""

from __future__ import annotations

import pytest
from django.test import Client

from orion.orders.models import OrderKind
from orion.users.models import OrderUser
from tests.api.conftest import ApiClient
from tests.provisioning.helpers import add_packages, place_order, stock_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(tenant_a):
    from orion.numbers.services import order_dids_order
    from orion.orders import services as order_services

    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=tenant_a.enterprise)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2, "Power User": 1})
    order_dids_order(user=tenant_a.user, order_id=order.pk,
                     numbers=stock_numbers(2125550400, 2))
    return order


def test_list_prefills_and_set_saves_every_user(tenant_a, draft):
    api = ApiClient(tenant_a.user)
    listed = api.get(f"/orders/{draft.pk}/users").json()
    assert [u["extension"] for u in listed["items"]] == ["1000", "1001", "1002"]
    assert listed["extension_length"] == 4
    assert [u["seat"] for u in listed["items"]] == ["Enterprise Standard",
                                                     "Enterprise Standard", "Power User"]
    entries = [{"user": u["user"], "first_name": f"Name{u['user']}", "last_name": "Doe",
                "extension": str(2000 + u["user"]), "number": u["number"] or ""}
               for u in listed["items"]]
    entries[0]["number"], entries[1]["number"] = entries[1]["number"], entries[0]["number"]
    answer = api.put(f"/orders/{draft.pk}/users", {"users": entries})
    assert answer.status_code == 200, answer.json()
    saved = answer.json()["items"]
    assert [(u["first_name"], u["extension"]) for u in saved] == [
        ("Name1", "2001"), ("Name2", "2002"), ("Name3", "2003")]
    assert saved[0]["number"] == listed["items"][1]["number"]  # swapped


def test_set_reports_every_entry_and_saves_nothing(tenant_a, draft):
    api = ApiClient(tenant_a.user)
    items = api.get(f"/orders/{draft.pk}/users").json()["items"]
    entries = [{"user": u["user"], "first_name": "A", "last_name": "B",
                "extension": u["extension"], "number": ""} for u in items]
    entries[1]["extension"] = entries[0]["extension"]
    entries[2]["number"] = "+12125559999"
    answer = api.put(f"/orders/{draft.pk}/users", {"users": entries})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "users_invalid"
    assert set(body["errors"]) == {"users.1", "users.2", "users.3"}
    assert "not one of this order's numbers" in body["errors"]["users.3"][0]
    assert set(OrderUser.objects.values_list("first_name", flat=True)) == {"User"}


def test_patch_one_user_and_refuse_a_bad_extension(tenant_a, draft):
    api = ApiClient(tenant_a.user)
    first = api.get(f"/orders/{draft.pk}/users").json()["items"][0]
    ok = api.patch(f"/orders/{draft.pk}/users/{first['id']}",
                   {"version": first["version"], "first_name": "Ada"})
    assert ok.status_code == 200 and ok.json()["first_name"] == "Ada"
    for bad in ("0", "12a"):
        refused = api.patch(f"/orders/{draft.pk}/users/{first['id']}", {"extension": bad})
        assert refused.status_code == 422
        assert "extension" in refused.json()["errors"]
    long = api.patch(f"/orders/{draft.pk}/users/{first['id']}", {"extension": "1234567"})
    assert long.status_code == 422  # longer than any BroadWorks extension (6)


def test_csv_round_trip(tenant_a, draft):
    api = ApiClient(tenant_a.user)
    api.get(f"/orders/{draft.pk}/users")
    sheet = api.get(f"/orders/{draft.pk}/users.csv").content.decode()
    assert sheet.splitlines()[0] == ("user,seat,first_name,last_name,extension,number,email,"
                                     "device_type,mac_address,user_id")
    edited = sheet.replace("User,1,1000", "Grace,Hopper,1000")
    answer = api.client.put(f"/api/v1/orders/{draft.pk}/users.csv", data=edited,
                            content_type="text/csv", headers=api._headers())
    assert answer.status_code == 200, answer.json()
    assert answer.json()["items"][0]["first_name"] == "Grace"


def test_customer_users_and_tenancy(tenant_a, tenant_b, draft):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        name="Api Seat Co", domain="apiseat.example")
    mine = ApiClient(tenant_a.user).get(f"/customers/{order.customer_id}/users").json()
    assert [u["extension"] for u in mine] == ["1000", "1001"]
    assert all(u["user_id"].endswith("@apiseat.example") for u in mine)
    other = ApiClient(tenant_b.user)
    assert other.get(f"/customers/{order.customer_id}/users").status_code == 404
    assert other.get(f"/orders/{draft.pk}/users").status_code == 404
    assert other.get(f"/orders/{draft.pk}/users.csv").status_code == 404
    assert other.put(f"/orders/{draft.pk}/users", {"users": []}).status_code == 404
    ApiClient(tenant_a.user).get(f"/orders/{draft.pk}/users")
    row = draft.users.first()
    assert other.patch(f"/orders/{draft.pk}/users/{row.pk}",
                       {"first_name": "Mallory"}).status_code == 404


def test_pages_are_scoped_to_the_partner(tenant_a, tenant_b, draft):
    page = Client()
    page.force_login(tenant_b.user)
    assert page.post(f"/orders/{draft.pk}/form/users/").status_code == 404
    assert page.get(f"/orders/{draft.pk}/users.csv").status_code == 404
    own = Client()
    own.force_login(tenant_a.user)
    html = own.post(f"/orders/{draft.pk}/form/users/").content.decode()
    assert html.count('data-user="') == 3
    tab = own.get(f"/customers/{tenant_a.customer.pk}/users/")
    assert tab.status_code == 200 and "No users yet" in tab.content.decode()
    assert page.get(f"/customers/{tenant_a.customer.pk}/users/").status_code == 404
