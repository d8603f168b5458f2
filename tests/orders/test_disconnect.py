"""Saving and cancelling disconnect orders (issue 17, items 3, 4, 7 and 9 for disconnects):
what is refused and why (at the field), one open change or disconnect per customer (the
database backs it), drafts cancelled with their numbers freed, the partner's and staff's
cancel, the audit rows, the pages, and billing through the disconnect day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.billing import charges as ch
from orion.billing.selectors import invoice_preview
from orion.core.clock import local_today
from orion.core.exceptions import NotFound
from orion.numbers.models import DID
from orion.numbers.services import order_dids_order
from orion.orders import disconnect as dc
from orion.orders import services as order_services
from orion.orders.exceptions import OrderError, OrderValidationError
from orion.orders.lifecycle import order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(tenant_a):
    """Tenant A's first customer, in service (its first order completed long ago)."""
    customer = tenant_a.customer
    customer.activated_at = timezone.now() - timedelta(days=40)
    customer.save(update_fields=["activated_at"])
    return customer


def _details(customer, *, days: int = 0, **overrides):
    values = {"effective_date": local_today(customer.time_zone) + timedelta(days=days),
              "reason": "Moving to another provider"}
    values.update(overrides)
    return dc.DisconnectDetails(**values)


def _save(user, customer, **overrides):
    return dc.order_disconnect_save(user=user, customer_id=customer.pk,
                                    details=_details(customer, **overrides))


def _jobs(order_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE "
                       "(args->>'order_id')::bigint = %s", [order_id])
        return cursor.fetchone()[0]


def _complete(order: Order) -> None:
    """What provisioning's completion does to the order's state (tests of billing only)."""
    order_transition(order=order, to=OrderState.IN_PROGRESS, by=None)
    order_transition(order=order, to=OrderState.COMPLETED, by=None)


def test_saving_a_disconnect_numbers_acknowledges_audits_and_queues_it(tenant_a, active):
    order = _save(tenant_a.user, active, days=3)
    assert order.kind == OrderKind.DISCONNECT and order.number.startswith("ORD-")
    assert order.state == OrderState.ACKNOWLEDGED
    assert order.effective_date == order.billing_start_date
    assert order.disconnect_reason == "Moving to another provider"
    assert _jobs(order.pk) == 1
    assert list(order.provisioning_steps.values_list("key", flat=True)) == [
        "check", "users", "devices", "group_numbers", "numbers", "group", "enterprise"]
    entry = AuditEntry.objects.get(action="order.disconnect_save", object_id=str(order.pk))
    assert entry.changes["effective_date"] == str(order.effective_date)


def test_a_date_in_the_past_is_refused_at_the_field(tenant_a, active):
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, active, days=-1)
    assert "cannot be in the past" in exc.value.errors["effective_date"][0]
    assert not Order.objects.filter(kind=OrderKind.DISCONNECT).exists()


def test_the_reason_is_required_and_limited(tenant_a, active):
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, active, reason="  ")
    assert "reason" in exc.value.errors
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, active, reason="x" * 201)
    assert "reason" in exc.value.errors


def test_another_partners_customer_is_not_found(tenant_a, tenant_b, active):
    with pytest.raises(NotFound):
        _save(tenant_b.user, active)


def test_a_second_open_disconnect_is_refused_with_the_first_named(tenant_a, active):
    first = _save(tenant_a.user, active, days=5)
    with pytest.raises(OrderError, match=first.number) as exc:
        _save(tenant_a.user, active)
    assert exc.value.code == "not_disconnectable"


def test_the_database_refuses_a_second_open_one_when_the_check_is_bypassed(
        tenant_a, active, monkeypatch):
    _save(tenant_a.user, active, days=5)
    monkeypatch.setattr(dc, "customer_disconnect_problem", lambda customer: None)
    with pytest.raises(OrderError) as exc:
        _save(tenant_a.user, active)
    assert exc.value.code == "day_two_order_open"
    assert Order.objects.filter(kind=OrderKind.DISCONNECT).count() == 1


def test_a_cancelled_a_disconnected_and_a_not_yet_active_customer_are_refused(
        tenant_a, active):
    second = tenant_a.second_customer
    with pytest.raises(OrderError, match="not active yet"):
        _save(tenant_a.user, second)
    second.activated_at = timezone.now()
    second.cancelled_at = timezone.now()
    second.save(update_fields=["activated_at", "cancelled_at"])
    with pytest.raises(OrderError, match="was cancelled"):
        _save(tenant_a.user, second)
    active.disconnected_at = timezone.now()
    active.save(update_fields=["disconnected_at"])
    with pytest.raises(OrderError, match="already disconnected"):
        _save(tenant_a.user, active)


def test_a_trunking_customer_is_refused_with_the_reason(tenant_a, active):
    active.service_type = "trunking"
    active.save(update_fields=["service_type"])
    with pytest.raises(OrderError, match="Trunking customer"):
        _save(tenant_a.user, active)


def test_an_order_started_for_a_disconnected_customer_is_refused(tenant_a, active):
    active.disconnected_at = timezone.now()
    active.save(update_fields=["disconnected_at"])
    with pytest.raises(OrderError, match="was disconnected on") as exc:
        order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                   customer=active)
    assert exc.value.code == "customer_disconnected"


def test_saving_cancels_the_customers_drafts_and_frees_their_reserved_numbers(
        tenant_a, active):
    numbers = stock_numbers(6125559100, 2)
    draft = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                        customer=active)
    order_dids_order(user=tenant_a.user, order_id=draft.pk, numbers=numbers, trunking=[])
    assert DID.objects.filter(e164__in=numbers, state="reserved").count() == 2
    order = _save(tenant_a.user, active)
    assert not Order.objects.filter(pk=draft.pk).exists()  # discarded, as Discard does
    entry = AuditEntry.objects.get(action="order.draft_discard", object_id=str(draft.pk))
    assert entry.changes["numbers_released"] == 2
    assert AuditEntry.objects.get(action="order.disconnect_save", object_id=str(order.pk)) \
        .changes["drafts_cancelled"] == [draft.pk]
    assert DID.objects.filter(e164__in=numbers, state="available", order=None).count() == 2


def test_removing_the_enterprise_is_refused_while_it_has_other_customers(tenant_a, active):
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, active, remove_enterprise=True)
    assert tenant_a.second_customer.name in exc.value.errors["remove_enterprise"][0]
    tenant_a.second_customer.cancelled_at = timezone.now()
    tenant_a.second_customer.save(update_fields=["cancelled_at"])
    assert _save(tenant_a.user, active, remove_enterprise=True).remove_enterprise


def test_an_early_termination_fee_from_the_catalog_is_one_line(tenant_a, active):
    fee = dc.termination_fee_packages().get(name="Early Termination Fee")
    order = _save(tenant_a.user, active, termination_fee_id=fee.pk, termination_fee_quantity=3)
    [line] = order.lines.all()
    assert (line.package, line.quantity, line.charge_type, line.unit_price) == (
        fee, 3, "NRC", Decimal("200.00"))
    tenant_a.second_customer.activated_at = timezone.now()
    tenant_a.second_customer.save(update_fields=["activated_at"])
    not_a_fee = order_services.Package.objects.filter(charge_type="MRC").first()
    with pytest.raises(OrderValidationError) as exc:
        _save(tenant_a.user, tenant_a.second_customer, termination_fee_id=not_a_fee.pk)
    assert "termination_fee" in exc.value.errors


def test_the_partner_cancels_until_the_date_and_staff_while_not_started(
        tenant_a, staff, active):
    order = _save(tenant_a.user, active, days=2)
    cancelled = dc.order_disconnect_cancel(user=tenant_a.user, order_id=order.pk,
                                           reason="customer stays")
    assert cancelled.state == OrderState.CANCELLED
    assert AuditEntry.objects.filter(action="order.disconnect_cancel",
                                     object_id=str(order.pk)).count() == 1
    # Past its date (it waited for an earlier order): only staff may still cancel it.
    late = _save(tenant_a.user, active)
    Order.objects.filter(pk=late.pk).update(
        effective_date=local_today(active.time_zone) - timedelta(days=1))
    with pytest.raises(OrderError, match="ask operations"):
        dc.order_disconnect_cancel(user=tenant_a.user, order_id=late.pk)
    assert dc.order_disconnect_cancel(user=staff, order_id=late.pk).state == \
        OrderState.CANCELLED
    # Started: nobody cancels it here.
    started = _save(tenant_a.user, active)
    order_transition(order=started, to=OrderState.IN_PROGRESS, by=None)
    with pytest.raises(OrderError, match="has started"):
        dc.order_disconnect_cancel(user=staff, order_id=started.pk)


def test_another_partner_cannot_cancel_it(tenant_a, tenant_b, active):
    order = _save(tenant_a.user, active, days=2)
    with pytest.raises(NotFound):
        dc.order_disconnect_cancel(user=tenant_b.user, order_id=order.pk)


def test_subscriptions_end_on_the_disconnect_day_and_the_fee_bills_once(tenant_a, active):
    services = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=active,
                           packages={"Enterprise Standard": 2})
    _complete(services)
    fee = dc.termination_fee_packages().get(name="Early Termination Fee")
    gone = _save(tenant_a.user, active, days=3, termination_fee_id=fee.pk)
    month = ch.BillingMonth.of(gone.effective_date)
    before = invoice_preview(user=tenant_a.user, customer_id=active.pk, month=month)
    _complete(gone)
    after = invoice_preview(user=tenant_a.user, customer_id=active.pk, month=month)
    [seats] = [c for c in after.charges if c.subscription.package == "Enterprise Standard"]
    assert seats.period_end == gone.effective_date
    line = services.lines.get()
    start = max(services.billing_start_date, month.first)
    assert seats.amount == ch.prorate(line.unit_price * 2, first_day=start.day,
                                      last_day=gone.effective_date.day,
                                      days_in_month=month.days)
    assert after.totals.mrc <= before.totals.mrc
    [etf] = [c for c in after.charges if c.subscription.package == "Early Termination Fee"]
    assert etf.amount == Decimal("200.00") and etf.period_start == gone.effective_date
    following = ch.BillingMonth.of(month.last + timedelta(days=1))
    assert invoice_preview(user=tenant_a.user, customer_id=active.pk,
                           month=following).charges == []


def test_the_pages_show_the_form_refuse_at_the_field_and_save(client, tenant_a, active):
    client.force_login(tenant_a.user)
    page = client.get(f"/customers/{active.pk}/orderforms/")
    assert b'id="disconnect-customer"' in page.content
    form = client.get(f"/customers/{active.pk}/disconnect/")
    assert form.status_code == 200 and b"Also remove the enterprise" in form.content
    assert tenant_a.second_customer.name.encode() in form.content  # why it is not possible
    past = local_today(active.time_zone) - timedelta(days=1)
    refused = client.post(f"/customers/{active.pk}/disconnect/", {
        "effective_date": past.isoformat(), "reason": "leaving",
        "termination_fee_quantity": "1"})
    assert refused.status_code == 422
    assert b'id="effective-date-error"' in refused.content
    saved = client.post(f"/customers/{active.pk}/disconnect/", {
        "effective_date": (past + timedelta(days=3)).isoformat(), "reason": "leaving",
        "termination_fee_quantity": "1"})
    order = Order.objects.get(kind=OrderKind.DISCONNECT)
    assert saved.status_code == 302 and saved["Location"] == f"/orders/{order.pk}/"
    detail = client.get(f"/orders/{order.pk}/")
    assert b'id="cancel-disconnect"' in detail.content and b"leaving" in detail.content
    cancelled = client.post(f"/orders/{order.pk}/disconnect/cancel/", {"reason": "stays"})
    assert cancelled.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


def test_another_partners_pages_are_404(client, tenant_a, tenant_b, active):
    order = _save(tenant_a.user, active, days=2)
    client.force_login(tenant_b.user)
    assert client.get(f"/customers/{active.pk}/disconnect/").status_code == 404
    assert client.post(f"/customers/{active.pk}/disconnect/", {}).status_code == 404
    assert client.post(f"/orders/{order.pk}/disconnect/cancel/").status_code == 404


def test_a_disconnected_customer_stays_findable_with_its_role_and_the_mark(
        client, tenant_a, active):
    from orion.accounts.search import account_search

    active.disconnected_at = timezone.now()
    active.save(update_fields=["disconnected_at"])
    [hit] = [h for h in account_search(user=tenant_a.user, query=active.name).hits
             if h.role == "Customer" and h.id == active.pk]
    assert hit.status == "Disconnected"
    client.force_login(tenant_a.user)
    page = client.get("/search/", {"q": active.name})
    assert b"Disconnected" in page.content
    tab = client.get(f"/customers/{active.pk}/orderforms/")
    assert b'id="customer-disconnected"' in tab.content
    assert b'id="disconnect-customer"' not in tab.content
