"""Change orders (issue 17): the form starts from what the customer has, refuses what
BroadWorks would refuse with the reason, and provisioning applies the change as a diff: after
each change the emulator's group holds exactly what Orion's records say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.core.clock import local_today
from orion.core.exceptions import NotFound
from orion.orders import changes
from orion.orders import services as order_services
from orion.orders.exceptions import OrderError, OrderValidationError
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from tests import factories as f
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def _group(emulator, order: Order) -> dict:
    return emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]


def _customer_order(tenant_a, bw_config) -> Order:
    """A provisioned customer: 2 seats, 2 voice mail users, music on hold."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2, "Voice Mail Add On": 2,
                                  "Music On Hold": 1},
                        numbers=stock_numbers(4045550100, 2), name="Change Co",
                        domain="change.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    return order


def _change(user, customer, quantities: dict[str, int], *, effective=None) -> Order:
    """Change Services: set each named package's new quantity (0 removes), then save."""
    draft = order_services.order_change_start(user=user, customer_id=customer.pk)
    for name, quantity in quantities.items():
        package = f.package(name)
        line = draft.lines.filter(package=package).first()
        if line is None:
            order_services.order_lines_add(user=user, order_id=draft.pk,
                                           order_type_id=package.order_type_id,
                                           package_ids=[package.pk])
            line = draft.lines.get(package=package)
        order_services.order_line_set_quantity(user=user, order_id=draft.pk, line_id=line.pk,
                                               quantity=quantity)
    day = effective or local_today(customer.time_zone)
    details = order_services.OrderDetails(billing_start_date=day, effective_date=day)
    return order_services.order_save(user=user, order_id=draft.pk, details=details).order


def _expected_group(customer) -> dict[str, dict[str, int]]:
    """What Orion's records say the group holds: the customer's current quantities."""
    from orion.catalog.models import BroadWorksKind, Package

    current = changes.customer_current_quantities(customer=customer)
    out: dict[str, dict[str, int]] = {"service_packs": {}, "user_services": {},
                                      "group_services": {}}
    key = {BroadWorksKind.SERVICE_PACK: "service_packs",
           BroadWorksKind.USER_SERVICE: "user_services",
           BroadWorksKind.GROUP_SERVICE: "group_services"}
    for package in Package.objects.filter(pk__in=current):
        if package.bw_kind in key:
            out[key[package.bw_kind]][package.bw_name] = current[package.pk]
    return out


def _assert_matches(emulator, order: Order) -> None:
    group = _group(emulator, order)
    expected = _expected_group(order.customer)
    assert group["service_packs"] == expected["service_packs"]
    assert group["user_services"] == expected["user_services"]
    assert group["group_services"] == expected["group_services"]
    assert sorted(group["assigned_services"]) == sorted(expected["group_services"])


def test_the_form_starts_from_the_customers_packages(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = order_services.order_change_start(user=tenant_a.user, customer_id=first.customer_id)
    assert draft.kind == OrderKind.CHANGE and draft.customer == first.customer
    got = {line.package.name: (line.previous_quantity, line.quantity)
           for line in draft.lines.select_related("package")}
    assert got == {"Enterprise Standard": (2, 2), "Voice Mail Add On": (2, 2),
                   "Music On Hold": (1, 1)}


def test_raise_lower_remove_and_add_reach_broadworks_exactly(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    change = _change(tenant_a.user, customer, {"Enterprise Standard": 4,
                                               "Voice Mail Add On": 1, "Music On Hold": 0,
                                               "Hunt Group": 1})
    assert change.state == OrderState.ACKNOWLEDGED and change.kind == OrderKind.CHANGE
    assert change.effective_date == change.billing_start_date
    lines = {line.package.name: (line.previous_quantity, line.quantity)
             for line in change.lines.select_related("package")}
    assert lines == {"Enterprise Standard": (2, 4), "Voice Mail Add On": (2, 1),
                     "Music On Hold": (1, 0), "Hunt Group": (0, 1)}
    # Two more seats: two new users on the change order, the first two untouched.
    assert change.users.live().count() == 2
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    change.refresh_from_db()
    assert change.state == OrderState.COMPLETED
    group = _group(emulator, first)
    pack = f.package("Enterprise Standard").bw_name
    assert group["service_packs"] == {pack: 4}
    assert "Music On Hold" not in group["group_services"]
    assert group["group_services"] == {"Hunt Group": 1}
    assert len(group["users"]) == 4
    _assert_matches(emulator, first)
    steps = " ".join(" ".join(s.created) for s in change.provisioning_steps.all())
    assert "Music On Hold removed" in steps and "lowered 2 -> 1" in steps
    # A re-run converges: nothing more is sent, nothing changes.
    before = _group(emulator, first)
    change.state = OrderState.IN_PROGRESS
    Order.objects.filter(pk=change.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    assert _group(emulator, first) == before
    # The next change starts from the new quantities.
    current = changes.customer_current_quantities(customer=customer)
    assert current[f.package("Enterprise Standard").pk] == 4
    assert f.package("Music On Hold").pk not in current


def test_a_change_outside_orion_is_a_conflict_not_overwritten(tenant_a, emulator, bw_config):
    from orion.broadworks.client import BroadWorksClient

    first = _customer_order(tenant_a, bw_config)
    change = _change(tenant_a.user, first.customer, {"Voice Mail Add On": 1})
    with BroadWorksClient(bw_config) as bw:
        bw.request("GroupServiceModifyAuthorizationListRequest",
                   service_provider_id=first.enterprise.bw_service_provider_id,
                   group_id=first.customer.bw_group_id,
                   user_service_authorization=[{"service_name": "Voice Messaging User",
                                                "authorized_quantity": {"quantity": 7}}])
    assert services.order_provision(order_id=change.pk, config=bw_config) == "failed"
    assert _group(emulator, first)["user_services"]["Voice Messaging User"] == 7
    step = change.provisioning_steps.get(key="group_services")
    assert "outside Orion" in step.error


def test_lowering_seats_below_their_users_is_refused_naming_them(tenant_a, emulator,
                                                                 bw_config):
    first = _customer_order(tenant_a, bw_config)
    with pytest.raises(OrderValidationError) as exc:
        _change(tenant_a.user, first.customer, {"Enterprise Standard": 1})
    message = " ".join(exc.value.errors["packages"])
    names = [f"{u.first_name} {u.last_name} ({u.extension})"
             for u in first.users.live().order_by("extension")]
    assert "cannot go below 2" in message and all(n in message for n in names)
    assert not Order.objects.filter(kind=OrderKind.CHANGE).exclude(state="draft").exists()


def test_an_effective_date_in_the_past_is_refused(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    yesterday = local_today(first.customer.time_zone) - timedelta(days=1)
    with pytest.raises(OrderValidationError) as exc:
        _change(tenant_a.user, first.customer, {"Voice Mail Add On": 3}, effective=yesterday)
    assert "cannot be in the past" in exc.value.errors["effective_date"][0]


def test_a_second_open_change_is_refused(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    _change(tenant_a.user, first.customer, {"Voice Mail Add On": 3})
    with pytest.raises(OrderError, match="already has an open change"):
        order_services.order_change_start(user=tenant_a.user, customer_id=first.customer_id)


def test_two_drafts_saved_one_after_the_other_keep_one_open(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    user, customer = tenant_a.user, first.customer
    drafts = [order_services.order_change_start(user=user, customer_id=customer.pk)
              for _ in range(2)]
    day = local_today(customer.time_zone)
    details = order_services.OrderDetails(billing_start_date=day, effective_date=day)
    for draft in drafts:
        line = draft.lines.get(package__name="Voice Mail Add On")
        order_services.order_line_set_quantity(user=user, order_id=draft.pk, line_id=line.pk,
                                               quantity=3)
    order_services.order_save(user=user, order_id=drafts[0].pk, details=details)
    with pytest.raises(OrderValidationError) as exc:
        order_services.order_save(user=user, order_id=drafts[1].pk, details=details)
    assert "already has an open change" in exc.value.errors["effective_date"][0]


def test_a_disconnected_customer_cannot_be_changed(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    draft = order_services.order_change_start(user=tenant_a.user, customer_id=customer.pk)
    line = draft.lines.get(package__name="Voice Mail Add On")
    order_services.order_line_set_quantity(user=tenant_a.user, order_id=draft.pk,
                                           line_id=line.pk, quantity=3)
    customer.disconnected_at = timezone.now()
    customer.save(update_fields=["disconnected_at"])
    day = local_today(customer.time_zone)
    with pytest.raises(OrderValidationError) as exc:
        order_services.order_save(user=tenant_a.user, order_id=draft.pk,
                                  details=order_services.OrderDetails(
                                      billing_start_date=day, effective_date=day))
    assert "disconnected" in exc.value.errors["customer"][0]
    with pytest.raises(OrderError, match="disconnected"):
        order_services.order_change_start(user=tenant_a.user, customer_id=customer.pk)


def test_another_partners_customer_is_not_found(tenant_a, tenant_b, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    with pytest.raises(NotFound):
        order_services.order_change_start(user=tenant_b.user, customer_id=first.customer_id)


def test_a_change_dated_later_is_deferred_to_its_date(tenant_a, emulator, bw_config):
    from django.db import connection

    first = _customer_order(tenant_a, bw_config)
    later = local_today(first.customer.time_zone) + timedelta(days=3)
    change = _change(tenant_a.user, first.customer, {"Voice Mail Add On": 3}, effective=later)
    with connection.cursor() as cursor:
        cursor.execute("SELECT scheduled_at FROM procrastinate_jobs WHERE "
                       "(args->>'order_id')::bigint = %s", [change.pk])
        (scheduled,) = cursor.fetchone()
    from orion.core.clock import local_date
    assert scheduled is not None and local_date(scheduled, first.customer.time_zone) == later


def test_a_change_waits_for_the_customers_earlier_orders(tenant_a, emulator, bw_config):
    from orion.provisioning.exceptions import ProvisioningBusy

    first = _customer_order(tenant_a, bw_config)
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=first.customer, packages={"Voice Mail Add On": 1})
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 3})
    with pytest.raises(ProvisioningBusy, match=more.number):
        services.order_provision(order_id=change.pk, config=bw_config)
    assert services.order_provision(order_id=more.pk, config=bw_config) == "completed"
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    _assert_matches(emulator, first)


def test_a_service_pack_no_customer_needs_leaves_the_enterprise(tenant_a, emulator,
                                                                bw_config):
    bundle = "Virtual User Power Pack Bundle"
    pack = f.package(bundle).bw_name
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 1, bundle: 1},
                        name="Pack Co", domain="pack.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == "completed"
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                         enterprise=first.enterprise,
                         packages={"Enterprise Standard": 1, bundle: 2},
                         name="Pack Co - West", domain="pack.example")
    assert services.order_provision(order_id=second.pk, config=bw_config) == "completed"
    sp_id = first.enterprise.bw_service_provider_id

    def sp_packs() -> set[str]:
        return set(emulator.dump()["service_providers"][sp_id]["service_packs"])

    # The other customer still has the pack: only this group gives it up.
    change = _change(tenant_a.user, first.customer, {bundle: 0})
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    assert pack not in _group(emulator, first)["service_packs"] and pack in sp_packs()
    # The last customer with it removes it: the enterprise's pack goes too, once.
    last = _change(tenant_a.user, second.customer, {bundle: 0})
    assert services.order_provision(order_id=last.pk, config=bw_config) == "completed"
    assert pack not in sp_packs()
    assert f.package("Enterprise Standard").bw_name in sp_packs()
    _assert_matches(emulator, first)
    _assert_matches(emulator, second)
    Order.objects.filter(pk=last.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=last.pk, config=bw_config) == "completed"


def test_the_customer_page_shows_the_quantities_after_a_change(tenant_a, emulator, bw_config):
    from orion.orders.selectors import customer_services

    first = _customer_order(tenant_a, bw_config)
    change = _change(tenant_a.user, first.customer, {"Enterprise Standard": 3,
                                                     "Music On Hold": 0})
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    shown = {s.package: s.quantity for s in customer_services(customer=first.customer)}
    assert shown["Enterprise Standard"] == 3 and "Music On Hold" not in shown
    assert shown["Voice Mail Add On"] == 2


def test_a_change_run_before_its_date_goes_back_to_it(tenant_a, emulator, bw_config):
    from django.db import connection

    first = _customer_order(tenant_a, bw_config)
    later = local_today(first.customer.time_zone) + timedelta(days=2)
    change = _change(tenant_a.user, first.customer, {"Voice Mail Add On": 5}, effective=later)
    with connection.cursor() as cursor:  # the sweep's case: the job was lost
        cursor.execute("DELETE FROM procrastinate_jobs WHERE (args->>'order_id')::bigint = %s",
                       [change.pk])
    before = _group(emulator, first)
    assert services.order_provision(order_id=change.pk, config=bw_config) == "acknowledged"
    assert _group(emulator, first) == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT scheduled_at FROM procrastinate_jobs WHERE "
                       "(args->>'order_id')::bigint = %s", [change.pk])
        (scheduled,) = cursor.fetchone()
    from orion.core.clock import local_date
    assert local_date(scheduled, first.customer.time_zone) == later
