"""The order form's Users section: Save Order's refusal points at the rows; a cancelled
order's users hold nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orion.orders import services as order_services
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.users import services
from orion.users.models import OrderUser
from tests.provisioning.helpers import add_packages, place_order

pytestmark = pytest.mark.django_db


def _add_services_draft(tenant, customer, packages):
    order = order_services.order_start(user=tenant.user, kind=OrderKind.ADD_SERVICES,
                                       customer=customer)
    add_packages(tenant.user, order, packages)
    services.order_users_refresh(user=tenant.user, order_id=order.pk)
    return order


def test_save_order_refused_for_a_user_another_order_took_and_the_row_says_why(tenant_a):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 1},
                        name="Race Co", domain="race.example")
    customer = first.customer
    slow = _add_services_draft(tenant_a, customer, {"Power User": 1})
    fast = _add_services_draft(tenant_a, customer, {"Power User": 1})
    # Both drafts were prefilled with extension 1001; the fast one is saved first.
    assert slow.users.get().extension == fast.users.get().extension == "1001"
    details = {"billing_start_date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    client = Client()
    client.force_login(tenant_a.user)
    assert client.post(f"/orders/{fast.pk}/form/", details).status_code == 302
    refused = client.post(f"/orders/{slow.pk}/form/", details)
    assert refused.status_code == 422
    assert "User 1: Extension 1001 is already used by another user" in refused.content.decode()
    section = client.post(f"/orders/{slow.pk}/form/users/").content.decode()
    assert 'class="has-error"' in section and "Extension 1001 is already used" in section
    slow.refresh_from_db()
    assert slow.state == OrderState.DRAFT


def test_a_cancelled_orders_users_free_their_extensions(tenant_a):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 1},
                        name="Undo Co", domain="undo.example")
    customer = first.customer
    added = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=customer,
                        packages={"Power User": 1})
    assert added.users.get().extension == "1001"
    type(added).objects.filter(pk=added.pk).update(state=OrderState.CANCELLED)
    again = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=customer,
                        packages={"Power User": 1})
    assert again.users.get().extension == "1001"
    assert not OrderUser.objects.get(order=added).is_live


def test_the_quantity_box_refuses_ten_thousand_seats_with_the_user_limit(tenant_a):
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=tenant_a.enterprise)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 1})
    line = order.lines.get()
    client = Client()
    client.force_login(tenant_a.user)
    answer = client.post(f"/orders/{order.pk}/form/lines/{line.pk}/quantity/",
                         {"quantity": "10000"}, headers={"HX-Request": "true"})
    assert answer.status_code == 422
    assert "at most 1,000 users (its BroadWorks user limit)" in answer.content.decode()
    line.refresh_from_db()
    assert line.quantity == 1


def test_the_order_page_lists_the_placed_orders_users(tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        name="Shown Co", domain="shown.example")
    client = Client()
    client.force_login(tenant_a.user)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert html.count('data-user="') == 2 and "<td>1001</td>" in html
    assert 'name="first_name"' not in html  # read only once placed
