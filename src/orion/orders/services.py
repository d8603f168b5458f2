"""Writes on orders: start a draft, edit its package lines, Save Order, change state.

Save Order follows Oscar's ``OrderCreator``: validate everything first, then one
``transaction.atomic()`` that locks the draft row, creates the enterprise and customer when
the order is for new ones, freezes prices and numbers the order. A second Save Order of the
same draft (a double click, a form posted twice) waits on that lock and then finds the order
already placed, so it makes no second order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from orion.accounts.exceptions import DomainInUse
from orion.accounts.models import Customer, Enterprise, Partner, ServiceType, User
from orion.accounts.selectors import account_duplicate_find
from orion.accounts.services import customer_create, enterprise_create
from orion.accounts.validators import ascii_int
from orion.audit.services import audit_record
from orion.catalog.models import E911_SURCHARGE_PACKAGE, Package
from orion.core.clock import local_date, local_today
from orion.core.exceptions import NotFound
from orion.numbers import conf as number_conf
from orion.numbers.nanp import display
from orion.numbers.services import order_numbers_place, order_numbers_released
from orion.numbers.services.e911 import e911_surcharge_sync
from orion.orders import changes
from orion.orders.exceptions import (
    DuplicateAccountName,
    NumbersReleased,
    OrderError,
    OrderNotEditable,
    OrderValidationError,
)
from orion.orders.lifecycle import clean_reason, order_transition
from orion.orders.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_REQUIRED,
    ENTERPRISE_NAME_LABEL,
    MAX_QUANTITY,
    Order,
    OrderKind,
    OrderLine,
)
from orion.orders.states import BILLING_START_CLOSED_STATES, OrderState
from orion.provisioning.queue import order_provisioning_start
from orion.users.rules import seat_quantity_check
from orion.users.services import order_users_check, order_users_place, order_users_release

logger = logging.getLogger(__name__)
DRAFT_REUSE_WINDOW = timedelta(hours=12)


def order_start(*, user: User, kind: str, enterprise: Enterprise | None = None,
                customer: Customer | None = None, partner: Partner | None = None) -> Order:
    """Open the order form: a draft for a new enterprise, a new customer, or added services.

    The caller has already checked that ``user`` may see ``enterprise``/``customer``. A user's
    own untouched draft for the same target is reused, so opening the form twice does not
    leave empty drafts behind.

    Provider staff act for a partner: the order belongs to the account's partner, or for a new
    enterprise to ``partner`` (which they choose), and records who placed it for them
    (``placed_by_staff``, and an ``order.start_for_partner`` audit entry). Everything the order
    then creates or reserves is that partner's, exactly as if the partner had placed it.
    """
    if kind == OrderKind.DISCONNECT:
        # Nothing to draft: saved in one step (orders.disconnect), never through a draft.
        raise OrderError("A disconnect is saved in one step: use Disconnect customer on the "
                         "customer's OrderForms tab (API: POST /customers/{id}/disconnect).",
                         code="disconnect_in_one_step", field="kind")
    if kind == OrderKind.NEW_CUSTOMER and enterprise is None:
        raise OrderError("A new customer needs its enterprise.", code="target_required",
                         field="enterprise_id")
    if kind in (OrderKind.ADD_SERVICES, OrderKind.CHANGE):
        if customer is None:
            raise OrderError("Adding or changing services needs the customer.",
                             code="target_required", field="customer_id")
        enterprise = customer.enterprise
    for account in (customer, enterprise):
        if account is not None and account.cancelled_at is not None:
            raise OrderError(f"{account.name} was cancelled with the order that created it; "
                             "start a new order for a new account instead.",
                             code="account_cancelled")
    if customer is not None and customer.disconnected_at is not None:
        raise OrderError(f"{customer.name} was disconnected on "
                         f"{local_date(customer.disconnected_at, customer.time_zone):%Y-%m-%d}; "
                         "it is kept read-only, with its history. Start a new customer order "
                         "instead.", code="customer_disconnected")
    partner_id = _order_partner_id(user=user, enterprise=enterprise, partner=partner)
    for_partner = user.is_provider_staff
    reusable = Order.objects.filter(
        state=OrderState.DRAFT, created_by=user, kind=kind, enterprise=enterprise,
        customer=customer, partner_id=partner_id, lines__isnull=True, dids__isnull=True,
        did_backorders__isnull=True,
        version=1,  # nothing typed (autosave, orion.orders.drafts): a draft with work is kept
        created_at__gte=timezone.now() - DRAFT_REUSE_WINDOW,
    ).order_by("-created_at").first()
    if reusable is not None:
        return reusable
    order = Order(kind=kind, partner_id=partner_id, enterprise=enterprise, customer=customer,
                  created_by=user, placed_by_staff=user if for_partner else None)
    if customer is not None:
        order.company_name = customer.name
        order.time_zone = customer.time_zone
        order.service_type = customer.service_type
        order.domain = customer.domain
    with transaction.atomic():
        order.save()
        if for_partner:
            audit_record(actor=user, action="order.start_for_partner", obj=order, changes={
                "kind": order.kind, "partner": partner_id,
                "enterprise": order.enterprise_id, "customer": order.customer_id})
    return order


def order_change_start(*, user: User, customer_id: int) -> Order:
    """Change Services: a change order for the customer, its form prefilled with what the
    customer has now (``changes.customer_current_quantities``), one line per monthly package
    with previous quantity = quantity; the partner then raises, lowers (0 removes) or adds.

    Another partner's customer is a NotFound; a disconnected or cancelled customer, or one
    with an open change or disconnect, is refused with the reason.
    """
    customer = (Customer.objects.visible_to(user).select_related("enterprise")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound("No such customer.")
    problem = changes.customer_change_problem(customer)
    if problem:
        raise OrderError(problem, code="customer_not_changeable")
    other = changes.open_day_two_order(customer=customer)
    if other is not None:
        raise OrderError(changes.open_day_two_message(other), code="day_two_order_open")
    current = changes.customer_current_quantities(customer=customer)
    # The monthly packages the partner chose; the lines Save Order computes (Additional DID,
    # the E911 surcharge per number) follow the numbers, not the form.
    packages = (Package.objects.filter(pk__in=current, charge_type="MRC", is_extra_did=False)
                .exclude(name=E911_SURCHARGE_PACKAGE))
    with transaction.atomic():
        order = order_start(user=user, kind=OrderKind.CHANGE, customer=customer)
        have = set(order.lines.values_list("package_id", flat=True))
        OrderLine.objects.bulk_create(
            OrderLine(order=order, package=p, quantity=current[p.pk],
                      previous_quantity=current[p.pk], charge_type=p.charge_type,
                      unit_price=p.price, included_dids=p.included_dids)
            for p in packages.order_by("pk") if p.pk not in have)
    return order


def order_change_cancel(*, user: User, order_id: int, reason: str = "") -> Order:
    """Cancel a change order before it takes effect: until its effective date (the customer's
    day) and while it still waits (acknowledged), the partner may take it back. Its job finds
    the order cancelled and sends nothing; the users it added stop being live. Audited."""
    reason = clean_reason(reason)
    with transaction.atomic():
        order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
                 .select_related("customer").filter(pk=order_id).first())
        if order is None or order.kind != OrderKind.CHANGE:
            raise NotFound("No such change order.")
        assert order.customer is not None and order.effective_date is not None
        if order.state != OrderState.ACKNOWLEDGED:
            raise OrderError(f"Change {order} is {order.get_state_display().lower()}: it can "
                             "only be cancelled while it waits for its effective date.",
                             code="not_cancellable")
        if local_today(order.customer.time_zone) > order.effective_date:
            raise OrderError(f"Change {order} took effect on {order.effective_date:%Y-%m-%d}; "
                             "order another change instead.", code="not_cancellable")
        order.provisioning_steps.filter(status="pending").update(status="cancelled")
        order_transition(order=order, to=OrderState.CANCELLED, by=user,
                         note=("Change cancelled." + (f" Reason: {reason}" if reason else ""))
                         [:500])
        released = order_users_release(order=order)
        audit_record(actor=user, action="order.change_cancel", obj=order, reason=reason,
                     changes={"state": [OrderState.ACKNOWLEDGED, OrderState.CANCELLED],
                              "customer": order.customer_id, "users_released": released})
    logger.info("order %s: change cancelled by %s", order.number, user.username)
    return order


def _order_partner_id(*, user: User, enterprise: Enterprise | None,
                      partner: Partner | None) -> int:
    """Whose order it is: the account's partner; for a new enterprise the user's own partner,
    or, for provider staff, the partner they act for (which must be active)."""
    if enterprise is not None:
        if partner is not None and partner.pk != enterprise.partner_id:
            raise OrderError(f"{enterprise.name} belongs to another partner than "
                             f"{partner.name}; open the order from that partner's account.",
                             code="partner_mismatch", field="partner_id")
        return enterprise.partner_id
    if not user.is_provider_staff:
        if user.partner_id is None:
            raise NotFound("No such partner.")
        if partner is not None and partner.pk != user.partner_id:
            raise NotFound("No such partner.")  # another partner's: as if it did not exist
        return user.partner_id
    if partner is None:
        raise OrderError("Choose the partner this New Enterprise order is for.",
                         code="partner_required", field="partner_id")
    if not partner.is_active:
        raise OrderError(f"{partner.name} is not an active partner; choose another.",
                         code="partner_inactive", field="partner_id")
    return partner.pk


def _editable_draft(*, user: User, order_id: int, lock: bool = False) -> Order:
    queryset = Order.objects.visible_to(user)
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    order = queryset.filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(f"Order {order} has been saved and can no longer be edited.")
    return order


@transaction.atomic
def order_lines_add(*, user: User, order_id: int, order_type_id: int,
                    package_ids: Iterable[int]) -> list[OrderLine]:
    """Add Selected: put the ticked packages of one order type on the draft (quantity 1).

    A package already on the order stays as it is; a package that is not of the chosen order
    type, or is no longer sold, is refused by name.
    """
    order = _editable_draft(user=user, order_id=order_id, lock=True)
    wanted = {int(pk) for pk in package_ids}
    if not wanted:
        raise OrderError("Tick at least one package, then press Add Selected.",
                         code="no_package_selected")
    packages = {p.pk: p for p in Package.objects.filter(pk__in=wanted).select_related(
        "order_type")}
    missing = wanted - packages.keys()
    if missing:
        raise OrderError("One of the selected packages does not exist; reload the form.",
                         code="unknown_package")
    wrong = [p.name for p in packages.values() if p.order_type_id != order_type_id]
    if wrong:
        raise OrderError(
            f"{', '.join(sorted(wrong))} is not in the chosen order type; choose its own order "
            "type first.", code="package_wrong_order_type")
    inactive = [p.name for p in packages.values() if not p.is_active]
    if inactive:
        raise OrderError(f"{', '.join(sorted(inactive))} is no longer sold.",
                         code="package_inactive")
    if any(p.is_extra_did for p in packages.values()):
        raise OrderError("Additional DIDs are charged automatically for the DIDs beyond the "
                         "packages' allowance; order the DIDs with Select DIDs instead.",
                         code="package_not_pickable")
    if any(p.name == E911_SURCHARGE_PACKAGE for p in packages.values()):
        raise OrderError("The E911 Surcharge is charged automatically, one per number with an "
                         "E911 location.", code="package_not_pickable")
    present = set(order.lines.filter(package_id__in=wanted).values_list("package_id", flat=True))
    new_lines = [
        OrderLine(order=order, package=p, quantity=1, charge_type=p.charge_type,
                  unit_price=p.price, included_dids=p.included_dids)
        for pk, p in sorted(packages.items()) if pk not in present
    ]
    OrderLine.objects.bulk_create(new_lines)
    order.save(update_fields=["updated_at"])
    return new_lines


def validate_quantity(value: object, *, allow_zero: bool = False) -> int:
    """A line's quantity, 1-9,999; 0 too on a change order's line of a package the customer
    has (0 removes it, the order_line_quantity_0_to_9999 constraint)."""
    lowest = 0 if allow_zero else 1
    try:
        quantity = ascii_int(value)
    except (TypeError, ValueError):
        raise OrderError(f"Enter the quantity as a whole number from {lowest} to "
                         f"{MAX_QUANTITY:,}.", code="invalid_quantity", field="quantity") from None
    if not lowest <= quantity <= MAX_QUANTITY:
        raise OrderError(f"The quantity must be from {lowest} to {MAX_QUANTITY:,}.",
                         code="invalid_quantity", field="quantity")
    return quantity


@transaction.atomic
def order_line_set_quantity(*, user: User, order_id: int, line_id: int,
                            quantity: object) -> OrderLine:
    order = _editable_draft(user=user, order_id=order_id, lock=True)
    line = order.lines.select_related("package").filter(pk=line_id).first()
    if line is None:
        raise NotFound("That package is not on this order.")
    # A seat is a BroadWorks user: past the group's user limit, that is the reason given.
    seat_quantity_check(order=order, line=line, quantity=quantity)
    value = validate_quantity(quantity, allow_zero=line.previous_quantity > 0)
    line.quantity = value
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def order_line_remove(*, user: User, order_id: int, line_id: int) -> None:
    order = _editable_draft(user=user, order_id=order_id, lock=True)
    # A change order removes a package the customer has by lowering it to 0 (the line stays
    # and says "removed"); a package the change itself added just leaves the order.
    if order.kind == OrderKind.CHANGE and order.lines.filter(
            pk=line_id, previous_quantity__gt=0).update(quantity=0):
        return
    deleted, _ = order.lines.filter(pk=line_id).delete()
    if not deleted:
        raise NotFound("That package is not on this order.")


@dataclass(frozen=True)
class OrderDetails:
    """What the order form's fields say, already validated field by field (forms/API)."""

    billing_start_date: date
    notes: str = ""
    enterprise_name: str = ""
    company_name: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state_code: str = ""
    zip_code: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    domain: str = ""
    time_zone: str = ""
    service_type: str = ServiceType.HOSTED
    # Not an account field (``ACCOUNT_FIELDS``): the partner's answer to the duplicate-name
    # warning of Save Order ("This is a different customer, save anyway").
    confirm_duplicate: bool = False
    save_without_released: bool = False
    # Live activation (issue 18): the Billing Start Date above is the expected port date,
    # replaced by the completion of the last port; the service waits for a turn-up outside
    # Orion (a circuit, the PBX) and is activated by "Mark live".
    billing_start_on_port: bool = False
    awaiting_turn_up: bool = False
    # Change orders: the day the change takes effect (its Billing Start Date too).
    effective_date: date | None = None


BILLING_START_MAX_AHEAD_DAYS = 730
BILLING_START_TOO_FAR = "The billing start date may be at most two years ahead."


def _beyond_latest_billing_start(value: date, *, time_zone: str) -> bool:
    return value > local_today(time_zone) + timedelta(days=BILLING_START_MAX_AHEAD_DAYS)


def billing_start_date_problem(value: date, *, time_zone: str) -> str | None:
    """Why ``value`` cannot be a billing start date, or None. Today is the customer's today."""
    if value < local_today(time_zone):
        return "The billing start date cannot be in the past."
    if _beyond_latest_billing_start(value, time_zone=time_zone):
        return BILLING_START_TOO_FAR
    return None


def order_billing_start_date_open(*, order: Order) -> bool:
    """Whether the partner may still move a placed order's Billing Start Date (until the
    service is activated); afterwards only staff correct it, with a reason."""
    if order.kind == OrderKind.CHANGE:
        return False  # a change bills from its effective date
    return order.activated_at is None and order.state not in BILLING_START_CLOSED_STATES


def order_required_fields(*, kind: str) -> dict[str, str]:
    """The order form's required fields of an order ``kind`` (field -> label), from
    ``orion.orders.models.ACCOUNT_REQUIRED``."""
    if kind not in (OrderKind.NEW_ENTERPRISE, OrderKind.NEW_CUSTOMER):
        return {}
    required = {name: ACCOUNT_FIELDS[name] for name in ACCOUNT_REQUIRED}
    if kind == OrderKind.NEW_ENTERPRISE:
        required["enterprise_name"] = ENTERPRISE_NAME_LABEL
    return required


def order_domain_fallback(*, order: Order) -> str:
    """The domain a new customer gets when the order's Domain name is left empty.

    The same rule as provisioning (``Customer.group_domain``): the enterprise's default
    domain; a new enterprise without a domain takes the system domain.
    """
    from django.conf import settings

    if order.kind == OrderKind.NEW_CUSTOMER and order.enterprise is not None:
        return order.enterprise.default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    return settings.ORION_BROADWORKS_SYSTEM_DOMAIN


def _next_order_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (value,) = cursor.fetchone()
    return f"ORD-{value}"


@dataclass(frozen=True)
class SaveResult:
    order: Order
    created: bool  # False when the draft had already been saved (double submit)


def order_save(*, user: User, order_id: int, details: OrderDetails) -> SaveResult:
    """Save Order: place the draft, creating the new enterprise/customer, in one transaction."""
    with transaction.atomic():
        order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
                 .filter(pk=order_id).first())
        if order is None:
            raise NotFound("No such order.")
        if order.state != OrderState.DRAFT:
            if order.number:
                return SaveResult(order=order, created=False)
            raise OrderNotEditable(f"Order {order} can no longer be saved.")
        if order.kind == OrderKind.CHANGE:
            _check_change(order, details)
        else:
            _check_order(order, details)
        # The users (seats) follow the seat lines and keep BroadWorks' rules (orion.users).
        seats = order_users_check(order=order)
        if not details.confirm_duplicate:
            _check_duplicate_name(order, details)
        if not details.save_without_released:
            # Checked here, under the draft's lock, as well as on the form: a reservation
            # that runs out between the two must not lose its numbers silently.
            _check_released_numbers(order)
        _apply_details(order, details)
        if order.kind == OrderKind.NEW_ENTERPRISE:
            order.enterprise = enterprise_create(partner=order.partner,
                                                 name=details.enterprise_name, created_by=user,
                                                 default_domain=details.domain)
        if order.kind in (OrderKind.NEW_ENTERPRISE, OrderKind.NEW_CUSTOMER):
            # new enterprise: created just above; new customer: chosen on the form
            # (the order_new_customer_has_enterprise constraint)
            assert order.enterprise is not None
            try:
                order.customer = customer_create(
                    enterprise=order.enterprise, name=details.company_name,
                    service_type=details.service_type, address_line1=details.address_line1,
                    address_line2=details.address_line2, city=details.city,
                    state=details.state_code, zip_code=details.zip_code,
                    contact_name=details.contact_name, contact_phone=details.contact_phone,
                    contact_email=details.contact_email, domain=details.domain,
                    time_zone=details.time_zone, billing_start_date=details.billing_start_date,
                )
            except DomainInUse as exc:
                raise OrderValidationError({"domain": [exc.message]}) from exc
        # Numbered first: the DIDs' history says "Saved as order ORD-100001".
        order.number = _next_order_number()
        order.submitted_at = timezone.now()
        order.save()
        placed = order_numbers_place(order=order, user=user)
        order_users_place(order=order, users=seats)
        if order.kind == OrderKind.CHANGE:
            _change_extra_did_line(order)
        else:
            _extra_did_line(order, placed.extra_dids)
        _freeze_prices(order)
        e911_surcharge_sync(order=order)  # the "E911 Surcharge" line, one per number
        try:
            with transaction.atomic():
                order_transition(order=order, to=OrderState.ACKNOWLEDGED, by=user,
                                 note="Saved from the order form.")
        except IntegrityError as exc:
            # Two change/disconnect saves for one customer at the same moment: the database
            # keeps one open (order_one_open_day_two_per_customer); this one says why.
            if "order_one_open_day_two_per_customer" not in str(exc):
                raise
            raise OrderValidationError({"effective_date": [
                f"{order.account_name} already has an open change or disconnect order; wait "
                "until it is completed or cancel it, then save this one."]}) from exc
        audit_record(actor=user, action="order.save", obj=order, changes={
            "kind": order.kind, "state": [OrderState.DRAFT, OrderState.ACKNOWLEDGED],
            "customer": order.customer_id, "billing_start_date": order.billing_start_date,
            **({"effective_date": order.effective_date,
                "lines": {line.package.name: [line.previous_quantity, line.quantity]
                          for line in order.lines.select_related("package")}}
               if order.kind == OrderKind.CHANGE else {}),
            # Staff placing it for the partner (their own draft, or one the partner started).
            **({"on_behalf_of": order.partner_id}
               if order.placed_by_staff_id or user.is_provider_staff else {})})
        # Inside the transaction: the order and its provisioning job commit together.
        order_provisioning_start(order=order)
    logger.info("order %s: saved by %s (%s)", order.number, user.username, order.kind)
    return SaveResult(order=order, created=True)


def order_port_numbers_start(*, customer: Customer, by: User, port_reference: str) -> Order:
    """The order that carries a completed port's numbers into BroadWorks when the port was
    started from the customer's page (no order of its own): an add-services order of the
    customer's partner, started by the staff member who completed the port, for the partner
    (``placed_by_staff``). Returned still a draft so the numbers can be put on it;
    ``order_port_numbers_place`` then saves it, in the same transaction."""
    return Order.objects.create(
        kind=OrderKind.ADD_SERVICES, partner_id=customer.partner_id,
        enterprise=customer.enterprise, customer=customer, created_by=by,
        placed_by_staff=by if by.is_provider_staff else None, company_name=customer.name,
        time_zone=customer.time_zone, service_type=customer.service_type,
        domain=customer.domain, billing_start_date=local_today(customer.time_zone),
        notes=f"Numbers ported in with {port_reference}; placed by Orion when the port "
              "completed.")


def order_port_numbers_place(*, order: Order, by: User, port_reference: str) -> Order:
    """Save the port's order (``order_port_numbers_start``) as Save Order would: numbered,
    billed from the completion day (an "Additional DID" line per number, since the order
    has no package that includes any, and the E911 surcharge), acknowledged, audited
    (``order.save`` with the port's reference) and queued for provisioning, whose diff adds
    the numbers to the enterprise and the group. Why an order rather than a bare run: it
    has the progress page, retries, rollback, billing and the audit trail of any order."""
    order.number = _next_order_number()
    order.submitted_at = timezone.now()
    order.save(update_fields=["number", "submitted_at", "updated_at"])
    numbers = order.dids.filter(state="assigned").count()
    _extra_did_line(order, numbers)
    _freeze_prices(order)
    e911_surcharge_sync(order=order)
    order_transition(order=order, to=OrderState.ACKNOWLEDGED, by=by,
                     note=f"Placed by Orion: port {port_reference} completed.")
    audit_record(actor=by, action="order.save", obj=order, via="port", changes={
        "kind": order.kind, "state": [OrderState.DRAFT, OrderState.ACKNOWLEDGED],
        "customer": order.customer_id, "billing_start_date": order.billing_start_date,
        "port": port_reference, "numbers": numbers, "on_behalf_of": order.partner_id})
    order_provisioning_start(order=order)
    logger.info("order %s: placed for port %s (%s numbers)", order.number, port_reference,
                numbers)
    return order


def _check_released_numbers(order: Order) -> None:
    released = order_numbers_released(order=order)
    if released:
        raise NumbersReleased(released, shown=[display(e) for e in released],
                              minutes=number_conf.reservation_minutes())


def _check_order(order: Order, details: OrderDetails) -> None:
    errors: dict[str, list[str]] = {}
    if not order.lines.exists():
        errors["packages"] = ["Add at least one package (Order Type, Add Package, Add Selected) "
                              "before saving the order."]
    tz = details.time_zone or (order.customer.time_zone if order.customer is not None else "")
    problem = billing_start_date_problem(details.billing_start_date, time_zone=tz)
    if problem:
        errors["billing_start_date"] = [problem]
    for field, label in order_required_fields(kind=order.kind).items():
        if not getattr(details, field):
            errors.setdefault(field, []).append(f"{label} is required.")
    if errors:
        raise OrderValidationError(errors)


def _check_change(order: Order, details: OrderDetails) -> None:
    """Save Order of a change: the effective date, and what BroadWorks would refuse
    (``orion.orders.changes``), each reason under its field. Then the lines that change
    nothing leave the order: it records only what changes, and the unchanged lines keep
    their frozen prices on the orders that ordered them."""
    assert order.customer is not None
    errors = changes.change_problems(order)
    problem = changes.effective_date_problem(details.effective_date,
                                             time_zone=order.customer.time_zone)
    if problem:
        errors.setdefault("effective_date", []).insert(0, problem)
    if errors:
        raise OrderValidationError(errors)
    order.lines.filter(quantity=F("previous_quantity")).delete()


def _check_duplicate_name(order: Order, details: OrderDetails) -> None:
    """A new enterprise or customer named like an active one of the partner (case and
    punctuation folded) is most likely that one, ordered twice: refused until confirmed."""
    checks: list[tuple[str, str]] = []
    if order.kind == OrderKind.NEW_ENTERPRISE:
        checks.append(("Enterprise", details.enterprise_name))
    if order.kind in (OrderKind.NEW_ENTERPRISE, OrderKind.NEW_CUSTOMER):
        checks.append(("Customer", details.company_name))
    for role, name in checks:
        duplicate = account_duplicate_find(partner_id=order.partner_id, role=role, name=name)
        if duplicate is not None:
            raise DuplicateAccountName(duplicate)


def _apply_details(order: Order, details: OrderDetails) -> None:
    order.billing_start_date = details.billing_start_date
    if order.kind == OrderKind.CHANGE:
        # A change bills from the day it takes effect.
        order.effective_date = order.billing_start_date = details.effective_date
    order.notes = details.notes
    order.billing_start_on_port = details.billing_start_on_port
    order.awaiting_turn_up = details.awaiting_turn_up
    if order.creates_account:
        for field in ("enterprise_name", *ACCOUNT_FIELDS):
            setattr(order, field, getattr(details, field))


def _extra_did_line(order: Order, extra: int) -> None:
    """The DIDs beyond the packages' allowance, billed as an "Additional DID" line."""
    package = Package.objects.filter(is_extra_did=True).first()
    if package is None:
        if extra:
            raise OrderError("The catalog has no Additional DID package; ask operations to "
                             "load the catalog.", code="extra_did_package_missing")
        return
    if extra:
        OrderLine.objects.update_or_create(
            order=order, package=package,
            defaults={"quantity": extra, "charge_type": package.charge_type,
                      "unit_price": package.price, "included_dids": 0})
    else:
        order.lines.filter(package=package).delete()


def _change_extra_did_line(order: Order) -> None:
    """A change's "Additional DID" line moves the customer's count from what it is billed
    now to what the change leaves (``changes.change_extra_dids``): numbers given back, or a
    larger allowance, make it a decrease (a credit from the effective date); no line when the
    count stays."""
    before, after = changes.change_extra_dids(order=order)
    package = Package.objects.filter(is_extra_did=True).order_by("pk").first()
    if package is None or before == after:
        order.lines.filter(package__is_extra_did=True).delete()
        return
    OrderLine.objects.update_or_create(
        order=order, package=package,
        defaults={"quantity": after, "previous_quantity": before,
                  "charge_type": package.charge_type, "unit_price": package.price,
                  "included_dids": 0})


def _freeze_prices(order: Order) -> None:
    """Copy today's catalog prices onto the lines; from now on the order keeps them.

    One UPDATE for all the lines (it was one per line, a tenth of Save Order's time)."""
    retired = (order.lines.filter(package__is_active=False).order_by("package__name")
               .values_list("package__name", flat=True).first())
    if retired is not None:
        raise OrderValidationError(
            {"packages": [f"{retired} is no longer sold; remove it from the order."]})
    catalog = Package.objects.filter(pk=OuterRef("package_id"))
    order.lines.update(unit_price=Subquery(catalog.values("price")[:1]),
                       charge_type=Subquery(catalog.values("charge_type")[:1]),
                       included_dids=Subquery(catalog.values("included_dids")[:1]))


def order_billing_start_date_change(*, user: User, order_id: int, value: date,
                                    reason: str = "", via: str = "web") -> Order:
    """Move the Billing Start Date of a placed order (owned by ``orion.billing``).

    Until the service is activated the partner (or staff) may move it to today or later.
    Activation fixes it for partners; afterwards only provider staff may correct it, with a
    reason, to a day not before the order was saved. Every change is audited. The billing
    date is independent of the activation (service) date, as Kill Bill keeps them apart.
    The customer's billing start date follows when this order created the customer.
    """
    reason = clean_reason(reason)
    with transaction.atomic():
        order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
                 .select_related("customer").filter(pk=order_id).first())
        if order is None:
            raise NotFound("No such order.")
        if order.is_draft:
            raise OrderNotEditable("Set the billing start date on the order form.")
        if order.state in BILLING_START_CLOSED_STATES:
            raise OrderNotEditable(f"Order {order} is {order.get_state_display()}.")
        # a placed order is complete (the order_placed_is_complete constraint)
        assert order.customer is not None
        tz = order.customer.time_zone
        if order.activated_at is not None:
            if not user.is_provider_staff:
                raise OrderError(
                    f"The service was activated on {order.activated_at:%Y-%m-%d}; the billing "
                    "start date is now fixed. Ask provider operations to correct it.",
                    code="billing_start_fixed", field="billing_start_date")
            if not reason:
                raise OrderError("Give the reason for changing the billing start date of an "
                                 "activated service.", code="reason_required", field="reason")
            saved_on = local_date(order.submitted_at or order.created_at, tz)
            if value < saved_on:
                raise OrderError(f"The billing start date cannot be before the order was saved "
                                 f"({saved_on:%Y-%m-%d}).", code="invalid_billing_start_date",
                                 field="billing_start_date")
            if _beyond_latest_billing_start(value, time_zone=tz):
                raise OrderError(BILLING_START_TOO_FAR, code="invalid_billing_start_date",
                                 field="billing_start_date")
        else:
            problem = billing_start_date_problem(value, time_zone=tz)
            if problem:
                raise OrderError(problem, code="invalid_billing_start_date",
                                 field="billing_start_date")
        old = order.billing_start_date
        assert old is not None  # placed (order_placed_is_complete)
        if old == value:
            return order
        order.billing_start_date = value
        order.save(update_fields=["billing_start_date", "updated_at"])
        if order.creates_account:
            order.customer.billing_start_date = value
            order.customer.save(update_fields=["billing_start_date"])
        # Not a state change: the audit row is the record (the order page lists them).
        audit_record(actor=user, action="order.billing_start_date_change", obj=order,
                     changes={"billing_start_date": [old.isoformat(), value.isoformat()],
                              "activated": order.activated_at is not None},
                     reason=reason, via=via)
    logger.info("order %s: billing start date %s -> %s by %s", order.number, old, value,
                user.username)
    return order
