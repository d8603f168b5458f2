"""Port completion provisions (issue 18, items 4 and 5): an order whose numbers are porting is
provisioned without them and is not live; completing the port puts its numbers in the
inventory, provisions them into BroadWorks (the emulator) through the same diff engine, gives
them to the chosen users, starts billing on the completion day and activates the order.
"Awaiting turn-up" orders are activated by Mark live; the partner moves the Billing Start
Date until activation, not after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.exceptions import NotFound
from orion.numbers.models import DID, DIDEvent
from orion.numbers.services import order_dids_order
from orion.orders import services as order_services
from orion.orders.activation import order_mark_live
from orion.orders.exceptions import OrderError
from orion.orders.lifecycle import AWAITING_PORT, AWAITING_TURN_UP, order_activation_waits
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.porting import services as port_services
from orion.porting.exceptions import InvalidPortTransition, PortRefused
from orion.porting.models import PortedNumber, PortRequest
from orion.provisioning import services as provisioning
from orion.users.models import OrderUser
from tests import factories as f
from tests.porting.factories import details, pdf_bytes
from tests.provisioning.helpers import add_packages, stock_numbers

PORTED = ["+12125550180", "+12125550181"]


def _group(emulator, order: Order) -> dict:
    bw = emulator.dump()
    return bw["service_providers"][order.enterprise.bw_service_provider_id]["groups"][
        order.customer.bw_group_id]


def _draft_with_port(tenant, *, stock: list[str]):
    draft = order_services.order_start(user=tenant.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant.user, draft, {"Enterprise Standard": 2})
    order_dids_order(user=tenant.user, order_id=draft.pk, numbers=stock)
    port = port_services.port_create(user=tenant.user, order_id=draft.pk,
                                     details=details(numbers="2125550180-2125550181"))
    port_services.port_loa_attach(user=tenant.user, port_id=port.pk, content=pdf_bytes())
    port_services.port_submit(user=tenant.user, port_id=port.pk)
    return draft, port


def _save(tenant, draft: Order, **flags: bool) -> Order:
    values = f.new_customer_details(company_name="Porting Co", enterprise_name="Porting Co",
                                    domain="porting.example")
    values = order_services.OrderDetails(**{**values.__dict__, **flags})
    return order_services.order_save(user=tenant.user, order_id=draft.pk, details=values).order


def _schedule_due(staff, port: PortRequest) -> None:
    port_services.port_mark_pending(user=staff, port_id=port.pk)
    PortRequest.objects.filter(pk=port.pk).update(
        state="scheduled", foc_at=timezone.now() - timedelta(minutes=5))


def _provision(order: Order, bw_config, capture) -> str:
    with capture(execute=True):
        return provisioning.order_provision(order_id=order.pk, config=bw_config)


@pytest.mark.django_db
def test_completion_provisions_the_numbers_and_activates_the_order(
        tenant_a, staff, emulator, bw_config, django_capture_on_commit_callbacks):
    stock = stock_numbers(2125550100, 2)
    draft, port = _draft_with_port(tenant_a, stock=stock)
    order = _save(tenant_a, draft, billing_start_on_port=True)
    expected_start = order.billing_start_date
    # The partner gives the first ported number to the order's last seat (without one).
    seat = OrderUser.objects.filter(order=order).order_by("position").last()
    assert seat is not None
    with pytest.raises(PortRefused, match="already has a number"):
        port_services.port_number_user_set(user=tenant_a.user, port_id=port.pk,
                                           e164=PORTED[0], order_user_id=seat.pk)
    OrderUser.objects.filter(pk=seat.pk).update(number=None)
    port_services.port_number_user_set(user=tenant_a.user, port_id=port.pk, e164=PORTED[0],
                                       order_user_id=seat.pk)
    with pytest.raises(PortRefused, match="another number"):
        port_services.port_number_user_set(user=tenant_a.user, port_id=port.pk,
                                           e164=PORTED[1], order_user_id=seat.pk)
    assert PortedNumber.objects.get(port=port, e164=PORTED[0]).user == seat

    # Provisioned without the porting numbers: they are not ours yet; not live.
    assert _provision(order, bw_config, django_capture_on_commit_callbacks) == "partial"
    order.refresh_from_db()
    assert order.activated_at is None and order.customer.activated_at is None
    assert order_activation_waits(order) == [AWAITING_PORT]
    assert f"awaiting port completion ({port.reference})" in order.state_changes.last().note
    assert sorted(_group(emulator, order)["dns"]) == ["+1-2125550100", "+1-2125550101"]
    assert not DID.objects.filter(e164__in=PORTED).exists()

    # Until activation the partner may move the Billing Start Date.
    moved = timezone.localdate() + timedelta(days=3)
    order_services.order_billing_start_date_change(user=tenant_a.user, order_id=order.pk,
                                                   value=moved)

    _schedule_due(staff, port)
    with django_capture_on_commit_callbacks(execute=True):
        port_services.port_complete(user=staff, port_id=port.pk)
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS  # queued again
    # The numbers are in the inventory, assigned to the customer on the order, with history.
    dids = DID.objects.filter(e164__in=PORTED).order_by("e164")
    assert [(d.state, d.customer_id, d.order_id) for d in dids] == [
        ("assigned", order.customer_id, order.pk)] * 2
    assert DIDEvent.objects.filter(did__in=dids, note=f"Ported in ({port.reference})").count() == 2
    # The billing start follows the completion (it was left "on port completion").
    assert order.billing_start_date == timezone.localdate() != expected_start
    assert AuditEntry.objects.filter(action="order.billing_start_date_change",
                                     object_id=str(order.pk), via="port").exists()
    seat.refresh_from_db()
    assert seat.number is not None and seat.number.e164 == PORTED[0]

    # The same diff engine adds them to the enterprise and the group; the order is live.
    assert _provision(order, bw_config, django_capture_on_commit_callbacks) == "completed"
    order.refresh_from_db()
    assert order.activated_at is not None and order_activation_waits(order) == []
    group = _group(emulator, order)
    assert sorted(group["dns"]) == [
        "+1-2125550100", "+1-2125550101", "+1-2125550180", "+1-2125550181"]
    assert group["users"][seat.user_id]["phone_number"] == "+1-2125550180"
    # After activation the partner cannot move it any more.
    with pytest.raises(OrderError, match="activated"):
        order_services.order_billing_start_date_change(
            user=tenant_a.user, order_id=order.pk, value=moved + timedelta(days=1))
    # Completing twice is refused by the state machine; provisioning again converges.
    with pytest.raises(InvalidPortTransition):
        port_services.port_complete(user=staff, port_id=port.pk)
    assert DID.objects.filter(e164__in=PORTED).count() == 2


@pytest.mark.django_db
def test_a_canceled_port_lets_the_order_finish_without_its_numbers(
        tenant_a, staff, emulator, bw_config, django_capture_on_commit_callbacks):
    draft, port = _draft_with_port(tenant_a, stock=stock_numbers(2125550100, 1))
    order = _save(tenant_a, draft)
    assert _provision(order, bw_config, django_capture_on_commit_callbacks) == "partial"
    port_services.port_cancel(user=tenant_a.user, port_id=port.pk, reason="Customer stays")
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS
    assert _provision(order, bw_config, django_capture_on_commit_callbacks) == "completed"
    order.refresh_from_db()
    assert order.activated_at is not None
    assert not DID.objects.filter(e164__in=PORTED).exists()


@pytest.mark.django_db
def test_awaiting_turn_up_is_live_only_when_marked(tenant_a, tenant_b, emulator, bw_config,
                                                   django_capture_on_commit_callbacks):
    draft = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant_a.user, draft, {"Enterprise Standard": 1})
    order = _save(tenant_a, draft, awaiting_turn_up=True)
    with pytest.raises(OrderError, match="once it is provisioned"):
        order_mark_live(user=tenant_a.user, order_id=order.pk)
    assert _provision(order, bw_config, django_capture_on_commit_callbacks) == "completed"
    order.refresh_from_db()
    assert order.activated_at is None and order_activation_waits(order) == [AWAITING_TURN_UP]
    # Not live yet: the partner still moves the Billing Start Date.
    moved = timezone.localdate() + timedelta(days=2)
    order_services.order_billing_start_date_change(user=tenant_a.user, order_id=order.pk,
                                                   value=moved)
    with pytest.raises(NotFound):
        order_mark_live(user=tenant_b.user, order_id=order.pk)
    order_mark_live(user=tenant_a.user, order_id=order.pk)
    order.refresh_from_db()
    assert order.activated_at is not None and order.customer.activated_at is not None
    assert AuditEntry.objects.filter(action="order.mark_live", object_id=str(order.pk)).exists()
    with pytest.raises(OrderError, match="live since"):
        order_mark_live(user=tenant_a.user, order_id=order.pk)
    with pytest.raises(OrderError, match="activated"):
        order_services.order_billing_start_date_change(
            user=tenant_a.user, order_id=order.pk, value=moved + timedelta(days=1))


@pytest.mark.django_db
def test_mark_live_on_the_order_page(client, tenant_a, tenant_b, emulator, bw_config,
                                     django_capture_on_commit_callbacks):
    draft = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant_a.user, draft, {"Enterprise Standard": 1})
    order = _save(tenant_a, draft, awaiting_turn_up=True)
    _provision(order, bw_config, django_capture_on_commit_callbacks)
    client.force_login(tenant_b.user)
    assert client.post(f"/orders/{order.pk}/mark-live/").status_code == 404
    client.force_login(tenant_a.user)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Awaiting turn-up" in page and 'id="mark-live"' in page
    response = client.post(f"/orders/{order.pk}/mark-live/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.activated_at is not None
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="mark-live"' not in page and "Awaiting turn-up" not in page


@pytest.mark.django_db
def test_a_port_without_an_order_assigns_its_numbers_to_the_customer(tenant_a, staff):
    port = port_services.port_create(user=tenant_a.user, customer_id=tenant_a.customer.pk,
                                     details=details(numbers="2125550180-2125550181"))
    port_services.port_loa_attach(user=tenant_a.user, port_id=port.pk, content=pdf_bytes())
    port_services.port_submit(user=tenant_a.user, port_id=port.pk)
    _schedule_due(staff, port)
    port_services.port_complete(user=staff, port_id=port.pk)
    assert set(DID.objects.filter(e164__in=PORTED).values_list("state", "customer_id",
                                                               "order_id")) == {
        ("assigned", tenant_a.customer.pk, None)}
