"""Reservation, expiry, Save Order, charges, staff actions and backorders, on real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orion.catalog.models import Package
from orion.core.exceptions import NotFound
from orion.numbers import services as s
from orion.numbers.exceptions import (
    InvalidBackorder,
    InvalidNumber,
    InvalidNumberTransition,
    NotEnoughNumbers,
    NumberInService,
)
from orion.numbers.models import DID, Backorder, DIDEvent
from orion.orders.exceptions import OrderNotEditable, OrderValidationError
from orion.orders.selectors import order_quote
from orion.orders.services import order_save
from tests import factories as f

pytestmark = pytest.mark.django_db

N0, N1, N2, N3 = "+12125550100", "+12125550101", "+12125550102", "+12125550103"


def state(e164: str) -> str:
    return DID.objects.get(e164=e164).state


def test_reserve_marks_numbers_reserved_to_the_draft_with_expiry(tenant_a, inventory, draft_a,
                                                                settings):
    settings.ORION_DID_RESERVATION_MINUTES = 45
    result = s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk,
                               numbers=["2125550100", N1], trunking=[N1])
    assert result.reserved == [N0, N1] and not result.taken and not result.problem
    did0, did1 = DID.objects.get(e164=N0), DID.objects.get(e164=N1)
    assert did0.state == did1.state == "reserved" and did0.order_id == draft_a.pk
    assert (did0.is_for_trunking, did1.is_for_trunking) == (False, True)
    left = did0.reserved_until - timezone.now()
    assert timedelta(minutes=44) < left <= timedelta(minutes=45)
    event = DIDEvent.objects.get(did=did0, to_state="reserved")
    assert event.order_id == draft_a.pk and event.changed_by == tenant_a.user


def test_a_number_taken_meanwhile_is_named_and_the_rest_kept(tenant_a, inventory, draft_a):
    other = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Power User",))
    s.numbers_reserve(user=tenant_a.user, order_id=other.pk, numbers=[N1])
    result = s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk,
                               numbers=[N0, N1, "2125559999"])
    assert result.reserved == [N0] and result.taken == [N1] and result.unknown == ["+12125559999"]
    assert "212-555-0101 was just taken" in result.problem
    assert "212-555-9999 is not in the inventory" in result.problem
    assert "rest of your selection is on the order" in result.problem
    assert DID.objects.get(e164=N1).order_id == other.pk


def test_database_refuses_a_reserved_number_without_order_or_two_rows(inventory):
    did = DID.objects.get(e164=N0)
    with pytest.raises(IntegrityError), transaction.atomic():
        DID.objects.filter(pk=did.pk).update(state="reserved")
    with pytest.raises(IntegrityError), transaction.atomic():
        DID.objects.create(e164=N0, npa="212", nxx="555")
    with pytest.raises(IntegrityError), transaction.atomic():
        DID.objects.create(e164="+19115550100", npa="911", nxx="555")


def test_reserve_quantity_is_all_or_nothing(tenant_a, inventory, draft_a):
    got = s.numbers_reserve_quantity(user=tenant_a.user, order_id=draft_a.pk, npa="206",
                                     nxx="432", quantity=2)
    assert len(got) == 2
    with pytest.raises(NotEnoughNumbers) as exc:
        s.numbers_reserve_quantity(user=tenant_a.user, order_id=draft_a.pk, npa="206",
                                   nxx="432", quantity=2)
    assert "1 of 2" in exc.value.message
    assert DID.objects.filter(npa="206", state="available").count() == 1


def test_unreserve_and_abandon_free_numbers(tenant_a, inventory, draft_a):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0, N1, N2])
    s.number_unreserve(user=tenant_a.user, order_id=draft_a.pk,
                       did_id=DID.objects.get(e164=N0).pk)
    assert state(N0) == "available" and DID.objects.get(e164=N0).order_id is None
    with pytest.raises(NotFound):
        s.number_unreserve(user=tenant_a.user, order_id=draft_a.pk,
                           did_id=DID.objects.get(e164=N0).pk)
    assert DID.objects.filter(state="available").count() == 23 - 2  # N1, N2 still reserved


def test_expiry_frees_only_reservations_that_ran_out(tenant_a, inventory, draft_a):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0, N1])
    DID.objects.filter(e164=N0).update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert s.numbers_expire_reservations() == 1
    assert state(N0) == "available" and state(N1) == "reserved"
    assert DIDEvent.objects.filter(did__e164=N0, to_state="available",
                                   note__contains="expired").get().order_id == draft_a.pk
    assert s.numbers_expire_reservations() == 0


def test_save_order_itself_refuses_numbers_released_after_the_form_check(
        tenant_a, inventory, draft_a):
    """The form checks for released numbers, then Save Order runs: a reservation that runs
    out in between is caught under the draft's lock, not saved without them silently."""
    from dataclasses import replace

    from orion.orders.exceptions import NumbersReleased

    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0, N1])
    DID.objects.filter(e164=N0).update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert s.numbers_expire_reservations() == 1  # between the form's check and the save
    details = f.new_customer_details()
    with pytest.raises(NumbersReleased, match=r"1 number was released after 30 minutes") as exc:
        order_save(user=tenant_a.user, order_id=draft_a.pk, details=details)
    assert exc.value.released == [N0] and exc.value.code == "numbers_released"
    draft_a.refresh_from_db()
    assert draft_a.state == "draft" and state(N1) == "reserved"  # nothing saved
    saved = order_save(user=tenant_a.user, order_id=draft_a.pk,
                       details=replace(details, save_without_released=True)).order
    assert saved.state == "acknowledged" and list(saved.dids.values_list("e164", flat=True)) == [N1]


def test_save_order_assigns_numbers_and_freezes_extra_did_charge(tenant_a, inventory, draft_a):
    quote = order_quote(order=draft_a)
    included = quote.included_dids
    picks = [f"+1212555{n:04d}" for n in range(100, 100 + included + 2)]
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=picks, trunking=picks[:1])
    s.backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa="206", nxx="432",
                       quantity=3)
    quote = order_quote(order=draft_a)
    extra_price = Package.objects.get(is_extra_did=True).price
    assert quote.dids_selected == included + 2 + 3
    assert quote.extra_dids == 5
    # Each hosted number bills the E911 Surcharge; the trunking one has no location.
    assert quote.e911_count == len(picks) - 1
    assert quote.mrc_total == sum(
        (ln.amount for ln in quote.lines if ln.charge_type == "MRC"), Decimal(0)
    ) + 5 * extra_price + quote.e911_amount

    result = order_save(user=tenant_a.user, order_id=draft_a.pk, details=f.new_customer_details())
    order = result.order
    assigned = DID.objects.filter(order=order)
    assert assigned.count() == len(picks)
    assert set(assigned.values_list("state", flat=True)) == {"assigned"}
    assert set(assigned.values_list("customer_id", flat=True)) == {order.customer_id}
    assert DID.objects.get(e164=picks[0]).is_for_trunking is True
    line = order.lines.get(package__is_extra_did=True)
    assert line.quantity == 5 and line.unit_price == extra_price
    saved_quote = order_quote(order=order)
    assert saved_quote.mrc_total == quote.mrc_total and saved_quote.extra_dids == 5
    # A saved order's DIDs and backorders no longer change from the form.
    with pytest.raises(OrderNotEditable):
        s.numbers_reserve(user=tenant_a.user, order_id=order.pk, numbers=[N3])


def test_no_extra_line_within_the_allowance(tenant_a, inventory, draft_a):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0])
    assert order_quote(order=draft_a).extra_dids == 0
    order = order_save(user=tenant_a.user, order_id=draft_a.pk,
                       details=f.new_customer_details()).order
    assert not order.lines.filter(package__is_extra_did=True).exists()
    assert state(N0) == "assigned"


def test_a_rolled_back_save_leaves_numbers_reserved(tenant_a, inventory, draft_a):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0])
    with pytest.raises(OrderValidationError):  # a billing start date in the past
        order_save(user=tenant_a.user, order_id=draft_a.pk, details=f.new_customer_details(
            billing_start_date=timezone.localdate() - timedelta(days=3)))
    assert state(N0) == "reserved"


@pytest.mark.parametrize("quantity", [0, -5, 100000, "abc", "1.5"])
def test_backorder_quantity_is_1_to_1000(tenant_a, draft_a, quantity):
    with pytest.raises(InvalidBackorder) as exc:
        s.backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa="212", quantity=quantity)
    assert "1 to 1,000" in exc.value.message
    assert not Backorder.objects.exists()


def test_backorder_needs_a_valid_npa(tenant_a, draft_a):
    for npa in ("123", "911", "21", "abc"):
        with pytest.raises(InvalidNumber):
            s.backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa=npa, quantity=2)
    with pytest.raises(InvalidNumber):
        s.backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa="212", nxx="011",
                           quantity=2)


def test_backorder_is_filled_partially_then_fully(tenant_a, staff, draft_a):
    s.numbers_add_range(spec="5125550100-5125550101")
    s.backorder_create(user=tenant_a.user, order_id=draft_a.pk, npa="512", nxx="555",
                       quantity=4, is_for_trunking=True)
    order = order_save(user=tenant_a.user, order_id=draft_a.pk,
                       details=f.new_customer_details()).order
    bo = order.did_backorders.get()
    assert bo.status == "Backordered"
    with pytest.raises(NotFound):
        s.backorder_fill(user=tenant_a.user, backorder_id=bo.pk)  # partners cannot
    assert s.backorder_fill(user=staff, backorder_id=bo.pk) == 2
    bo.refresh_from_db()
    assert (bo.filled, bo.status, bo.pending) == (2, "Partial", 2)
    with pytest.raises(NotEnoughNumbers):
        s.backorder_fill(user=staff, backorder_id=bo.pk)
    result = s.numbers_add_range(spec="5125550200-5125550209")
    assert result.open_backorders == 1
    assert s.backorder_fill(user=staff, backorder_id=bo.pk) == 2
    bo.refresh_from_db()
    assert bo.status == "Complete"
    filled = DID.objects.filter(backorder=bo)
    assert filled.count() == 4 and all(d.is_for_trunking and d.state == "assigned"
                                       and d.customer_id == order.customer_id for d in filled)
    assert Backorder.objects.open().count() == 0


def test_staff_release_quarantine_and_age_back(tenant_a, staff, inventory, draft_a, settings):
    settings.ORION_DID_QUARANTINE_DAYS = 10
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0])
    order_save(user=tenant_a.user, order_id=draft_a.pk, details=f.new_customer_details())
    did = DID.objects.get(e164=N0)
    with pytest.raises(NotFound):
        s.number_release(user=tenant_a.user, did_id=did.pk)
    # In service (assigned to the customer's group): only an order may give it back.
    with pytest.raises(NumberInService, match="change order"):
        s.number_release(user=staff, did_id=did.pk)
    assert state(N0) == "assigned"
    from orion.provisioning.repair import order_cancel

    order_cancel(order_id=draft_a.pk, user=staff, reason="customer withdrew")
    did.refresh_from_db()
    # Never in service (the order never reached BroadWorks): free at once, no aging.
    assert did.state == "available" and did.order_id is None and did.customer_id is None
    did = s.number_quarantine(user=staff, did_id=did.pk, days=10)
    assert did.state == "quarantined"
    assert timedelta(days=9) < did.quarantined_until - timezone.now() <= timedelta(days=10)
    with pytest.raises(InvalidNumberTransition):
        s.number_release(user=staff, did_id=did.pk)
    assert s.numbers_end_quarantine() == 0
    assert s.numbers_end_quarantine(now=timezone.now() + timedelta(days=11)) == 1
    assert state(N0) == "available"
    did = s.number_quarantine(user=staff, did_id=did.pk, days=5)
    assert did.state == "quarantined"
    assert s.number_unquarantine(user=staff, did_id=did.pk).state == "available"
    history = list(DIDEvent.objects.filter(did=did).values_list("from_state", "to_state"))
    assert history == [("", "available"), ("available", "reserved"), ("reserved", "assigned"),
                       ("assigned", "available"), ("available", "quarantined"),
                       ("quarantined", "available"),
                       ("available", "quarantined"), ("quarantined", "available")]


def test_partner_b_cannot_touch_partner_a_draft(tenant_a, tenant_b, inventory, draft_a):
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=[N0])
    did = DID.objects.get(e164=N0)
    with pytest.raises(NotFound):
        s.numbers_reserve(user=tenant_b.user, order_id=draft_a.pk, numbers=[N1])
    with pytest.raises(NotFound):
        s.number_unreserve(user=tenant_b.user, order_id=draft_a.pk, did_id=did.pk)
    draft_b = f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    # Partner B names A's number on its own draft: it is simply not available, A keeps it.
    result = s.numbers_reserve(user=tenant_b.user, order_id=draft_b.pk, numbers=[N0])
    assert result.taken == [N0] and result.reserved == []
    with pytest.raises(NotFound):
        s.number_unreserve(user=tenant_b.user, order_id=draft_b.pk, did_id=did.pk)
    assert DID.objects.get(e164=N0).order_id == draft_a.pk


def test_reserve_quantity_is_one_statement_with_a_history_row_per_number(
        tenant_a, inventory, draft_a, django_assert_num_queries):
    with django_assert_num_queries(1):  # lock the draft, pick, move and log: one round trip
        got = s.numbers_reserve_quantity(user=tenant_a.user, order_id=draft_a.pk, npa="212",
                                         nxx="555", quantity=3)
    assert got == [N0, N1, N2]
    assert set(DID.objects.filter(e164__in=got).values_list("state", "order_id")) == {
        ("reserved", draft_a.pk)}
    assert not DID.objects.filter(e164__in=got, reserved_until__isnull=True).exists()
    events = DIDEvent.objects.filter(did__e164__in=got).exclude(from_state="").values_list(
        "did__e164", "from_state", "to_state", "order_id", "changed_by_id", "note")
    assert sorted(events) == [(n, "available", "reserved", draft_a.pk, tenant_a.user.pk,
                               "Ordered on the draft.") for n in got]


def test_reserve_quantity_checks_the_draft_in_the_same_statement(tenant_a, tenant_b, staff,
                                                                  inventory, draft_a):
    def reserve(user, order_id=draft_a.pk, npa="212", quantity=1):
        return s.numbers_reserve_quantity(user=user, order_id=order_id, npa=npa, nxx="555",
                                          quantity=quantity)

    with pytest.raises(NotFound):
        reserve(tenant_b.user)  # another partner's draft looks like no draft at all
    with pytest.raises(NotFound):
        reserve(tenant_a.user, order_id=draft_a.pk + 100_000)
    assert reserve(staff) == [N0]  # provider staff reach every draft
    s.numbers_reserve(user=tenant_a.user, order_id=draft_a.pk, numbers=["2064327000"])
    order_save(user=tenant_a.user, order_id=draft_a.pk, details=f.new_customer_details())
    with pytest.raises(OrderNotEditable):
        reserve(tenant_a.user)
    with pytest.raises(OrderNotEditable):  # refused as saved, not as "not enough numbers"
        reserve(tenant_a.user, quantity=200)
    # Refusals moved nothing and wrote no history.
    assert list(DID.objects.filter(npa="212").exclude(state="available")
                .values_list("e164", flat=True)) == [N0]
    assert DIDEvent.objects.filter(did__npa="212", to_state="reserved").count() == 1


def test_reserve_quantity_inside_a_transaction_rolls_back_with_it(tenant_a, inventory,
                                                                   draft_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        s.numbers_reserve_quantity(user=tenant_a.user, order_id=draft_a.pk, npa="212",
                                   quantity=2)
        raise RuntimeError("the caller's later step failed")
    assert not DID.objects.filter(npa="212").exclude(state="available").exists()
    assert not DIDEvent.objects.filter(to_state="reserved").exists()
