"""Change orders through the API: open, price, edit, save and cancel, with the page's
checks and messages (field named) and audit rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from orion.audit.models import AuditEntry
from orion.core.clock import local_today
from tests import factories as f
from tests.api.conftest import ApiClient
from tests.orders.test_changes import _customer_order

pytestmark = pytest.mark.django_db


def test_open_price_edit_save_and_cancel_a_change(tenant_a, tenant_b, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    api = ApiClient(tenant_a.user)
    opened = api.post(f"/customers/{customer.pk}/change")
    assert opened.status_code == 201, opened.content
    order = opened.json()["order"]
    assert order["kind"] == "change" and opened.json()["effective_date"] is None
    lines = {line["package_name"]: line for line in order["lines"]}
    assert (lines["Voice Mail Add On"]["previous_quantity"],
            lines["Voice Mail Add On"]["quantity"]) == (2, 2)
    assert Decimal(order["quote"]["mrc_change"]) == 0
    # Remove music on hold (0), one more voice mail user.
    hold, voicemail = lines["Music On Hold"], lines["Voice Mail Add On"]
    api.patch(f"/orders/{order['id']}/lines/{hold['id']}", {"quantity": 0})
    priced = api.patch(f"/orders/{order['id']}/lines/{voicemail['id']}", {"quantity": 3})
    expected = f.package("Voice Mail Add On").price - f.package("Music On Hold").price
    assert Decimal(priced.json()["quote"]["mrc_change"]) == expected
    # Another partner: 404 for the customer and the order.
    other = ApiClient(tenant_b.user)
    assert other.post(f"/customers/{customer.pk}/change").status_code == 404
    today = local_today(customer.time_zone)
    assert other.post(f"/orders/{order['id']}/change/save",
                      {"effective_date": str(today)}).status_code == 404
    past = api.post(f"/orders/{order['id']}/change/save",
                    {"effective_date": str(today - timedelta(days=1))})
    assert past.status_code == 422 and "effective_date" in past.json()["errors"]
    saved = api.post(f"/orders/{order['id']}/change/save",
                     {"effective_date": str(today + timedelta(days=2))})
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["created"] and body["order"]["state"] == "acknowledged"
    assert body["effective_date"] == str(today + timedelta(days=2))
    assert {line["package_name"] for line in body["order"]["lines"]} == {
        "Voice Mail Add On", "Music On Hold"}  # the unchanged seats are not on the change
    second = api.post(f"/customers/{customer.pk}/change")
    assert second.status_code == 422 and "already has an open change" in second.json()["message"]
    cancelled = api.post(f"/orders/{order['id']}/change/cancel", {"reason": "later"})
    assert cancelled.status_code == 200 and cancelled.json()["order"]["state"] == "cancelled"
    actions = list(AuditEntry.objects.filter(object_id=str(order["id"]))
                   .values_list("action", "via"))
    assert ("order.save", "api") in actions and ("order.change_cancel", "api") in actions


def test_lowering_seats_below_their_users_names_them(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    api = ApiClient(tenant_a.user)
    order = api.post(f"/customers/{first.customer_id}/change").json()["order"]
    seats = next(line for line in order["lines"]
                 if line["package_name"] == "Enterprise Standard")
    api.patch(f"/orders/{order['id']}/lines/{seats['id']}", {"quantity": 1})
    refused = api.post(f"/orders/{order['id']}/change/save",
                       {"effective_date": str(local_today(first.customer.time_zone))})
    assert refused.status_code == 422
    message = " ".join(refused.json()["errors"]["packages"])
    for user in first.users.live():
        assert f"{user.first_name} {user.last_name}" in message


def test_give_back_a_number_and_remove_its_user(tenant_a, emulator, bw_config):
    from orion.provisioning import services as provisioning

    first = _customer_order(tenant_a, bw_config)
    leaving = first.users.live().exclude(number=None).order_by("extension").first()
    api = ApiClient(tenant_a.user)
    order = api.post(f"/customers/{first.customer_id}/change").json()["order"]
    only_number = api.put(f"/orders/{order['id']}/change/removals",
                          {"number_ids": [leaving.number_id]})
    assert only_number.status_code == 200
    assert only_number.json()["removals"]["numbers"] == [leaving.number.e164]
    today = str(local_today(first.customer.time_zone))
    refused = api.post(f"/orders/{order['id']}/change/save", {"effective_date": today})
    assert refused.status_code == 422 and "numbers" in refused.json()["errors"]
    both = api.put(f"/orders/{order['id']}/change/removals",
                   {"number_ids": [leaving.number_id], "user_ids": [leaving.pk]})
    assert both.json()["removals"]["user_ids"] == [leaving.pk]
    saved = api.post(f"/orders/{order['id']}/change/save", {"effective_date": today})
    assert saved.status_code == 200, saved.content
    assert provisioning.order_provision(order_id=order["id"], config=bw_config) == "completed"
    leaving.refresh_from_db()
    assert not leaving.is_live and leaving.number.state == "quarantined"
