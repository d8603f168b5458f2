"""Writes on port requests: create, edit, attach the signed LOA, the moves along
``states.TRANSITIONS`` (the one function ``port_transition``) and comments.

Every write is one transaction with its audit row. The PIN is stored for the carrier but never
written into an audit row, a log line or an answer (pages show ``pin_hint``).
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.accounts.validators import clean_name, clean_text, normalize_state, normalize_zip
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.numbers.exceptions import InvalidNumber
from orion.numbers.nanp import display, to_e164
from orion.numbers.services.porting import numbers_port_in
from orion.orders.activation import order_billing_start_on_port
from orion.orders.lifecycle import order_open_ports
from orion.orders.models import Order
from orion.porting import storage
from orion.porting.businessdays import add_business_days, holiday_name, is_business_day
from orion.porting.exceptions import (
    InvalidPortTransition,
    PortNumbersRefused,
    PortRefused,
    StalePortState,
)
from orion.porting.models import (
    ACCOUNT_MAX,
    CARRIER_MAX,
    COMMENT_MAX,
    NAME_MAX,
    PIN_MAX,
    REASON_MAX,
    PortComment,
    PortedNumber,
    PortRequest,
    PortStateChange,
)
from orion.porting.notifications import port_notify_after_commit
from orion.porting.parsing import parse_numbers
from orion.porting.selectors import number_conflicts, port_account, port_get
from orion.porting.states import (
    CLOSED_STATES,
    EDITABLE_STATES,
    PARTNER_MOVES,
    STAFF_MOVES,
    TRANSITIONS,
    PortState,
)
from orion.provisioning.resume import order_port_closed
from orion.users.models import OrderUser
from orion.webhooks.events import port_state_changed

logger = logging.getLogger(__name__)

LEAD_BUSINESS_DAYS = 5
# Carriers schedule ports weeks, not years, ahead; a date further out is a typing mistake.
MAX_AHEAD = timedelta(days=365)


@dataclass(frozen=True)
class PortDetails:
    """What the partner types: the numbers (pasted text) and the losing carrier's bill."""

    numbers: str
    losing_carrier: str
    account_number: str
    pin: str
    billing_telephone_number: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    zip_code: str
    authorized_name: str
    authorized_title: str
    desired_date: date | None


def earliest_port_date(today: date | None = None) -> date:
    """The first date a partner may ask for: 5 business days out, federal holidays counted."""
    return add_business_days(today or timezone.localdate(), LEAD_BUSINESS_DAYS)


def desired_date_clean(value: date | None, *, today: date | None = None) -> date:
    if value is None:
        raise PortRefused("Enter the desired port date.", field="desired_date")
    earliest = earliest_port_date(today)
    if value > (today or timezone.localdate()) + MAX_AHEAD:
        raise PortRefused("The desired port date may be at most a year out.",
                          field="desired_date")
    holiday = holiday_name(value)
    if value < (today or timezone.localdate()):
        raise PortRefused(f"The desired port date {value:%Y-%m-%d} is in the past; the "
                          f"earliest is {earliest:%Y-%m-%d}.", field="desired_date")
    if holiday:
        raise PortRefused(f"{value:%Y-%m-%d} is a federal holiday ({holiday}); carriers do "
                          "not port then. Choose a business day.", field="desired_date")
    if not is_business_day(value):
        raise PortRefused(f"{value:%Y-%m-%d} is a weekend day; choose a business day.",
                          field="desired_date")
    if value < earliest:
        raise PortRefused(f"The desired port date must be at least {LEAD_BUSINESS_DAYS} "
                          f"business days out: {earliest:%Y-%m-%d} or later.",
                          field="desired_date")
    return value


def _field(value: str, *, field: str, label: str, max_length: int, required: bool = True,
           ) -> str:
    try:
        return clean_name(value, max_length=max_length, label=label, required=required)
    except ValidationError as exc:
        raise PortRefused(exc.messages[0], field=field) from None


def _clean(details: PortDetails, *, today: date | None = None) -> dict[str, Any]:
    """The request's fields, checked, as the model stores them (without the numbers)."""
    fields: dict[str, Any] = {
        "losing_carrier": _field(details.losing_carrier, field="losing_carrier",
                                 label="The losing carrier", max_length=CARRIER_MAX),
        "account_number": _field(details.account_number, field="account_number",
                                 label="The account number", max_length=ACCOUNT_MAX),
        "address_line1": _field(details.address_line1, field="address_line1",
                                label="The service address", max_length=80),
        "address_line2": _field(details.address_line2, field="address_line2",
                                label="Address line 2", max_length=80, required=False),
        "city": _field(details.city, field="city", label="The city", max_length=50),
        "authorized_name": _field(details.authorized_name, field="authorized_name",
                                  label="The authorized person's name", max_length=NAME_MAX),
        "authorized_title": _field(details.authorized_title, field="authorized_title",
                                   label="The authorized person's title", max_length=NAME_MAX),
    }
    try:
        fields["region"] = normalize_state(details.region)
    except ValidationError as exc:
        raise PortRefused(exc.messages[0], field="region") from None
    try:
        fields["zip_code"] = normalize_zip(details.zip_code)
    except ValidationError as exc:
        raise PortRefused(exc.messages[0], field="zip_code") from None
    try:
        fields["billing_telephone_number"] = to_e164(details.billing_telephone_number)
    except InvalidNumber as exc:
        raise PortRefused(f"Billing telephone number: {exc.message}",
                          field="billing_telephone_number") from None
    pin = (details.pin or "").strip()
    if len(pin) > PIN_MAX or not all(ch.isascii() and ch.isalnum() for ch in pin):
        raise PortRefused(f"The PIN has letters and digits only, at most {PIN_MAX}.",
                          field="pin")
    fields["pin"] = pin
    fields["desired_date"] = desired_date_clean(details.desired_date, today=today)
    return fields


def _numbers(details: PortDetails, *, port: PortRequest | None, partner_id: int) -> list[str]:
    numbers = parse_numbers(details.numbers)
    problems = number_conflicts(numbers=numbers, port=port, partner_id=partner_id)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise PortNumbersRefused(" ".join(problems[:5]) + more, field="numbers")
    return numbers


def _audit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as the audit row records them: never the PIN, only whether one is set."""
    shown = {k: (str(v) if isinstance(v, date) else v) for k, v in fields.items() if k != "pin"}
    shown["pin_given"] = bool(fields.get("pin"))
    return shown


def _write_numbers(port: PortRequest, numbers: list[str]) -> None:
    port.numbers.exclude(e164__in=numbers).delete()
    have = set(port.numbers.values_list("e164", flat=True))
    PortedNumber.objects.bulk_create(
        [PortedNumber(port=port, e164=n) for n in numbers if n not in have])


def _refuse_taken(numbers: list[str], port: PortRequest | None, partner_id: int) -> None:
    """After the database's constraint refused a number another request took meanwhile."""
    problems = number_conflicts(numbers=numbers, port=port, partner_id=partner_id)
    raise PortNumbersRefused(" ".join(problems[:5]) or "A number was just put in another "
                             "open port request; check the numbers.", field="numbers")


def port_create(*, user: User, details: PortDetails, customer_id: int | None = None,
                order_id: int | None = None, via: str | None = None) -> PortRequest:
    """Start a port request (unconfirmed) for a customer or the draft order it belongs to."""
    account = port_account(user=user, customer_id=customer_id, order_id=order_id)
    partner_id, customer, order, name = (account.partner_id, account.customer, account.order,
                                         account.name)
    _refuse_read_only(customer)
    fields = _clean(details)
    numbers = _numbers(details, port=None, partner_id=partner_id)
    try:
        with transaction.atomic():
            port = PortRequest.objects.create(partner_id=partner_id, customer=customer,
                                              order=order, account_name=name[:80],
                                              created_by=user, **fields)
            _write_numbers(port, numbers)
            audit_record(actor=user, action="port.create", obj=port, via=via,
                         changes={**_audit_fields(fields),
                                  "numbers": [display(n) for n in numbers],
                                  "customer_id": customer.pk if customer else None,
                                  "order_id": order.pk if order else None})
    except IntegrityError:
        _refuse_taken(numbers, None, partner_id)
    logger.info("port %s: created by %s for %s (%s numbers)", port.pk, user.username,
                name, len(numbers))
    return port


def _refuse_read_only(customer: Customer | None) -> None:
    """A disconnected customer ports nothing in: BroadWorks no longer holds its group."""
    if customer is not None and customer.read_only_reason:
        raise PortRefused(f"{customer.read_only_reason} No port request can be started or "
                          "changed for it.", code="customer_disconnected", field="customer")


def _locked(user: User, port_id: int) -> PortRequest:
    port_get(user=user, port_id=port_id)  # NotFound for another partner's request
    return PortRequest.objects.select_for_update().get(pk=port_id)


def port_update(*, user: User, port_id: int, details: PortDetails,
                via: str | None = None) -> PortRequest:
    """Change the request while it is unconfirmed or rejected. A blank PIN keeps the stored
    one (pages never show it, so the form cannot send it back)."""
    port = port_get(user=user, port_id=port_id)
    _refuse_read_only(port.customer)
    fields = _clean(details)
    if not fields["pin"]:
        fields.pop("pin")
    numbers = _numbers(details, port=port, partner_id=port.partner_id)
    try:
        with transaction.atomic():
            port = _locked(user, port_id)
            if port.state not in EDITABLE_STATES:
                raise PortRefused(f"A {PortState(port.state).label.lower()} request cannot be "
                                  "changed any more; comment on it instead.", field="state")
            before = {k: getattr(port, k) for k in fields}
            for key, value in fields.items():
                setattr(port, key, value)
            port.save(update_fields=[*fields, "updated_at"])
            old_numbers = list(port.numbers.values_list("e164", flat=True))
            _write_numbers(port, numbers)
            changes: dict[str, Any] = {k: [str(before[k]), str(v)] for k, v in fields.items()
                                       if k != "pin" and before[k] != v}
            if "pin" in fields and before["pin"] != fields["pin"]:
                changes["pin"] = "changed"
            if sorted(old_numbers) != sorted(numbers):
                changes["numbers"] = [display(n) for n in numbers]
            audit_record(actor=user, action="port.update", obj=port, changes=changes, via=via)
    except IntegrityError:
        _refuse_taken(numbers, port, port.partner_id)
    return port


def port_loa_attach(*, user: User, port_id: int, content: bytes,
                    via: str | None = None) -> PortRequest:
    """Keep the signed LOA (checked: a PDF, at most 10 MB). Nothing is stored when refused;
    a replaced copy is deleted once the new one is committed."""
    port_get(user=user, port_id=port_id)
    storage.loa_check(content)
    name = storage.loa_store(content)
    try:
        with transaction.atomic():
            port = _locked(user, port_id)
            if port.state not in EDITABLE_STATES:
                raise PortRefused(f"The LOA of a {PortState(port.state).label.lower()} "
                                  "request cannot be replaced.", field="file")
            old = port.loa_file
            port.loa_file, port.loa_size = name, len(content)
            port.loa_uploaded_at = timezone.now()
            port.save(update_fields=["loa_file", "loa_size", "loa_uploaded_at", "updated_at"])
            audit_record(actor=user, action="port.loa_attach", obj=port, via=via,
                         changes={"size": len(content), "replaced": bool(old)})
            if old:
                transaction.on_commit(lambda: storage.loa_remove(old))
    except BaseException:
        storage.loa_remove(name)
        raise
    return port


def port_transition(*, port: PortRequest, to: str, by: User | None, note: str = "",
                    fields: dict[str, Any] | None = None, via: str | None = None
                    ) -> PortRequest:
    """The one function that changes a request's state, along TRANSITIONS.

    Compare-and-set (a move decided on a stale read is refused with StalePortState), one
    history row, one audit row and the numbers' ``is_open`` in the same transaction; the
    author is e-mailed after it commits.
    """
    expected = port.state
    if to not in TRANSITIONS.get(expected, frozenset()):
        raise InvalidPortTransition(
            f"Port request {port.reference} cannot go from {PortState(expected).label} to "
            f"{PortState(to).label}.", field="state")
    extra = dict(fields or {})
    with transaction.atomic():
        now = timezone.now()
        moved = PortRequest.objects.filter(pk=port.pk, state=expected).update(
            state=to, updated_at=now, **extra)
        if not moved:
            raise StalePortState(f"Port request {port.reference} was changed meanwhile; "
                                 "reload it and try again.", field="state")
        if to in CLOSED_STATES:
            PortedNumber.objects.filter(port=port).update(is_open=False)
        PortStateChange.objects.create(port=port, from_state=expected, to_state=to,
                                       changed_by=by, note=note[:REASON_MAX])
        audit_record(actor=by, action=f"port.{to}", obj=port, reason=note, via=via,
                     changes={"state": [expected, to],
                              **{k: str(v) for k, v in extra.items()}})
        port_notify_after_commit(port)
        for key, value in extra.items():
            setattr(port, key, value)
        port.state = to
        port_state_changed(port=port, from_state=expected, to_state=to)  # partners' webhooks
    port.state = to
    port.updated_at = now
    for key, value in extra.items():
        setattr(port, key, value)
    logger.info("port %s: %s -> %s by %s", port.pk, expected, to,
                by.username if by else "system")
    return port


def _move(*, user: User, port_id: int, to: str, note: str = "",
          fields: dict[str, Any] | None = None, via: str | None = None) -> PortRequest:
    port = port_get(user=user, port_id=port_id)
    allowed = STAFF_MOVES if user.is_provider_staff else PARTNER_MOVES
    if (port.state, to) not in allowed and to in TRANSITIONS.get(port.state, frozenset()):
        who = "the partner" if user.is_provider_staff else "operations"
        raise InvalidPortTransition(
            f"Only {who} can move a {PortState(port.state).label.lower()} request to "
            f"{PortState(to).label.lower()}; comment on it to ask.", field="state")
    return port_transition(port=port, to=to, by=user, note=note, fields=fields, via=via)


def _require_staff(user: User) -> None:
    """Staff's moves: a partner's user gets the same 404 as for a request it cannot see."""
    if not user.is_provider_staff:
        raise NotFound("No such port request.")


def _reason(value: str, *, required: bool, label: str = "The reason") -> str:
    try:
        return clean_text(value or "", max_length=REASON_MAX, label=label, required=required)
    except ValidationError as exc:
        raise PortRefused(exc.messages[0], field="reason") from None


def port_submit(*, user: User, port_id: int, via: str | None = None) -> PortRequest:
    """The partner sends the request to operations, with the signed LOA attached; the
    desired date is checked again (it may have come too close since the draft was made)."""
    port = port_get(user=user, port_id=port_id)
    if port.state in EDITABLE_STATES:
        if not port.loa_file:
            raise PortRefused("Upload the signed letter of authorization before submitting.",
                              field="file")
        desired_date_clean(port.desired_date)
    return _move(user=user, port_id=port_id, to=PortState.SUBMITTED,
                 fields={"submitted_at": timezone.now(), "rejection_reason": ""}, via=via)


def port_cancel(*, user: User, port_id: int, reason: str = "",
                via: str | None = None) -> PortRequest:
    """Cancel the request; an order that waited only for it goes on without its numbers."""
    note = _reason(reason, required=False)
    with transaction.atomic():
        port = _move(user=user, port_id=port_id, to=PortState.CANCELED, note=note, via=via)
        order = _placed_order(port)
        if order is not None and not order_open_ports(order):
            order_port_closed(order=order, by=user,
                              note=f"Port {port.reference} canceled; finishing the order "
                                   "without its numbers.")
    return port


def port_mark_pending(*, user: User, port_id: int, note: str = "",
                      via: str | None = None) -> PortRequest:
    """Staff: the request has been sent to the losing carrier."""
    _require_staff(user)
    return _move(user=user, port_id=port_id, to=PortState.PENDING,
                 note=_reason(note, required=False), via=via)


def foc_clean(value: datetime | None, *, now: datetime | None = None) -> datetime:
    """The firm order commitment the carrier gave: not in the past, on a business day."""
    if value is None:
        raise PortRefused("Enter the FOC date and time the carrier confirmed.", field="foc_at")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = now or timezone.now()
    try:
        ahead = value - now
        day = timezone.localtime(value).date()
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first UTC date
        raise PortRefused("The FOC is not a date a carrier can use.", field="foc_at") from None
    if ahead > MAX_AHEAD:
        raise PortRefused("The FOC may be at most a year out.", field="foc_at")
    if value < now:
        raise PortRefused(f"The FOC {value:%Y-%m-%d %H:%M} is in the past.", field="foc_at")
    holiday = holiday_name(day)
    if holiday:
        raise PortRefused(f"{day:%Y-%m-%d} is a federal holiday ({holiday}); carriers do not "
                          "port then.", field="foc_at")
    if not is_business_day(day):
        raise PortRefused(f"{day:%Y-%m-%d} is a weekend day; the FOC is on a business day.",
                          field="foc_at")
    return value


def port_schedule(*, user: User, port_id: int, foc_at: datetime | None,
                  via: str | None = None) -> PortRequest:
    """Staff: the carrier confirmed the port for ``foc_at`` (FOC)."""
    _require_staff(user)
    foc = foc_clean(foc_at)
    return _move(user=user, port_id=port_id, to=PortState.SCHEDULED,
                 note=f"FOC {timezone.localtime(foc):%Y-%m-%d %H:%M %Z}",
                 fields={"foc_at": foc}, via=via)


def port_complete(*, user: User, port_id: int, via: str | None = None) -> PortRequest:
    """Staff: the numbers moved, on or after the FOC date."""
    _require_staff(user)
    port = port_get(user=user, port_id=port_id)
    if port.foc_at is not None and timezone.localdate() < timezone.localtime(port.foc_at).date():
        raise PortRefused(f"The port is scheduled for {timezone.localtime(port.foc_at):%Y-%m-%d}"
                          "; it can be completed on that date or later.", field="state")
    with transaction.atomic():
        port = _move(user=user, port_id=port_id, to=PortState.COMPLETED, via=via)
        _completion_provision(port=port, user=user)
    return port


def _placed_order(port: PortRequest) -> Order | None:
    """The saved order the request belongs to (a draft's request waits for Save Order)."""
    if port.order_id is None:
        return None
    order = (Order.objects.select_for_update(of=("self",), no_key=True)
             .select_related("customer").get(pk=port.order_id))
    return None if order.is_draft else order


def _needs_carrier_order(customer: Customer) -> bool:
    """A port without an order reaches BroadWorks through an order of its own when the
    customer is in service there (hosted, active, not disconnected). A customer whose first
    order has not completed gets the numbers from that order's run (the plan provisions all
    the customer's assigned numbers); a Trunking customer's are set up by hand."""
    return (customer.activated_at is not None and customer.disconnected_at is None
            and customer.cancelled_at is None and not customer.is_trunking)


def _completion_provision(*, port: PortRequest, user: User) -> None:
    """The numbers are ours now (item 4 of issue 18), in the completion's transaction: they
    enter the inventory assigned to the customer and the request's order, go to the users
    chosen on the request, the order's Billing Start Date follows the completion when it was
    left "on port completion", and the order is provisioned again (the same diff engine adds
    the numbers to the enterprise and the group, and activates the order after its last
    port). A request without an order, for a customer in service, gets an add-services
    order of its own carrying just those numbers (``orders.services.order_port_numbers_*``),
    saved and queued here; otherwise its numbers stay assigned to the customer."""
    order = _placed_order(port)
    if port.order_id is not None and order is None:
        raise PortRefused("The request's order is still a draft: save the order first, then "
                          "complete the port.", field="state")
    customer = order.customer if order is not None else port.customer
    if customer is None:
        raise PortRefused("The request has no customer to give its numbers to.",
                          field="state")
    rows = list(port.numbers.all())
    carrier = None
    if order is None and _needs_carrier_order(customer):
        from orion.orders.services import order_port_numbers_start

        carrier = order_port_numbers_start(customer=customer, by=user,
                                           port_reference=port.reference)
    dids = numbers_port_in(numbers=[r.e164 for r in rows], customer=customer,
                           order=order or carrier, by=user,
                           note=f"Ported in ({port.reference})")
    if carrier is not None:
        from orion.orders.services import order_port_numbers_place

        order_port_numbers_place(order=carrier, by=user, port_reference=port.reference)
    given = []
    for row in rows:
        if row.user_id is None or order is None:
            continue
        seat = OrderUser.objects.select_for_update().filter(
            pk=row.user_id, order_id=order.pk, number__isnull=True).first()
        if seat is not None:
            seat.number = dids[row.e164]
            seat.save(update_fields=["number"])
            given.append(f"{display(row.e164)} to {seat}")
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(customer.time_zone)) \
        if customer.time_zone else timezone.localdate()
    billing = False
    if order is not None:
        billing = order_billing_start_on_port(order=order, day=today, by=user,
                                              port_reference=port.reference)
        if not order_open_ports(order):
            order_port_closed(order=order, by=user,
                              note=f"Port {port.reference} completed; provisioning its "
                                   "numbers.")
    audit_record(actor=user, action="port.numbers_in", obj=port,
                 changes={"numbers": [display(r.e164) for r in rows], "users": given,
                          "order_id": order.pk if order else None,
                          "carrier_order_id": carrier.pk if carrier else None,
                          "customer_id": customer.pk, "billing_start_date":
                          today.isoformat() if billing else None})


def port_reject(*, user: User, port_id: int, reason: str,
                via: str | None = None) -> PortRequest:
    """Staff: the carrier refused the request; ``reason`` is the carrier's, for the partner to
    fix and resubmit."""
    _require_staff(user)
    text = _reason(reason, required=True, label="The carrier's reason")
    return _move(user=user, port_id=port_id, to=PortState.REJECTED, note=text,
                 fields={"rejection_reason": text}, via=via)


def port_number_user_set(*, user: User, port_id: int, e164: str, order_user_id: int | None,
                         via: str | None = None) -> PortedNumber:
    """Choose the user (seat) of the request's order that gets ``e164`` when the port
    completes (None: the number goes to the group only). Open requests only; a seat that has
    a number, or is chosen for another number of the request, is refused by name."""
    port = port_get(user=user, port_id=port_id)
    if port.state in CLOSED_STATES:
        raise PortRefused(f"The request is {PortState(port.state).label.lower()}.",
                          field="user")
    if port.order_id is None:
        raise PortRefused("A request without an order gives its numbers to the customer's "
                          "group; give them to users on the customer's next order.",
                          field="user")
    try:
        number = to_e164(e164)
    except InvalidNumber:
        raise NotFound("No such number in the request.") from None
    with transaction.atomic():
        row = PortedNumber.objects.select_for_update().filter(port=port, e164=number).first()
        if row is None:
            raise NotFound("No such number in the request.")
        seat = None
        if order_user_id is not None:
            seat = OrderUser.objects.filter(pk=order_user_id,
                                            order_id=port.order_id).first()
            if seat is None:
                raise PortRefused("Choose one of the order's users.", field="user")
            if seat.number_id is not None:
                raise PortRefused(f"{seat} already has a number.", field="user")
            if port.numbers.filter(user=seat).exclude(pk=row.pk).exists():
                raise PortRefused(f"{seat} is already chosen for another number of the "
                                  "request.", field="user")
        before = str(row.user) if row.user_id else ""
        row.user = seat
        row.save(update_fields=["user"])
        audit_record(actor=user, action="port.number_user", obj=port, via=via,
                     changes={"number": display(number),
                              "user": [before, str(seat) if seat else ""]})
    return row


def port_comment_add(*, user: User, port_id: int, text: str,
                     via: str | None = None) -> PortComment:
    port = port_get(user=user, port_id=port_id)
    try:
        body = clean_text(text, max_length=COMMENT_MAX, label="The comment")
    except ValidationError as exc:
        raise PortRefused(exc.messages[0], field="text") from None
    with transaction.atomic():
        comment = PortComment.objects.create(port=port, author=user, text=body)
        audit_record(actor=user, action="port.comment", obj=port, via=via,
                     changes={"comment_id": comment.pk})
    return comment
