"""Port milestones reach the partner's webhooks (issue 15, item 11: "port milestones"): every
move of a port request, in its transaction, with the FOC and the carrier's reason, never the
PIN or the account number; only to the port's partner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.porting import services as ports
from orion.porting.businessdays import add_business_days
from orion.webhooks import services
from orion.webhooks.models import Delivery, EventType
from tests.porting.factories import submitted_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    settings.ORION_MEDIA_DIR = tmp_path / "media"


def test_each_port_move_is_one_delivery_to_the_ports_partner(tenant_a, tenant_b, staff):
    mine = services.endpoint_add(user=tenant_a.user, url="http://127.0.0.1:9/ports",
                                 events=[EventType.PORT_STATE_CHANGED]).endpoint
    services.endpoint_add(user=tenant_a.user, url="http://127.0.0.1:9/orders",
                          events=[EventType.ORDER_STATE_CHANGED])
    services.endpoint_add(user=tenant_b.user, url="http://127.0.0.1:9/theirs",
                          events=[EventType.PORT_STATE_CHANGED])
    port = submitted_port(tenant_a, pin="4321", account_number="ACC-SECRET-77")
    ports.port_mark_pending(user=staff, port_id=port.pk)
    foc = timezone.make_aware(timezone.datetime.combine(
        add_business_days(timezone.localdate(), 6), timezone.datetime.min.time())) \
        + timedelta(hours=10)
    ports.port_schedule(user=staff, port_id=port.pk, foc_at=foc)

    deliveries = list(Delivery.objects.order_by("id"))
    assert {d.endpoint_id for d in deliveries} == {mine.pk}  # not the orders-only, not B's
    moves = [(d.payload["data"]["from_state"], d.payload["data"]["to_state"])
             for d in deliveries]
    assert moves == [("unconfirmed", "submitted"), ("submitted", "pending"),
                     ("pending", "scheduled")]
    last = deliveries[-1].payload["data"]["port"]
    assert last["reference"] == port.reference and last["foc_at"] == foc.isoformat()
    assert last["numbers"][0] == "+12125550100" and len(last["numbers"]) == 5
    text = str([d.payload for d in deliveries])
    assert "4321" not in text and "ACC-SECRET-77" not in text
