"""The progress panel, the header badge and the steps agree (issue 15, item 10): the headline
never repeats the badge ("Partial Partial"), and a step with nothing to do says "Nothing to
do", not "Skipped (already in BroadWorks)"; a step whose objects BroadWorks holds already
says "Already in BroadWorks". Real runs against the emulator."""

from __future__ import annotations

import re

import pytest

from orion.numbers.models import Backorder
from orion.numbers.services import order_dids_order
from orion.orders import services as order_services
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from orion.provisioning.models import ProvisioningStep, StepStatus
from orion.provisioning.selectors import Progress
from tests import factories as f
from tests.provisioning.helpers import add_packages, place_order

pytestmark = pytest.mark.django_db


def _panel(client, order) -> dict[str, object]:
    page = client.get(f"/orders/{order.pk}/").content.decode()
    text = re.search(r'id="progress-text">([^<]*)<', page).group(1)
    badge = re.search(r'id="progress-state">([^<]*)<', page).group(1)
    header = re.search(r'id="order-state">([^<]*)<', page).group(1)
    steps = dict(re.findall(r"<span>([^<]+)</span> <em>([^<]+)</em>", page))
    return {"text": text, "badge": badge, "header": header, "steps": steps, "page": page}


def test_a_partial_order_reads_once_and_numbers_had_nothing_to_do(client, tenant_a, emulator,
                                                                  bw_config):
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    order_dids_order(user=tenant_a.user, order_id=order.pk, npa="646", nxx="555",
                     backorder_quantity="2")  # nothing in stock: all backordered
    order = order_services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=f.new_customer_details(enterprise_name="Partial Co", company_name="Partial Co",
                                       domain="partial.example")).order
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.PARTIAL
    client.force_login(tenant_a.user)
    panel = _panel(client, order)
    assert panel["badge"] == panel["header"] == "Partial"
    assert "Partial" not in str(panel["text"]) and panel["text"]  # not "Partial Partial"
    steps = panel["steps"]
    assert steps["adding numbers to the enterprise"] == "Nothing to do"
    assert steps["assigning numbers to the group"] == "Nothing to do"
    assert steps["creating the group"] == "Done"
    assert "Skipped" not in str(panel["page"])
    statuses = set(ProvisioningStep.objects.filter(order=order).values_list("status",
                                                                            flat=True))
    assert statuses <= {StepStatus.DONE, StepStatus.NOT_NEEDED}


def test_the_partial_note_counts_only_the_backordered_numbers_still_pending(
        tenant_a, emulator, bw_config):
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    for nxx in ("555", "556"):
        order_dids_order(user=tenant_a.user, order_id=order.pk, npa="646", nxx=nxx,
                         backorder_quantity="3")
    order = order_services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=f.new_customer_details(enterprise_name="Counted Co", company_name="Counted Co",
                                       domain="counted.example")).order
    Backorder.objects.filter(order=order, nxx="556").update(filled=2)  # 1 of its 3 to come
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.PARTIAL
    assert order.state_changes.last().note == (
        "Provisioned; 4 backordered DID(s) still pending.")


def test_objects_already_in_broadworks_say_so(client, tenant_a, emulator, bw_config):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 1}, name="Held Co",
                        domain="held.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == "completed"
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=first.customer,
                       packages={"Music On Hold": 1})
    assert services.order_provision(order_id=more.pk, config=bw_config) == "completed"
    client.force_login(tenant_a.user)
    panel = _panel(client, more)
    assert panel["badge"] == panel["header"] == "Completed"
    assert panel["text"] == "every step finished; the services are live in BroadWorks"
    steps = panel["steps"]
    assert steps["creating the enterprise"] == "Already in BroadWorks"
    assert steps["creating the group"] == "Already in BroadWorks"
    assert steps["adding numbers to the enterprise"] == "Nothing to do"
    assert steps["authorizing and assigning group services"] == "Done"


@pytest.mark.parametrize("state", [s for s in OrderState.values if s != OrderState.DRAFT])
def test_the_headline_never_repeats_the_badge(state):
    label = OrderState(state).label
    progress = Progress(state=state, state_label=label, steps=[], finished=0, total=0,
                        current=None, failed=None)
    assert progress.headline and progress.headline != label
    assert label.lower() not in progress.headline.lower() or state == OrderState.IN_PROGRESS


def test_each_poll_updates_the_header_badge_too(client, tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 1}, name="Poll Co",
                        domain="poll.example")
    client.force_login(tenant_a.user)
    poll = client.get(f"/orders/{order.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert ('<span class="state state-acknowledged" id="order-state" hx-swap-oob="true">'
            "Acknowledged</span>") in poll
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert page.count('id="order-state"') == 1  # the full page has one badge, not two
