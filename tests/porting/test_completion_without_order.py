"""A port started from a customer's page (no order) reaches BroadWorks when it completes
(issue 18, item 4): completion saves an add-services order carrying just its numbers, for
the partner, audited, and queues its provisioning; the diff engine then adds the numbers to
the enterprise and the group (the emulator), and the order bills them from that day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.porting import services as port_services
from orion.porting.models import PortRequest
from orion.provisioning import services as provisioning
from tests.orders.test_changes import _customer_order, _group
from tests.porting.factories import details, pdf_bytes

pytestmark = pytest.mark.django_db

PORTED = ["+12125550180", "+12125550181"]


def _completed_port(tenant, staff, customer, capture) -> PortRequest:
    port = port_services.port_create(user=tenant.user, customer_id=customer.pk,
                                     details=details(numbers="2125550180-2125550181"))
    port_services.port_loa_attach(user=tenant.user, port_id=port.pk, content=pdf_bytes())
    port_services.port_submit(user=tenant.user, port_id=port.pk)
    port_services.port_mark_pending(user=staff, port_id=port.pk)
    PortRequest.objects.filter(pk=port.pk).update(
        state="scheduled", foc_at=timezone.now() - timedelta(minutes=5))
    with capture(execute=True):
        port_services.port_complete(user=staff, port_id=port.pk)
    return port


def test_completion_places_an_order_that_provisions_the_numbers(
        tenant_a, staff, emulator, bw_config, django_capture_on_commit_callbacks):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    port = _completed_port(tenant_a, staff, customer, django_capture_on_commit_callbacks)
    carrier = Order.objects.exclude(pk=first.pk).get(customer=customer)
    assert carrier.kind == OrderKind.ADD_SERVICES and carrier.number
    assert carrier.partner_id == customer.partner_id == tenant_a.partner.pk
    assert carrier.placed_by_staff == staff and carrier.created_by == staff
    assert carrier.billing_start_date == local_today(customer.time_zone)
    assert carrier.state == OrderState.ACKNOWLEDGED and port.reference in carrier.notes
    dids = DID.objects.filter(e164__in=PORTED)
    assert set(dids.values_list("state", "customer_id", "order_id")) == {
        ("assigned", customer.pk, carrier.pk)}
    extra = carrier.lines.get(package__is_extra_did=True)
    assert extra.quantity == 2
    saved = AuditEntry.objects.get(action="order.save", object_id=str(carrier.pk))
    assert saved.changes["port"] == port.reference and saved.via == "port"
    assert AuditEntry.objects.get(action="port.numbers_in", object_id=str(port.pk)) \
        .changes["carrier_order_id"] == carrier.pk

    assert provisioning.order_provision(order_id=carrier.pk, config=bw_config) == "completed"
    carrier.refresh_from_db()
    assert carrier.state == OrderState.COMPLETED and carrier.activated_at is not None
    group = _group(emulator, first)
    assert sorted(group["dns"]) == ["+1-2125550180", "+1-2125550181",
                                    "+1-4045550100", "+1-4045550101"]
    sp = emulator.dump()["service_providers"][first.enterprise.bw_service_provider_id]
    assert {"+1-2125550180", "+1-2125550181"} <= set(sp["dns"])
    # The customer's packages and users are untouched; a re-run sends nothing more.
    assert len(group["users"]) == 2
    before = emulator.dump()["service_providers"]
    Order.objects.filter(pk=carrier.pk).update(state=OrderState.IN_PROGRESS)
    assert provisioning.order_provision(order_id=carrier.pk, config=bw_config) == "completed"
    assert emulator.dump()["service_providers"] == before


def test_a_customer_not_in_service_yet_keeps_the_numbers_without_an_order(
        tenant_a, staff, django_capture_on_commit_callbacks):
    customer = tenant_a.customer
    assert customer.activated_at is None
    _completed_port(tenant_a, staff, customer, django_capture_on_commit_callbacks)
    assert not Order.objects.filter(customer=customer, kind=OrderKind.ADD_SERVICES,
                                    state=OrderState.ACKNOWLEDGED).exists()
    assert set(DID.objects.filter(e164__in=PORTED).values_list("state", "order_id")) == {
        ("assigned", None)}
