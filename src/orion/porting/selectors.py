"""Reads of port requests, always scoped to the user's partner (staff see all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.core.exceptions import NotFound
from orion.numbers.models import DID
from orion.numbers.nanp import display
from orion.numbers.states import NumberState
from orion.orders.models import Order
from orion.porting.exceptions import PortRefused
from orion.porting.models import PortedNumber, PortRequest
from orion.porting.states import CLOSED_STATES, OPEN_STATES, QUEUE_ORDER, PortState
from orion.users.models import OrderUser

# A DID in these states is Orion's and on its way to or in a customer's service: porting it
# in from another carrier makes no sense.
LIVE_NUMBER_STATES = (NumberState.ASSIGNED, NumberState.RESERVED)


def ports_list(*, user: User, state: str = "") -> QuerySet[PortRequest]:
    found = PortRequest.objects.visible_to(user).select_related("partner", "customer")
    if state in PortState.values:
        found = found.filter(state=state)
    return found


def port_get(*, user: User, port_id: int) -> PortRequest:
    found = (PortRequest.objects.visible_to(user)
             .select_related("partner", "customer", "order", "created_by")
             .filter(pk=port_id).first())
    if found is None:
        raise NotFound("No such port request.")
    return found


@dataclass(frozen=True)
class PortAccount:
    """Whose port a new request is: a customer, or the draft order it was started from
    (whose Save Order creates the customer later)."""

    partner_id: int
    name: str
    customer: Customer | None
    order: Order | None

    @property
    def initial(self) -> dict[str, str]:
        """The form's starting values: the account's address, usually the bill's."""
        source: Any = self.customer if self.customer is not None else self.order
        if source is None:
            return {}
        region = getattr(source, "state", "") if self.customer is not None else \
            getattr(source, "state_code", "")
        return {"address_line1": source.address_line1, "address_line2": source.address_line2,
                "city": source.city, "region": region, "zip_code": source.zip_code}


def port_account(*, user: User, customer_id: int | None, order_id: int | None) -> PortAccount:
    """The account a new request is for, if ``user`` may see it (NotFound otherwise)."""
    if order_id is not None:
        order = Order.objects.visible_to(user).select_related("customer").filter(
            pk=order_id).first()
        if order is None:
            raise NotFound("No such order.")
        return PortAccount(partner_id=order.partner_id, name=order.account_name,
                           customer=order.customer, order=order)
    if customer_id is not None:
        customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
        if customer is None:
            raise NotFound("No such customer.")
        return PortAccount(partner_id=customer.partner_id, name=customer.name,
                           customer=customer, order=None)
    raise PortRefused("Start the port request from an order or a customer.", field="customer")


def ports_queue(*, state: str = "") -> QuerySet[PortRequest]:
    """Staff's queue of open requests: overdue first (scheduled with the FOC passed, or
    not scheduled yet when the desired date has passed), then by state in the order staff act
    on them, then by FOC date and desired date."""
    now = timezone.now()
    today = timezone.localdate()
    overdue = (Q(state=PortState.SCHEDULED, foc_at__lt=now)
               | Q(state__in=[PortState.SUBMITTED, PortState.PENDING], desired_date__lt=today))
    found = PortRequest.objects.filter(state__in=OPEN_STATES)
    if state in PortState.values:
        found = found.filter(state=state)
    return (found.select_related("partner", "created_by")
            .annotate(overdue=Case(When(overdue, then=Value(0)), default=Value(1),
                                   output_field=IntegerField()),
                      state_rank=Case(*[When(state=s, then=Value(i))
                                        for i, s in enumerate(QUEUE_ORDER)],
                                      default=Value(99), output_field=IntegerField()))
            .order_by("overdue", "state_rank", "foc_at", "desired_date", "pk"))


def number_conflicts(*, numbers: list[str], port: PortRequest | None,
                     partner_id: int) -> list[str]:
    """Why each of ``numbers`` cannot be ported in (live in Orion, or in another open port
    request), one sentence per number, in the order given."""
    live = set(DID.objects.filter(e164__in=numbers, state__in=LIVE_NUMBER_STATES)
               .values_list("e164", flat=True))
    others = PortedNumber.objects.filter(e164__in=numbers, is_open=True)
    if port is not None and port.pk:
        others = others.exclude(port=port)
    in_port = {e164: (port_id, owner) for e164, port_id, owner
               in others.values_list("e164", "port_id", "port__partner_id")}
    problems = []
    for number in numbers:
        if number in live:
            problems.append(f"{display(number)} is already live in Orion (a DID in the "
                            "inventory); it cannot be ported in.")
        elif number in in_port:
            port_id, owner = in_port[number]
            which = f"open port request P-{port_id}" if owner == partner_id else \
                "another open port request"
            problems.append(f"{display(number)} is already in {which}.")
    return problems


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    kind: str  # "move" or "comment"
    title: str
    text: str
    is_staff: bool


def port_timeline(*, port: PortRequest) -> list[TimelineEntry]:
    """The request's creation, moves and comments, oldest first."""
    entries = [TimelineEntry(at=port.created_at, who=port.created_by.username, kind="move",
                             title="Created (unconfirmed)", text="",
                             is_staff=port.created_by.is_provider_staff)]
    entries += [
        TimelineEntry(at=c.changed_at, who=c.changed_by.username if c.changed_by else "system",
                      kind="move", title=f"{PortState(c.from_state).label} → "
                      f"{PortState(c.to_state).label}", text=c.note,
                      is_staff=bool(c.changed_by and c.changed_by.is_provider_staff))
        for c in port.state_changes.select_related("changed_by")]
    entries += [
        TimelineEntry(at=c.created, who=c.author.username, kind="comment", title="Comment",
                      text=c.text, is_staff=c.author.is_provider_staff)
        for c in port.comments.select_related("author")]
    return sorted(entries, key=lambda e: e.at)


def port_seats(*, port: PortRequest) -> list[OrderUser]:
    """The users of the request's order a ported number may go to: live, without a number
    (the caller has already checked the user may see ``port``)."""
    if port.order_id is None or port.state in CLOSED_STATES:
        return []
    return list(OrderUser.objects.filter(order_id=port.order_id,
                                         number__isnull=True).order_by("position"))
