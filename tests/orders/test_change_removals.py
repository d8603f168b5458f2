"""A change gives back numbers and removes users (issue 17): refused when a number stays with
a user; provisioned in the order BroadWorks accepts (users and phones, the group's numbers,
the enterprise's numbers, then the lowered seats); on completion the numbers age and the
users are no longer live. The emulator then holds exactly what Orion's records say."""

from __future__ import annotations

import pytest

from orion.audit.models import AuditEntry
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders import services as order_services
from orion.orders.exceptions import OrderError, OrderValidationError
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from orion.users.removals import change_removals_set
from tests.orders.test_changes import _assert_matches, _customer_order, _group

pytestmark = pytest.mark.django_db


def _draft(user, customer, *, numbers=(), users=(), seats: int | None = None) -> Order:
    draft = order_services.order_change_start(user=user, customer_id=customer.pk)
    if seats is not None:
        line = draft.lines.get(package__name="Enterprise Standard")
        order_services.order_line_set_quantity(user=user, order_id=draft.pk, line_id=line.pk,
                                               quantity=seats)
    change_removals_set(user=user, order_id=draft.pk, number_ids=[d.pk for d in numbers],
                        user_ids=[u.pk for u in users])
    return draft


def _save(user, draft: Order) -> Order:
    day = local_today(draft.customer.time_zone)
    return order_services.order_save(user=user, order_id=draft.pk, details=(
        order_services.OrderDetails(billing_start_date=day, effective_date=day))).order


def _assert_numbers_match(emulator, first: Order) -> None:
    group = _group(emulator, first)
    sp = emulator.dump()["service_providers"][first.enterprise.bw_service_provider_id]
    mine = sorted(f"+1-{d.e164[2:]}" for d in DID.objects.filter(
        customer=first.customer, state="assigned"))
    assert sorted(group["dns"]) == mine
    assert sorted(sp["dns"]) == mine


def test_a_number_a_user_keeps_cannot_be_given_back(tenant_a, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    holder = first.users.live().exclude(number=None).order_by("extension").first()
    draft = _draft(tenant_a.user, first.customer, numbers=[holder.number])
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, draft)
    message = exc.value.errors["numbers"][0]
    assert f"{holder.first_name} {holder.last_name} ({holder.extension})" in message


def test_remove_a_user_give_back_its_number_and_lower_the_seats(tenant_a, emulator,
                                                                bw_config):
    first = _customer_order(tenant_a, bw_config)
    leaving, staying = list(first.users.live().order_by("extension"))
    number = leaving.number
    assert number is not None
    change = _save(tenant_a.user, _draft(tenant_a.user, first.customer, numbers=[number],
                                         users=[leaving], seats=1))
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    group = _group(emulator, first)
    assert set(group["users"]) == {staying.user_id}
    _assert_matches(emulator, first)
    _assert_numbers_match(emulator, first)
    number.refresh_from_db()
    leaving.refresh_from_db()
    assert number.state == "quarantined" and number.customer_id is None
    assert not leaving.is_live
    steps = " ".join(" ".join(s.created) for s in change.provisioning_steps.all())
    assert f"user {leaving.user_id} removed" in steps and "numbers given back" in steps
    entry = AuditEntry.objects.get(action="order.change_complete", object_id=str(change.pk))
    assert entry.changes["numbers_given_back"] == 1 and entry.changes["users_removed"] == 1
    # A re-run sends no removal again and changes nothing.
    before = emulator.dump()
    Order.objects.filter(pk=change.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    assert emulator.dump()["service_providers"] == before["service_providers"]


def test_give_back_a_free_number_only(tenant_a, emulator, bw_config):
    from tests.provisioning.helpers import place_order, stock_numbers

    first = _customer_order(tenant_a, bw_config)
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=first.customer, packages={"Hunt Group": 1},
                       numbers=stock_numbers(4045550190, 1))
    assert services.order_provision(order_id=more.pk, config=bw_config) == "completed"
    free = DID.objects.get(e164="+14045550190")
    change = _save(tenant_a.user, _draft(tenant_a.user, first.customer, numbers=[free]))
    assert services.order_provision(order_id=change.pk, config=bw_config) == "completed"
    _assert_numbers_match(emulator, first)
    _assert_matches(emulator, first)
    assert len(_group(emulator, first)["users"]) == 2


def test_only_the_customers_own_numbers_and_users(tenant_a, tenant_b, emulator, bw_config):
    first = _customer_order(tenant_a, bw_config)
    draft = order_services.order_change_start(user=tenant_a.user, customer_id=first.customer_id)
    from tests.provisioning.helpers import stock_numbers

    stock_numbers(4045550195, 1)
    stranger = DID.objects.get(e164="+14045550195")
    with pytest.raises(OrderError, match="not a number of this customer"):
        change_removals_set(user=tenant_a.user, order_id=draft.pk, number_ids=[stranger.pk],
                            user_ids=[])
    from orion.core.exceptions import NotFound

    with pytest.raises(NotFound):
        change_removals_set(user=tenant_b.user, order_id=draft.pk, number_ids=[], user_ids=[])
