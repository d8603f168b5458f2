"""What the customer should look like in BroadWorks once an order is provisioned:
the steps every order shows, and ``Desired`` computed from Orion's own records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from orion.accounts.models import Customer, Enterprise
from orion.catalog.models import BroadWorksKind
from orion.core.compiled import Read, by_order, by_order_read, fetch_many
from orion.orders.models import Order, OrderKind, OrderLine
from orion.orders.states import PROVISIONED_STATES, OrderState
from orion.users.removals import removal_targets
from orion.users.selectors import (
    ProvisioningUser,
    order_users_for_provisioning,
    provisioning_users_read,
)

# The steps every order shows, in order. A step with nothing to do is marked so, one whose
# objects BroadWorks already holds is marked "Already in BroadWorks" (``steps_with_work``).
STEPS: tuple[tuple[str, str], ...] = (
    ("check", "checking BroadWorks"),
    ("domain", "adding the domain"),
    ("enterprise", "creating the enterprise"),
    ("enterprise_services", "authorizing services for the enterprise"),
    ("service_packs", "adding service packs"),
    ("group", "creating the group"),
    ("group_services", "authorizing and assigning group services"),
    ("numbers", "adding numbers to the enterprise"),
    ("assign_numbers", "assigning numbers to the group"),
    ("devices", "adding phones"),
    ("users", "creating users"),
)
STEP_LABELS = dict(STEPS)
COUNTED_STATES = PROVISIONED_STATES


def steps_with_work(desired: Desired) -> set[str]:
    """The steps that have something to check or create for this customer. A step outside
    this set had nothing to do (no numbers ordered, no service packs); a step inside it that
    sent nothing found it all in BroadWorks already. The progress panel tells the two apart."""
    services = bool(desired.packs or desired.user_services or desired.group_services)
    work = {"check", "domain", "enterprise", "group"}
    if services:
        work |= {"enterprise_services", "group_services"}
    if desired.packs:
        work.add("service_packs")
    if desired.numbers:
        work |= {"numbers", "assign_numbers"}
    if desired.users:
        work.add("users")
    if any(u.device_type for u in desired.users):
        work.add("devices")
    if desired.remove_users:
        work.add("users")
    if desired.remove_devices:
        work.add("devices")
    if desired.remove_numbers:
        work |= {"numbers", "assign_numbers"}
    if desired.retire_packs:
        work.add("service_packs")
    return work


def bw_number(e164: str) -> str:
    """+12125550100 -> +1-2125550100, the form BroadWorks shows."""
    digits = e164.removeprefix("+1")
    return f"+1-{digits}"


@dataclass
class Desired:
    """What the customer's group (and its enterprise) must hold after this order.

    Quantities come in three parts per service: ``prev_*`` is what BroadWorks certainly holds
    from earlier orders (completed, or whose authorization step is recorded done), the order's
    own share is ``*_qty`` minus ``prev_*``, and ``uncertain_*`` lists the shares of earlier
    orders that were interrupted while authorizing (sent, answer unknown), which BroadWorks may
    or may not hold. A value that no combination explains was changed outside Orion.
    """

    sp_id: str
    sp_name: str
    sp_default_domain: str
    domain: str
    group_id: str
    group_name: str
    clid_name: str
    time_zone: str
    user_limit: int
    contact: dict[str, str]
    address: dict[str, str]
    # Orion has not provisioned the enterprise / group yet: create it when it is missing.
    creates_enterprise: bool
    creates_group: bool
    packs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pack_qty: dict[str, int] = field(default_factory=dict)
    prev_pack_qty: dict[str, int] = field(default_factory=dict)
    user_services: dict[str, int] = field(default_factory=dict)
    prev_user_services: dict[str, int] = field(default_factory=dict)
    group_services: dict[str, int] = field(default_factory=dict)
    prev_group_services: dict[str, int] = field(default_factory=dict)
    uncertain_pack_qty: list[dict[str, int]] = field(default_factory=list)
    uncertain_user_services: list[dict[str, int]] = field(default_factory=list)
    uncertain_group_services: list[dict[str, int]] = field(default_factory=list)
    numbers: tuple[str, ...] = ()
    # This order's users (seats), with their phones; earlier orders' users are left alone.
    users: tuple[ProvisioningUser, ...] = ()
    # A change order's removals: users (ids) and their phones (device names) to delete, and
    # numbers (BroadWorks form) to unassign from the group and delete from the enterprise.
    remove_users: tuple[str, ...] = ()
    remove_devices: tuple[str, ...] = ()
    remove_numbers: tuple[str, ...] = ()
    # Service packs this change took to 0 that no other customer of the enterprise needs
    # (Orion's records): deleted from the enterprise after the group gave them up.
    retire_packs: tuple[str, ...] = ()
    # A change that lowered the seats: the group's user limit follows them down (a new order
    # only ever raises it). ``user_limit_floor`` is what an interrupted order may still hold.
    lowers_user_limit: bool = False
    user_limit_floor: int = 0


def _quantities(lines: list[OrderLine]) -> tuple[dict[str, int], dict[str, int],
                                                 dict[str, int], dict[str, tuple[str, ...]], int]:
    packs: dict[str, int] = defaultdict(int)
    users: dict[str, int] = defaultdict(int)
    groups: dict[str, int] = defaultdict(int)
    contents: dict[str, tuple[str, ...]] = {}
    seats = 0
    for line in lines:
        package = line.package
        # A line's delta: a change order's line moves the quantity from ``previous_quantity``
        # (negative when it lowers or removes); every other line adds its quantity (from 0).
        delta = line.quantity - line.previous_quantity
        if package.bw_kind == BroadWorksKind.SERVICE_PACK:
            packs[package.bw_name] += delta
            contents[package.bw_name] = tuple(package.bw_services)
            seats += delta if package.is_seat else 0
        elif package.bw_kind == BroadWorksKind.USER_SERVICE:
            users[package.bw_name] += delta
        elif package.bw_kind == BroadWorksKind.GROUP_SERVICE:
            groups[package.bw_name] += delta
    return dict(packs), dict(users), dict(groups), contents, seats


def customer_profile(customer: Customer, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise and group fields of ``Desired`` that come from the customer's record.

    Shared by provisioning (``desired_for``) and the demo seed, so both send BroadWorks the
    same group name, domain, contact and address. The domain rule lives on the models: the
    enterprise's default domain was fixed at its creation (``Enterprise.default_domain``),
    the group's is the customer's own or else the enterprise's (``Customer.group_domain``).
    """
    contact = {"contact_name": customer.contact_name[:30],
               "contact_number": customer.contact_phone,
               "contact_email": customer.contact_email}
    address = {"address_line1": customer.address_line1, "city": customer.city,
               "state_or_province": customer.state, "zip_or_postal_code": customer.zip_code,
               "country": "US"}
    if customer.address_line2:
        address["address_line2"] = customer.address_line2
    sp_default = enterprise.default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    return {
        "sp_id": enterprise.bw_service_provider_id, "sp_name": enterprise.name,
        "sp_default_domain": sp_default, "domain": customer.domain or sp_default,
        "group_id": customer.bw_group_id, "group_name": customer.name,
        "clid_name": customer.name[:30], "time_zone": customer.time_zone,
        "contact": contact, "address": address,
    }


def _baseline_read(customer: Customer) -> Read:
    """The quantities an adopted customer's group held at its import (``orion.adoption``),
    read with the rest of the desired state (``_baseline``)."""
    from orion.adoption.models import BaselineQuantity

    return Read("desired_baseline", lambda pk: (
        BaselineQuantity.objects.filter(baseline__customer_id=pk).values_list(
            "bw_kind", "bw_name", "quantity", "package__is_seat")), customer.pk)


def _baseline(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], dict[str, int],
                                                    dict[str, int], int]:
    """The baseline's service packs, user services, group services by BroadWorks name, and
    the seats among them. All empty for a customer Orion created."""
    found: dict[str, dict[str, int]] = {kind: {} for kind in (
        BroadWorksKind.SERVICE_PACK, BroadWorksKind.USER_SERVICE, BroadWorksKind.GROUP_SERVICE)}
    seats = 0
    for kind, name, quantity, is_seat in rows:
        found[kind][name] = quantity
        seats += quantity if is_seat and kind == BroadWorksKind.SERVICE_PACK else 0
    return (found[BroadWorksKind.SERVICE_PACK], found[BroadWorksKind.USER_SERVICE],
            found[BroadWorksKind.GROUP_SERVICE], seats)


# An earlier order's share is certainly in BroadWorks when the order completed or recorded
# its authorization step done; it may be when that step was interrupted.
_UNPLACED = (OrderState.DRAFT,)
_APPLIED_STEP = "done"
_INTERRUPTED_STEPS = ("running", "failed")


def desired_for(order: Order) -> Desired:
    """The desired BroadWorks state of ``order``'s customer once the order is provisioned."""
    from django.db.models import OuterRef, Subquery

    from orion.numbers.models import DID
    from orion.porting.models import PortedNumber
    from orion.provisioning.models import ProvisioningStep

    customer, enterprise = order.customer, order.enterprise
    assert customer is not None and enterprise is not None  # a placed order has its account
    # Everything below is read in one round trip (``fetch_many``): the customer's other
    # orders, this order's lines and users, the adopted baseline, the numbers, whether the
    # enterprise is in BroadWorks. Only the other orders' lines, when there are any, follow.
    step = ProvisioningStep.objects.filter(order=OuterRef("pk"), key="group_services")
    # A cancelled order whose rollback finished holds nothing in BroadWorks any more; one
    # whose rollback is under way (or stopped) may still hold its share, or part of it.
    # (This order is among them: left out below, so that the statement has one value.)
    others_read = Read("desired_others", lambda pk: (
        Order.objects.filter(customer_id=pk)
        .exclude(state__in=_UNPLACED)
        .exclude(state=OrderState.CANCELLED, rollback__status="done")
        .annotate(group_step=Subquery(step.values("status")[:1]))
        .values_list("pk", "state", "group_step", "rollback__status")), customer.pk)
    # A number still in an open port request is not ours yet (the losing carrier serves
    # it): BroadWorks gets it when the port completes.
    numbers_read = Read("desired_numbers", lambda pk: (
        DID.objects.filter(customer_id=pk, state="assigned")
        .exclude(e164__in=PortedNumber.objects.filter(is_open=True).values("e164"))
        .values_list("e164", flat=True)), customer.pk)
    known_read = Read("enterprise_known", lambda pk: (
        Customer.objects.filter(enterprise_id=pk, activated_at__isnull=False,
                                service_type="hosted").values_list("pk", flat=True)[:1]),
        enterprise.pk)
    rows, own_lines, baseline, numbers, known, user_rows = fetch_many([
        others_read,
        by_order_read(OrderLine, order.pk, "desired_lines", related=("package",)),
        _baseline_read(customer), numbers_read, known_read, provisioning_users_read(order)])
    rows = [row for row in rows if row[0] != order.pk]
    rolling = {pk for pk, _, _, rollback in rows if rollback is not None}
    others = {pk: (state, step_status) for pk, state, step_status, _ in rows}
    certain = {pk for pk, (state, status) in others.items()
               if pk not in rolling and (status == _APPLIED_STEP or (
                   state in COUNTED_STATES and status not in _INTERRUPTED_STEPS))}
    uncertain = {pk for pk, (_, status) in others.items()
                 if pk not in certain and (status in _INTERRUPTED_STEPS or (
                     pk in rolling and status == _APPLIED_STEP))}
    lines_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    lines_by_order[order.pk] = list(own_lines)
    if certain or uncertain:
        for line in by_order(OrderLine, [*certain, *uncertain], "desired_lines",
                             related=("package",)):
            lines_by_order[line.order_id].append(line)
    earlier = [line for pk in certain for line in lines_by_order[pk]]
    prev_packs, prev_users, prev_groups, _, prev_seats = _quantities(earlier)
    packs, users, groups, contents, seats = _quantities([*earlier, *lines_by_order[order.pk]])
    # An adopted customer's group held quantities before any order of Orion's: the import's
    # baseline is part of "previous", so the order diffs against what BroadWorks held.
    base_packs, base_users, base_groups, base_seats = _baseline(baseline)
    for previous, target, base in ((prev_packs, packs, base_packs),
                                   (prev_users, users, base_users),
                                   (prev_groups, groups, base_groups)):
        for name, quantity in base.items():
            previous[name] = previous.get(name, 0) + quantity
            target[name] = target.get(name, 0) + quantity
    seats += base_seats
    prev_seats += base_seats
    unsure = [_quantities(lines_by_order[pk]) for pk in sorted(uncertain)]
    for extra in unsure:
        contents = {**extra[3], **contents}
    # A service pack a change removed (quantity 0 after it) is no longer ordered: nothing
    # of it is created again (the diff removes the group's authorization of it).
    contents = {name: services for name, services in contents.items()
                if packs.get(name, 0) > 0 or any(u[0].get(name) for u in unsure)}
    enterprise_known = bool(known)
    gone = removal_targets(order)
    retire = _packs_to_retire(order, packs) if order.kind == OrderKind.CHANGE else ()
    return Desired(
        **customer_profile(customer, enterprise),
        user_limit=max(1, seats),
        creates_enterprise=not enterprise_known,
        creates_group=customer.activated_at is None,
        packs=contents, pack_qty=packs, prev_pack_qty=prev_packs,
        user_services=users, prev_user_services=prev_users,
        group_services=groups, prev_group_services=prev_groups,
        uncertain_pack_qty=[u[0] for u in unsure],
        uncertain_user_services=[u[1] for u in unsure],
        uncertain_group_services=[u[2] for u in unsure],
        numbers=tuple(sorted(bw_number(n) for n in numbers if n not in gone.numbers)),
        users=tuple(order_users_for_provisioning(order, user_rows)),
        remove_users=gone.users, remove_devices=gone.devices,
        remove_numbers=tuple(bw_number(n) for n in gone.numbers),
        retire_packs=retire,
        lowers_user_limit=order.kind == OrderKind.CHANGE and seats < prev_seats,
        user_limit_floor=seats + sum(max(0, u[4]) for u in unsure),
    )


def _packs_to_retire(order: Order, packs: dict[str, int]) -> tuple[str, ...]:
    """The service packs a change removed from its customer that no other customer of the
    enterprise has (their orders' deltas, or an adopted group's baseline)."""
    from orion.adoption.models import BaselineQuantity

    removed = {line.package.bw_name for line in order.lines.select_related("package")
               if line.package.bw_kind == BroadWorksKind.SERVICE_PACK and line.quantity == 0
               and packs.get(line.package.bw_name, 0) <= 0}
    if not removed:
        return ()
    enterprise_id, customer_id = order.enterprise_id, order.customer_id
    assert enterprise_id is not None and customer_id is not None  # a placed order's account
    others: dict[str, int] = defaultdict(int)
    for name, quantity, previous in (
            OrderLine.objects.filter(order__enterprise_id=enterprise_id,
                                     package__bw_kind=BroadWorksKind.SERVICE_PACK,
                                     package__bw_name__in=removed)
            .exclude(order__customer_id=customer_id)
            .exclude(order__state__in=(OrderState.DRAFT, OrderState.CANCELLED))
            .values_list("package__bw_name", "quantity", "previous_quantity")):
        others[name] += quantity - previous
    adopted = set(BaselineQuantity.objects.filter(
        baseline__customer__enterprise_id=enterprise_id, bw_name__in=removed,
        bw_kind=BroadWorksKind.SERVICE_PACK, quantity__gt=0)
        .exclude(baseline__customer_id=customer_id).values_list("bw_name", flat=True))
    return tuple(sorted(n for n in removed if others.get(n, 0) <= 0 and n not in adopted))
