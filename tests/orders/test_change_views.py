"""The change order's pages: Change Services on the OrderForms tab, the prefilled form with
each line's change and the totals, refusals next to their control, Cancel change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orion.core.clock import local_today
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from tests import factories as f
from tests.orders.test_changes import _customer_order

pytestmark = pytest.mark.django_db


def _start(client, customer) -> Order:
    response = client.post(f"/customers/{customer.pk}/change-services/")
    assert response.status_code == 302
    order = Order.objects.get(kind=OrderKind.CHANGE, customer=customer, state="draft")
    assert response["Location"] == f"/orders/{order.pk}/form/"
    return order


def test_change_services_opens_the_form_with_the_customers_packages(client_a, tenant_a,
                                                                     emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    tab = client_a.get(f"/customers/{customer.pk}/orderforms/").content.decode()
    assert 'id="change-services"' in tab
    draft = _start(client_a, customer)
    page = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    assert "Change services of Change Co" in page and 'name="effective_date"' in page
    assert 'name="billing_start_date"' not in page and 'id="dids"' not in page
    line = draft.lines.get(package__name="Voice Mail Add On")
    lines = client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/",
                          {"quantity": "4"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-change="+2"' in lines
    price = f.package("Voice Mail Add On").price
    assert 'id="mrc-change">' in lines and f"${price * 2}" in lines
    hold = draft.lines.get(package__name="Music On Hold")
    lines = client_a.post(f"/orders/{draft.pk}/form/lines/{hold.pk}/remove/",
                          HTTP_HX_REQUEST="true").content.decode()
    assert 'data-change="removed"' in lines
    today = local_today(customer.time_zone)
    past = client_a.post(f"/orders/{draft.pk}/form/", {
        "effective_date": (today - timedelta(days=1)).isoformat(), "version": draft.version})
    assert past.status_code != 302 and "cannot be in the past" in past.content.decode()
    saved = client_a.post(f"/orders/{draft.pk}/form/", {"effective_date": today.isoformat(),
                                                        "version": draft.version})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.ACKNOWLEDGED and draft.effective_date == today
    detail = client_a.get(f"/orders/{draft.pk}/").content.decode()
    assert "Voice Mail Add On: 2 → 4" in detail and "Music On Hold: 1 → 0 (removed)" in detail
    cancelled = client_a.post(f"/orders/{draft.pk}/change/cancel/", {"reason": "not now"})
    assert cancelled.status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.CANCELLED
    from orion.audit.models import AuditEntry
    actions = set(AuditEntry.objects.filter(object_id=str(draft.pk))
                  .values_list("action", flat=True))
    assert {"order.save", "order.change_cancel"} <= actions


def test_lowering_seats_below_their_users_shows_them_in_the_packages(client_a, tenant_a,
                                                                    emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = _start(client_a, first.customer)
    line = draft.lines.get(package__name="Enterprise Standard")
    client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/", {"quantity": "1"})
    today = local_today(first.customer.time_zone)
    page = client_a.post(f"/orders/{draft.pk}/form/", {"effective_date": today.isoformat(),
                                                       "version": draft.version})
    body = page.content.decode()
    assert page.status_code != 302 and 'id="package-errors"' in body
    for user in first.users.live():
        assert f"{user.first_name} {user.last_name} ({user.extension})" in body


def test_another_partners_customer_is_404(client, tenant_b, tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    client.force_login(tenant_b.user)
    assert client.post(f"/customers/{first.customer_id}/change-services/").status_code == 404
    draft = Order.objects.create(kind=OrderKind.CHANGE, partner=tenant_a.partner,
                                 enterprise=first.enterprise, customer=first.customer,
                                 created_by=tenant_a.user)
    assert client.post(f"/orders/{draft.pk}/change/cancel/").status_code == 404


def test_numbers_and_users_section_gives_back_and_removes(client_a, tenant_a, emulator,
                                                          bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = _start(client_a, first.customer)
    page = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    assert 'id="give-back-numbers"' in page and 'id="remove-users"' in page
    holder = first.users.live().exclude(number=None).order_by("extension").first()
    section = client_a.post(f"/orders/{draft.pk}/form/removals/",
                            {"give_back": [str(holder.number_id)]}, HTTP_HX_REQUEST="true")
    assert section.status_code == 200
    assert f'value="{holder.number_id}" checked' in section.content.decode()
    today = local_today(first.customer.time_zone)
    refused = client_a.post(f"/orders/{draft.pk}/form/", {"effective_date": today.isoformat(),
                                                          "version": draft.version})
    body = refused.content.decode()
    assert refused.status_code != 302 and 'id="removal-errors"' in body
    assert f"{holder.first_name} {holder.last_name} ({holder.extension})" in body
    client_a.post(f"/orders/{draft.pk}/form/removals/",
                  {"give_back": [str(holder.number_id)], "remove_user": [str(holder.pk)]})
    saved = client_a.post(f"/orders/{draft.pk}/form/", {"effective_date": today.isoformat(),
                                                        "version": draft.version})
    assert saved.status_code == 302
