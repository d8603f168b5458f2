"""The port state machine: every move of every state, by the partner and by staff."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.exceptions import NotFound
from orion.porting import services
from orion.porting.businessdays import add_business_days, federal_holidays
from orion.porting.exceptions import InvalidPortTransition, PortRefused, StalePortState
from orion.porting.models import PortRequest
from orion.porting.states import PARTNER_MOVES, STAFF_MOVES, TRANSITIONS, PortState
from tests.porting.factories import details, make_port, submitted_port

S = PortState


def future_foc() -> datetime:
    day = add_business_days(timezone.localdate(), 2)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def test_every_move_has_a_mover_and_every_mover_a_move():
    edges = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert edges == PARTNER_MOVES | STAFF_MOVES
    assert not any(to == S.UNCONFIRMED for _, to in edges)


def _put_in(port: PortRequest, state: str) -> PortRequest:
    """The request in ``state`` with what that state requires (set directly: the test is
    about the move out of it)."""
    PortRequest.objects.filter(pk=port.pk).update(
        state=state, loa_file="loa-test.pdf", rejection_reason="Wrong PIN",
        foc_at=timezone.now() - timedelta(hours=1))
    return PortRequest.objects.get(pk=port.pk)


def _move(user, port: PortRequest, to: str) -> PortRequest:
    call = {
        S.SUBMITTED: lambda: services.port_submit(user=user, port_id=port.pk),
        S.CANCELED: lambda: services.port_cancel(user=user, port_id=port.pk, reason="x"),
        S.PENDING: lambda: services.port_mark_pending(user=user, port_id=port.pk),
        S.SCHEDULED: lambda: services.port_schedule(user=user, port_id=port.pk,
                                                    foc_at=future_foc()),
        S.COMPLETED: lambda: services.port_complete(user=user, port_id=port.pk),
        S.REJECTED: lambda: services.port_reject(user=user, port_id=port.pk, reason="Bad BTN"),
    }[to]
    return call()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "frm", "to"), [
    (who, frm, to) for who, frm, to in itertools.product(
        ("partner", "staff"), S.values, [s for s in S.values if s != S.UNCONFIRMED])])
def test_each_move(tenant_a, staff, who, frm, to):
    user = tenant_a.user if who == "partner" else staff
    port = _put_in(make_port(tenant_a), frm)
    allowed = (frm, to) in (PARTNER_MOVES if who == "partner" else STAFF_MOVES)
    before = port.state_changes.count()
    if allowed:
        moved = _move(user, port, to)
        assert moved.state == to
        assert PortRequest.objects.get(pk=port.pk).state == to
        change = port.state_changes.last()
        assert (change.from_state, change.to_state, change.changed_by) == (frm, to, user)
        assert AuditEntry.objects.filter(action=f"port.{to}", object_id=str(port.pk)).exists()
        return
    staff_only = to in (S.PENDING, S.SCHEDULED, S.COMPLETED, S.REJECTED)
    expected = NotFound if who == "partner" and staff_only else InvalidPortTransition
    with pytest.raises(expected):
        _move(user, port, to)
    assert PortRequest.objects.get(pk=port.pk).state == frm
    assert port.state_changes.count() == before


@pytest.mark.django_db(transaction=True)
def test_the_whole_path_mails_the_author_and_closes_the_numbers(tenant_a, staff):
    port = submitted_port(tenant_a)
    services.port_mark_pending(user=staff, port_id=port.pk, note="Sent to Verizon")
    foc = future_foc()
    port = services.port_schedule(user=staff, port_id=port.pk, foc_at=foc)
    assert port.foc_at == foc
    with pytest.raises(PortRefused, match="completed on that date or later"):
        services.port_complete(user=staff, port_id=port.pk)
    assert [m.to for m in mail.outbox] == [[tenant_a.user.email]] * 3
    assert "Scheduled" in mail.outbox[-1].subject and "FOC" in mail.outbox[-1].body
    PortRequest.objects.filter(pk=port.pk).update(foc_at=timezone.now() - timedelta(minutes=1))
    services.port_complete(user=staff, port_id=port.pk)
    assert not port.numbers.filter(is_open=True).exists()
    assert len(mail.outbox) == 4
    assert not any("9876" in m.body or "9876" in m.subject for m in mail.outbox)  # the PIN


@pytest.mark.django_db
def test_rejection_needs_the_carriers_reason_and_the_partner_resubmits(tenant_a, staff):
    port = submitted_port(tenant_a)
    with pytest.raises(PortRefused, match="reason is required"):
        services.port_reject(user=staff, port_id=port.pk, reason="  ")
    services.port_reject(user=staff, port_id=port.pk, reason="BTN does not match")
    port = services.port_update(user=tenant_a.user, port_id=port.pk,
                                details=details(billing_telephone_number="2125550101", pin=""))
    assert port.pin == "9876"  # a blank PIN keeps the stored one
    port = services.port_submit(user=tenant_a.user, port_id=port.pk)
    assert port.state == S.SUBMITTED and port.rejection_reason == ""
    assert port.state_changes.filter(to_state=S.REJECTED, note="BTN does not match").exists()


@pytest.mark.django_db
def test_submit_needs_the_signed_loa_and_a_stale_move_is_refused(tenant_a, staff):
    port = make_port(tenant_a)
    with pytest.raises(PortRefused, match="signed letter of authorization"):
        services.port_submit(user=tenant_a.user, port_id=port.pk)
    port = submitted_port(tenant_a, numbers="2125550200")
    stale = PortRequest.objects.get(pk=port.pk)
    services.port_cancel(user=staff, port_id=port.pk)
    with pytest.raises(StalePortState):
        services.port_transition(port=stale, to=S.PENDING, by=staff)


@pytest.mark.django_db
def test_foc_in_the_past_or_on_a_holiday_or_weekend_is_refused(tenant_a, staff):
    port = submitted_port(tenant_a)
    services.port_mark_pending(user=staff, port_id=port.pk)
    past = timezone.now() - timedelta(hours=2)
    with pytest.raises(PortRefused, match="in the past"):
        services.port_schedule(user=staff, port_id=port.pk, foc_at=past)
    next_year = timezone.localdate().year + 1
    christmas = timezone.make_aware(datetime(next_year, 12, 25, 10, 0))
    if christmas.weekday() < 5:
        with pytest.raises(PortRefused, match="federal holiday"):
            services.port_schedule(user=staff, port_id=port.pk, foc_at=christmas)
    thanksgiving = next(d for d in federal_holidays(next_year) if d.month == 11 and d.day > 20)
    with pytest.raises(PortRefused, match="Thanksgiving"):
        services.port_schedule(user=staff, port_id=port.pk, foc_at=timezone.make_aware(
            datetime.combine(thanksgiving, time(9, 0))))
    saturday = timezone.localdate() + timedelta(days=(5 - timezone.localdate().weekday()) % 7
                                                + 7)
    with pytest.raises(PortRefused, match="weekend"):
        services.port_schedule(user=staff, port_id=port.pk, foc_at=timezone.make_aware(
            datetime.combine(saturday, time(9, 0))))
    assert PortRequest.objects.get(pk=port.pk).state == S.PENDING
