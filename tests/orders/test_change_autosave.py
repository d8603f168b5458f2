"""A change's effective date is autosaved on the draft like the other details (issue 17):
a refresh or a second tab shows the date chosen, a page that missed a later edit is refused
(the draft's version), a date in the past is not stored and the answer says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orion.core.clock import local_today
from orion.orders import drafts
from orion.orders.exceptions import StaleDraft
from orion.orders.models import Order
from tests.orders.test_change_views import _start
from tests.orders.test_changes import _customer_order

pytestmark = pytest.mark.django_db


def _autosave(client, draft: Order, version: int, day) -> object:
    return client.post(f"/orders/{draft.pk}/form/autosave/", {
        "effective_date": day.isoformat(), "notes": "Fewer seats", "version": version},
        HTTP_HX_REQUEST="true")


def test_the_effective_date_survives_a_refresh(client_a, tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = _start(client_a, first.customer)
    day = local_today(first.customer.time_zone) + timedelta(days=9)
    response = _autosave(client_a, draft, draft.version, day)
    assert response.status_code == 200 and "Draft saved" in response.content.decode()
    draft.refresh_from_db()
    assert draft.effective_date == draft.billing_start_date == day
    assert draft.version == 2 and draft.notes == "Fewer seats"
    page = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    assert f'value="{day.isoformat()}"' in page


def test_a_second_tab_that_missed_the_edit_is_refused(client_a, tenant_a, emulator,
                                                      bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = _start(client_a, first.customer)
    today = local_today(first.customer.time_zone)
    assert _autosave(client_a, draft, 1, today + timedelta(days=3)).status_code == 200
    stale = _autosave(client_a, draft, 1, today + timedelta(days=5))
    assert stale.status_code == 409
    assert "changed in another tab" in stale.content.decode()
    with pytest.raises(StaleDraft):
        drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                        effective_date=today)
    draft.refresh_from_db()
    assert draft.effective_date == today + timedelta(days=3)


def test_a_past_date_is_not_stored_and_says_why(client_a, tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = _start(client_a, first.customer)
    today = local_today(first.customer.time_zone)
    response = _autosave(client_a, draft, draft.version, today - timedelta(days=1))
    body = response.content.decode()
    assert "Not saved yet" in body and "cannot be in the past" in body
    assert response["X-Orion-Unsaved"] == "1"
    draft.refresh_from_db()
    assert draft.effective_date is None


def test_a_new_customer_draft_ignores_an_effective_date(tenant_a):
    from orion.orders.models import OrderKind
    from orion.orders.services import order_start

    draft = order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise)
    day = local_today("America/New_York") + timedelta(days=2)
    assert drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                           effective_date=day) == 1
    draft.refresh_from_db()
    assert draft.effective_date is None
