"""The removal diff: what a cancelled order created in BroadWorks, taken out again.

The mirror of the add diff. ``removal_for`` computes from Orion's records what the order
brought (its users, phones, numbers, its share of the group's quantities, and the group,
service packs, enterprise authorizations and enterprise it created) and what the customer's
and the enterprise's *other* orders still need; ``removal_actions`` compares that with what
BroadWorks holds now (read first, as every run does) and returns only the removals still to
send, in the order BroadWorks accepts them:

users, phones, group numbers, enterprise numbers, group services and authorizations (lowered
to what the other orders need, removed when none do), the group's user limit, the group,
service packs, enterprise authorizations, the enterprise. A group or enterprise that goes
takes its own authorizations, domains and numbers with it, so none are removed one by one.

Because the plan is recomputed from a fresh read, a re-run after a crash sends nothing for
what is gone already, and nothing another customer or order needs is ever in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from orion.orders.models import Order, OrderKind, OrderLine
from orion.orders.states import OrderState
from orion.provisioning.plan.action import Action
from orion.provisioning.plan.desired import COUNTED_STATES, _quantities, bw_number
from orion.provisioning.plan.reads import Observed

REMOVAL_STEPS: tuple[tuple[str, str], ...] = (
    ("users", "removing users"),
    ("devices", "removing phones"),
    ("group_numbers", "unassigning numbers from the group"),
    ("numbers", "removing numbers from the enterprise"),
    ("group_services", "lowering or removing group services"),
    ("user_limit", "lowering the group's user limit"),
    ("group", "removing the group"),
    ("service_packs", "removing service packs"),
    ("enterprise_services", "removing enterprise service authorizations"),
    ("enterprise", "removing the enterprise"),
)
REMOVAL_LABELS = dict(REMOVAL_STEPS)
# The steps a disconnect order shows ("removing users (2 of 5)"): the whole group goes, so
# its services and authorizations go with it, never one by one.
DISCONNECT_STEPS: tuple[tuple[str, str], ...] = (
    ("check", "checking BroadWorks"),
    *((key, label) for key, label in REMOVAL_STEPS
      if key in ("users", "devices", "group_numbers", "numbers", "group", "enterprise")),
)
_CHUNK = 100  # numbers per list request, as the add diff sends them


@dataclass
class Removal:
    """What the cancelled order brought into BroadWorks, and what must stay."""

    sp_id: str
    group_id: str
    users: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    delete_group: bool = False
    delete_enterprise: bool = False
    # The group's authorizations: this order's share, and what the other orders need.
    group_attempted: bool = False
    # The group's user limit the other orders need, when this order raised it.
    user_limit: int | None = None
    mine: dict[str, dict[str, int]] = field(default_factory=dict)
    needed: dict[str, dict[str, int]] = field(default_factory=dict)
    # Enterprise level: what this order may have created, and what others still use.
    packs: tuple[str, ...] = ()
    enterprise_services: tuple[str, ...] = ()


_KINDS = (("service_pack_authorization", "service_pack_name"),
          ("user_service_authorization", "service_name"),
          ("group_service_authorization", "service_name"))


def _others(order: Order, **scope: Any) -> list[int]:
    """Other placed orders whose objects BroadWorks holds or will hold: not drafts, and not
    cancelled orders that are (being) rolled back themselves."""
    return list(Order.objects.filter(**scope).exclude(pk=order.pk)
                .exclude(state=OrderState.DRAFT)
                .exclude(state=OrderState.CANCELLED, rollback__isnull=False)
                .values_list("pk", flat=True))


def _lines(order_ids: list[int]) -> dict[int, list[OrderLine]]:
    found: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=order_ids).select_related("package"):
        found[line.order_id].append(line)
    return found


def _created(order: Order, key: str) -> list[str]:
    step = order.provisioning_steps.filter(key=key).first()
    return list(step.created) if step is not None else []


def _attempted(order: Order, key: str) -> bool:
    """The step sent something (its answer may have been lost: ``created`` can be empty)."""
    step = order.provisioning_steps.filter(key=key).first()
    return step is not None and (step.attempts > 0 or bool(step.created))


def _made_services(order: Order, mine: set[str]) -> set[str]:
    """The enterprise authorizations this order's enterprise step added: named in what it
    recorded ("3 service authorizations for X: A, B, C"); when its answer was lost (sent,
    nothing recorded), those of the order's services that BroadWorks may have got from it."""
    made: set[str] = set()
    for item in _created(order, "enterprise_services"):
        _, _, names = item.partition(": ")
        made |= {n for n in names.split(", ") if n}
    step = order.provisioning_steps.filter(key="enterprise_services").first()
    if not made and step is not None and step.attempts > 0 and not step.created:
        made = set(mine)
    return made & mine


def removal_for(order: Order) -> Removal:
    """What removing ``order`` from BroadWorks means, from Orion's records alone."""
    from orion.adoption.models import BaselineQuantity
    from orion.catalog.models import BroadWorksKind
    from orion.numbers.models import DID
    from orion.provisioning.models import ProvisioningStep
    from orion.users.selectors import order_users_for_provisioning

    customer, enterprise = order.customer, order.enterprise
    assert customer is not None and enterprise is not None  # a placed order has its account
    users = order_users_for_provisioning(order)
    numbers = DID.objects.filter(order_id=order.pk, state="assigned").values_list("e164",
                                                                                  flat=True)
    own = _lines([order.pk])[order.pk]
    packs, user_services, group_services, contents, _ = _quantities(own)

    # The customer's other orders: their shares of the group stay.
    customer_orders = _others(order, customer=customer)
    applied = set(ProvisioningStep.objects.filter(
        order_id__in=customer_orders, key="group_services", status="done")
        .values_list("order_id", flat=True))
    counted = set(Order.objects.filter(pk__in=customer_orders, state__in=COUNTED_STATES)
                  .values_list("pk", flat=True))
    kept = _lines(sorted(applied | counted))
    need_packs, need_users, need_groups, _, seats = _quantities(
        [line for lines in kept.values() for line in lines])
    for kind, name, quantity, is_seat in BaselineQuantity.objects.filter(
            baseline__customer=customer).values_list("bw_kind", "bw_name", "quantity",
                                                     "package__is_seat"):
        seats += quantity if is_seat and kind == BroadWorksKind.SERVICE_PACK else 0
        target = (need_packs if kind == BroadWorksKind.SERVICE_PACK
                  else need_users if kind == BroadWorksKind.USER_SERVICE else need_groups)
        target[name] = target.get(name, 0) + quantity

    # The enterprise's other orders (all its customers): what they use stays.
    enterprise_orders = _others(order, enterprise=enterprise)
    used_packs: set[str] = set()
    used_services: set[str] = set()
    for lines in _lines(enterprise_orders).values():
        o_packs, o_users, o_groups, o_contents, _ = _quantities(lines)
        used_packs |= set(o_packs)
        used_services |= {s for c in o_contents.values() for s in c} | set(o_users) \
            | set(o_groups)
    for kind, name in BaselineQuantity.objects.filter(
            baseline__customer__enterprise=enterprise).values_list("bw_kind", "bw_name"):
        (used_packs if kind == BroadWorksKind.SERVICE_PACK else used_services).add(name)

    creates_group = order.creates_account and customer.activated_at is None
    creates_enterprise = (order.kind == OrderKind.NEW_ENTERPRISE and not enterprise.customers
                          .filter(activated_at__isnull=False).exists())
    others_in_enterprise = enterprise.customers.exclude(pk=customer.pk).filter(
        cancelled_at__isnull=True).exists() or bool(enterprise_orders)
    made_packs = {p for p in packs if creates_enterprise
                  or f"service pack {p}" in _created(order, "service_packs")}
    mine_services = {s for c in contents.values() for s in c} | set(user_services) \
        | set(group_services)
    made_services = mine_services if creates_enterprise else _made_services(order,
                                                                             mine_services)
    return Removal(
        sp_id=enterprise.bw_service_provider_id, group_id=customer.bw_group_id,
        users=tuple(u.user_id for u in users),
        devices=tuple(u.device_name for u in users if u.device_name),
        numbers=tuple(sorted(bw_number(n) for n in numbers)),
        delete_group=creates_group,
        delete_enterprise=creates_enterprise and creates_group and not others_in_enterprise,
        group_attempted=_attempted(order, "group_services"),
        user_limit=max(1, seats) if _attempted(order, "group") else None,
        mine={"service_pack_authorization": packs, "user_service_authorization": user_services,
              "group_service_authorization": group_services},
        needed={"service_pack_authorization": need_packs,
                "user_service_authorization": need_users,
                "group_service_authorization": need_groups},
        packs=tuple(sorted(made_packs - used_packs)),
        enterprise_services=tuple(sorted(made_services - used_services)),
    )


def group_removal(*, sp_id: str, group_id: str, seen: Observed, numbers: tuple[str, ...] = (),
                  remove_enterprise: bool = False) -> Removal:
    """Everything of a group, for a disconnect (the removal of one order, generalised): every
    user and phone BroadWorks lists in the group, every number assigned to it and the
    customer's own ``numbers`` (BroadWorks' form) still in the enterprise, the group; the
    enterprise too when ``remove_enterprise`` (``removal_actions`` keeps it while BroadWorks
    lists another group in it).

    Built from the read of each round, so a re-run after a crash names only what is left.
    """
    in_group = {n for n, g in seen.sp_numbers.items() if g == group_id}
    return Removal(sp_id=sp_id, group_id=group_id, users=tuple(sorted(seen.users)),
                   devices=tuple(sorted(seen.devices)),
                   numbers=tuple(sorted(in_group | set(numbers))), delete_group=True,
                   delete_enterprise=remove_enterprise)


def _qty(text: str | None) -> int | None:
    if text is None or text == "" or text.lower() == "unlimited":
        return None
    return int(text)


def removal_actions(removal: Removal, seen: Observed, *,
                    other_groups: set[str] | None = None) -> list[Action]:
    """The removals still to send, in the order BroadWorks accepts them.

    ``other_groups`` are the enterprise's groups other than the order's, as BroadWorks lists
    them: an enterprise that still has one stays.
    """
    sp = {"service_provider_id": removal.sp_id}
    group = {**sp, "group_id": removal.group_id}
    actions: list[Action] = []
    if seen.group is not None:
        for user_id in removal.users:
            if user_id in seen.users:
                actions.append(Action("users", ("UserDeleteRequest", {"user_id": user_id}),
                                      f"user {user_id}"))
        for device in removal.devices:
            if device in seen.devices:
                actions.append(Action("devices", ("GroupAccessDeviceDeleteRequest", {
                    **group, "device_name": device}), f"phone {device}"))
        in_group = [n for n in removal.numbers if seen.sp_numbers.get(n) == removal.group_id]
        for start in range(0, len(in_group), _CHUNK):
            chunk = in_group[start:start + _CHUNK]
            actions.append(Action("group_numbers", ("GroupDnUnassignListRequest", {
                **group, "phone_number": chunk}),
                f"{len(chunk)} numbers unassigned from {removal.group_id}"))
    if seen.sp is not None:
        ours = [n for n in removal.numbers
                if n in seen.sp_numbers and seen.sp_numbers[n] in ("", removal.group_id)]
        for start in range(0, len(ours), _CHUNK):
            chunk = ours[start:start + _CHUNK]
            actions.append(Action("numbers", ("ServiceProviderDnDeleteListRequest", {
                **sp, "phone_number": chunk}), f"{len(chunk)} numbers from {removal.sp_id}"))
    if seen.group is not None and not removal.delete_group and removal.group_attempted:
        _group_services(removal, seen, group, actions)
    if seen.group is not None and not removal.delete_group and removal.user_limit:
        # Never below the users the group keeps (BroadWorks refuses that).
        keeps = len(set(seen.users) - set(removal.users))
        limit = max(removal.user_limit, keeps)
        if (seen.group.user_limit or 0) > limit:
            actions.append(Action("user_limit", ("GroupModifyRequest", {
                **group, "user_limit": limit}),
                f"user limit of {removal.group_id} lowered to {limit}"))
    if seen.group is not None and removal.delete_group:
        actions.append(Action("group", ("GroupDeleteRequest", group),
                              f"group {removal.group_id}"))
    if seen.sp is None:
        return actions
    if removal.delete_enterprise and not other_groups:
        actions.append(Action("enterprise", ("ServiceProviderDeleteRequest", sp),
                              f"enterprise {removal.sp_id}"))
        return actions  # its packs, authorizations, numbers and domains go with it
    for pack in removal.packs:
        if pack in seen.sp_packs:
            actions.append(Action("service_packs", ("ServiceProviderServicePackDeleteRequest", {
                **sp, "service_pack_name": pack}), f"service pack {pack}"))
    users = [s for s in removal.enterprise_services if s in seen.sp_user_services]
    groups = [s for s in removal.enterprise_services if s in seen.sp_group_services]
    if users or groups:
        fields: dict[str, Any] = dict(sp)
        if users:
            fields["user_service_authorization"] = [
                {"service_name": s, "unauthorized": True} for s in users]
        if groups:
            fields["group_service_authorization"] = [
                {"service_name": s, "unauthorized": True} for s in groups]
        actions.append(Action("enterprise_services", (
            "ServiceProviderServiceModifyAuthorizationListRequest", fields),
            f"{len(users) + len(groups)} service authorizations of {removal.sp_id}: "
            + ", ".join([*users, *groups])))
    return actions


def _group_services(removal: Removal, seen: Observed, group: dict[str, str],
                    actions: list[Action]) -> None:
    """The group keeps what its other orders need: BroadWorks' value minus this order's
    share, never below that; a service none of them has is unassigned and removed."""
    current = {"service_pack_authorization": seen.group_packs,
               "user_service_authorization": seen.group_user_services,
               "group_service_authorization": seen.group_group_services}
    auth: dict[str, list[dict[str, Any]]] = {}
    unassign: list[str] = []
    for kind, key in _KINDS:
        for name, share in sorted(removal.mine.get(kind, {}).items()):
            if name not in current[kind]:
                continue
            have = _qty(current[kind][name])
            if have is None:
                continue  # unlimited: not a quantity this order raised
            need = removal.needed.get(kind, {}).get(name, 0)
            target = max(need, have - share)
            if target >= have:
                continue  # this order's share is not (any more) in BroadWorks
            if target == 0:
                auth.setdefault(kind, []).append({key: name, "unauthorized": True})
                if kind == "group_service_authorization" and name in seen.group_assigned:
                    unassign.append(name)
            else:
                auth.setdefault(kind, []).append(
                    {key: name, "authorized_quantity": {"quantity": target}})
    if unassign:
        actions.append(Action("group_services", ("GroupServiceUnassignListRequest", {
            **group, "service_name": unassign}),
            f"group services {', '.join(unassign)} unassigned from {removal.group_id}"))
    if auth:
        actions.append(Action("group_services", ("GroupServiceModifyAuthorizationListRequest",
                                                 {**group, **auth}),
                              f"service authorizations of {removal.group_id} lowered"))
