"""E911: the dispatchable location of each number, checked as an E911 provisioning API
(Bandwidth's, Intrado's) checks it before it accepts an address, the hold of an order whose
hosted numbers lack one, and the "E911 Surcharge" line each located number bills.

Why here: a location belongs to a number (``numbers.models.E911Location``) and goes with it
when the number leaves the customer (``moves.dids_move``); provisioning asks this module
before it completes an order, and queues the order again through ``provisioning.queue`` when
the last missing location is given.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from orion.accounts.models import Customer, User, Viewer
from orion.accounts.validators import clean_name, normalize_state, normalize_zip
from orion.audit.services import audit_record
from orion.catalog.models import Package
from orion.core.exceptions import NotFound
from orion.numbers.exceptions import E911Refused
from orion.numbers.models import DID, E911Location
from orion.numbers.selectors import bills_e911, e911_surcharge_package, order_e911_count
from orion.numbers.states import NumberState
from orion.orders.changes import customer_current_quantities
from orion.orders.models import Order, OrderKind, OrderLine
from orion.orders.states import OrderState
from orion.provisioning.resume import order_e911_fixed

logger = logging.getLogger(__name__)

# The note of an order held for missing locations; the order page shows it as the reason and
# ``e911_set`` recognises it to queue the order again once every number is fixed.
E911_HELD_PREFIX = "E911: give a dispatchable location for"

# "PO Box 12", "P.O. Box", "P. O. Box", "Post Office Box", "POB 12", "P.O.B.", "Box 12"
# at the start, "Lockbox": what E911 validators refuse (a 911 call cannot be sent to a box).
_PO_BOX = re.compile(
    r"\b(?:p\.?\s*o\.?\s*b(?:ox|\.)?|post\s+office\s+box|postal\s+box|lock\s*box)\b"
    r"|^\s*box\s+\d", re.IGNORECASE)
# A house number first: 123, 123A, 123-45 (Queens), 123 1/2; then a street name.
_HOUSE_NUMBER = re.compile(r"^[0-9]+[A-Za-z]?(?:-[0-9]+[A-Za-z]?)?(?:\s+1/2)?\s+\S")


@dataclass(frozen=True)
class E911Address:
    """What a person types for a number's location."""

    address_line1: str
    city: str
    state: str
    zip_code: str
    address_line2: str = ""


def _text(value: str, *, field: str, label: str, max_length: int,
          required: bool = True) -> str:
    try:
        return clean_name(value or "", max_length=max_length, label=label, required=required)
    except ValidationError as exc:
        raise E911Refused(exc.messages[0], field=field) from None


def e911_clean(address: E911Address) -> dict[str, str]:
    """The location's fields, checked; refused with the field and the reason."""
    street = _text(address.address_line1, field="address_line1", label="The street",
                   max_length=80)
    line2 = _text(address.address_line2, field="address_line2",
                  label="Building / floor / suite", max_length=60, required=False)
    for value, field in ((street, "address_line1"), (line2, "address_line2")):
        if _PO_BOX.search(value):
            raise E911Refused("A P.O. box is not a dispatchable location: give the street "
                              "address where the phone is used.", field=field)
    if not _HOUSE_NUMBER.match(street):
        raise E911Refused("Start the street with the house number (for example "
                          "\"350 Fifth Avenue\").", field="address_line1")
    city = _text(address.city, field="city", label="The city", max_length=50)
    try:
        state = normalize_state(address.state)
    except ValidationError:
        raise E911Refused("Enter the two-letter code of a US state, DC or a territory (PR, GU, "
                          "VI, AS, MP).", field="state") from None
    try:
        zip_code = normalize_zip(address.zip_code)
    except ValidationError as exc:
        raise E911Refused(exc.messages[0], field="zip_code") from None
    return {"address_line1": street, "address_line2": line2, "city": city, "state": state,
            "zip_code": zip_code}


def customer_default_address(customer: Customer) -> dict[str, str] | None:
    """The customer's service address as a location, or None when it would not pass (a P.O.
    box, no house number): then each number needs its own."""
    try:
        return e911_clean(E911Address(address_line1=customer.address_line1,
                                      address_line2=customer.address_line2,
                                      city=customer.city, state=customer.state,
                                      zip_code=customer.zip_code))
    except E911Refused:
        return None


def _visible_numbers(user: Viewer) -> QuerySet[DID]:
    """Numbers this user may locate: the partner's (on its orders or its customers)."""
    rows = DID.objects.filter(state__in=[NumberState.RESERVED, NumberState.ASSIGNED])
    if user.is_provider_staff:
        return rows
    if not user.is_authenticated or user.partner_id is None:
        return rows.none()
    return rows.filter(Q(order__partner_id=user.partner_id)
                       | Q(customer__partner_id=user.partner_id))


def e911_number_get(*, user: Viewer, did_id: int) -> DID:
    """The number, if this user may see it (another partner's: NotFound, as for none)."""
    did = (_visible_numbers(user).select_related("order", "customer", "e911")
           .filter(pk=did_id).first())
    if did is None:
        raise NotFound("No such number.")
    return did


def _refuse_read_only(did: DID) -> None:
    """A number of a disconnected customer (or of an order of one) keeps its location as it
    was: the customer is read-only."""
    customer = did.customer or (did.order.customer if did.order is not None else None)
    if customer is not None and customer.read_only_reason:
        raise E911Refused(f"{customer.read_only_reason} Its numbers' E911 locations cannot "
                          "be changed.", code="customer_disconnected")


def e911_set(*, user: User, did_id: int, address: E911Address,
             via: str | None = None) -> E911Location:
    """Give a number its dispatchable location (checked), audited. On a placed order the
    surcharge line follows, and an order held only for missing locations is queued again
    when this was the last one."""
    fields = e911_clean(address)
    with transaction.atomic():
        did = e911_number_get(user=user, did_id=did_id)
        _refuse_read_only(did)
        did = DID.objects.select_for_update().get(pk=did.pk)
        before = E911Location.objects.filter(did=did).first()
        location, _ = E911Location.objects.update_or_create(
            did=did, defaults={**fields, "is_default": False, "updated_by": user})
        audit_record(actor=user, action="number.e911_set", obj=did, via=via,
                     changes={"location": [before.one_line if before else "",
                                           location.one_line]})
        order = Order.objects.filter(pk=did.order_id).first() if did.order_id else None
        if order is not None and not order.is_draft:
            e911_surcharge_sync(order=order)
            _resume_if_fixed(order=order, by=user)
    logger.info("number %s: E911 location set by %s", did.e164, user.username)
    return location


def _required(order: Order) -> QuerySet[DID]:
    """The order's numbers that must have a location: hosted numbers of a hosted customer.
    A trunking customer's numbers (and numbers marked for trunking) ride the customer's PBX,
    which sends its own location per call (ELIN); they may have one, and bill it if so."""
    rows = DID.objects.filter(order=order, state=NumberState.ASSIGNED, is_for_trunking=False)
    if order.customer is not None and order.customer.is_trunking:
        return rows.none()
    return rows


def order_e911_missing(*, order: Order) -> list[DID]:
    """The order's numbers still without a location (after the customer's default)."""
    return list(_required(order).filter(e911__isnull=True).order_by("e164"))


def order_e911_defaults_apply(*, order: Order) -> list[DID]:
    """Give every required number without a location the customer's service address (when
    that address passes the checks); return the numbers still missing one.

    Run by provisioning before it provisions: the partner may have typed locations on the
    form; those are kept. The locations and their audit row are one transaction. The E911
    Surcharge line stays as Save Order wrote it: the numbers given a location here are a
    hosted customer's hosted numbers, which bill the surcharge with or without one
    (``bills_e911``), so the count does not change."""
    customer = order.customer
    missing = order_e911_missing(order=order)
    if not missing or customer is None:
        return missing
    default = customer_default_address(customer)
    if default is None:
        return missing
    # No savepoint of its own within the caller's transaction: nothing here is caught and
    # carried on from, so a failure rolls the caller back too (two statements fewer).
    with transaction.atomic(savepoint=False):
        E911Location.objects.bulk_create(
            [E911Location(did=did, is_default=True, **default) for did in missing],
            ignore_conflicts=True)
        audit_record(actor=None, action="order.e911_defaults", obj=order,
                     changes={"numbers": [did.display for did in missing],
                              "location": ", ".join(v for v in default.values() if v)})
    # Every one of them has a location now: this insert's, or (a conflict, ignored) the one a
    # concurrent edit gave it first (E911Location.did is unique). None is missing.
    return []


def e911_held_note(missing: list[DID]) -> str:
    shown = ", ".join(did.display for did in missing[:20])
    more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
    return (f"{E911_HELD_PREFIX} {shown}{more} (the customer's service address is not one: "
            "a P.O. box or no house number). Fix them on the DIDs list; the order continues.")


def e911_surcharge_sync(*, order: Order) -> int:
    """The order's "E911 Surcharge" line, one per number that bills it (``OrderNumbers.
    e911_count``: Save Order writes it, provisioning and each edit keep it true), at the
    catalog's price when the line is first written, like the Additional DID line."""
    package = e911_surcharge_package()
    if order.kind == OrderKind.CHANGE and package is not None:
        return _change_e911_line(order=order, package=package)
    count = order_e911_count(order=order)
    if package is None:
        return count
    if count:
        line = OrderLine.objects.filter(order=order, package=package).first()
        if line is None:
            OrderLine.objects.create(order=order, package=package, quantity=count,
                                     charge_type=package.charge_type,
                                     unit_price=package.price, included_dids=0)
        elif line.quantity != count:
            line.quantity = count
            line.save(update_fields=["quantity"])
    else:
        OrderLine.objects.filter(order=order, package=package).delete()
    return count


def _change_e911_line(*, order: Order, package: Package) -> int:
    """A change moves the customer's surcharge count from what it is billed now (its orders'
    surcharge lines, ``customer_current_quantities``) to the numbers that bill it after the
    change: the customer's numbers plus the change's new ones, less those it gives back. The
    line is a ``was -> new`` line (a decrease is credited from the effective date, like any
    other); none when the count stays. Returns the count after the change."""
    customer = order.customer
    assert customer is not None  # a change is always of a customer
    before = customer_current_quantities(
        customer=customer, exclude_order_id=order.pk).get(package.pk, 0)
    given_back = set(order.removals.filter(number__isnull=False)
                     .values_list("number_id", flat=True))
    hosted = not customer.is_trunking
    rows = (DID.objects.filter(Q(customer=customer, state=NumberState.ASSIGNED)
                               | Q(order=order, state__in=[NumberState.RESERVED,
                                                           NumberState.ASSIGNED]))
            .exclude(pk__in=given_back).values_list("npa", "is_for_trunking", "e911__id"))
    after = sum(1 for npa, trunking, location in rows if bills_e911(
        npa=npa, located=location is not None, is_for_trunking=trunking, hosted=hosted))
    if before == after:
        OrderLine.objects.filter(order=order, package=package).delete()
        return after
    OrderLine.objects.update_or_create(
        order=order, package=package,
        defaults={"quantity": after, "previous_quantity": before,
                  "charge_type": package.charge_type, "unit_price": package.price,
                  "included_dids": 0})
    return after


def _resume_if_fixed(*, order: Order, by: User | None) -> None:
    """An order held for missing locations goes on once none is missing."""
    if order.state != OrderState.HELD or order_e911_missing(order=order):
        return
    last = order.state_changes.order_by("-changed_at", "-pk").first()
    if last is None or not last.note.startswith(E911_HELD_PREFIX):
        return
    order_e911_fixed(order=order, by=by)
