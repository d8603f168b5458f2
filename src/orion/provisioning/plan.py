"""From an order to BroadWorks: what the customer should look like, what BroadWorks holds,
and the commands that close the gap.

Provisioning is a *diff*, not a script: every run reads BroadWorks first (one document of
Get/List requests), compares it with the desired state computed from Orion's own records,
and sends only what is missing, in dependency order, batched into as few documents as the
15-command limit allows. Re-running after a crash, a retry or a partial failure therefore
never creates anything twice, and anything in BroadWorks that differs from what Orion
expects is reported as a conflict instead of being overwritten.

Quantities are absolute and deterministic: the group's authorization of a package is the sum
of that customer's completed orders plus this one, so the expected value before this order
("previous") and after it ("target") are both known; any third value means someone changed
BroadWorks outside Orion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from orion.accounts.models import Customer, Enterprise
from orion.broadworks.client import OCIResult
from orion.broadworks.exceptions import OCINotFound
from orion.broadworks.ranges import dn_summary_numbers
from orion.catalog.models import BroadWorksKind
from orion.orders.models import Order, OrderLine
from orion.orders.states import PROVISIONED_STATES, OrderState
from orion.provisioning.exceptions import ProvisioningConflict

# The steps every order shows, in order. Steps with nothing to do are marked skipped.
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
)
STEP_LABELS = dict(STEPS)
COUNTED_STATES = PROVISIONED_STATES


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


def _quantities(lines: list[OrderLine]) -> tuple[dict[str, int], dict[str, int],
                                                 dict[str, int], dict[str, tuple[str, ...]], int]:
    packs: dict[str, int] = defaultdict(int)
    users: dict[str, int] = defaultdict(int)
    groups: dict[str, int] = defaultdict(int)
    contents: dict[str, tuple[str, ...]] = {}
    seats = 0
    for line in lines:
        package = line.package
        if package.bw_kind == BroadWorksKind.SERVICE_PACK:
            packs[package.bw_name] += line.quantity
            contents[package.bw_name] = tuple(package.bw_services)
            seats += line.quantity if package.is_seat else 0
        elif package.bw_kind == BroadWorksKind.USER_SERVICE:
            users[package.bw_name] += line.quantity
        elif package.bw_kind == BroadWorksKind.GROUP_SERVICE:
            groups[package.bw_name] += line.quantity
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


# An earlier order's share is certainly in BroadWorks when the order completed or recorded
# its authorization step done; it may be when that step was interrupted.
_UNPLACED = (OrderState.DRAFT,)
_APPLIED_STEP = "done"
_INTERRUPTED_STEPS = ("running", "failed")


def desired_for(order: Order) -> Desired:
    """The desired BroadWorks state of ``order``'s customer once the order is provisioned."""
    from django.db.models import OuterRef, Subquery

    from orion.numbers.models import DID
    from orion.provisioning.models import ProvisioningStep

    customer, enterprise = order.customer, order.enterprise
    step = ProvisioningStep.objects.filter(order=OuterRef("pk"), key="group_services")
    others = {
        pk: (state, step_status)
        for pk, state, step_status in Order.objects.filter(customer=customer)
        .exclude(pk=order.pk).exclude(state__in=_UNPLACED)
        .annotate(group_step=Subquery(step.values("status")[:1]))
        .values_list("pk", "state", "group_step")
    }
    certain = {pk for pk, (state, status) in others.items()
               if status == _APPLIED_STEP or (state in COUNTED_STATES
                                              and status not in _INTERRUPTED_STEPS)}
    uncertain = {pk for pk, (_, status) in others.items()
                 if pk not in certain and status in _INTERRUPTED_STEPS}
    lines_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=[*certain, *uncertain, order.pk]) \
            .select_related("package"):
        lines_by_order[line.order_id].append(line)
    earlier = [line for pk in certain for line in lines_by_order[pk]]
    prev_packs, prev_users, prev_groups, _, _ = _quantities(earlier)
    packs, users, groups, contents, seats = _quantities([*earlier, *lines_by_order[order.pk]])
    unsure = [_quantities(lines_by_order[pk]) for pk in sorted(uncertain)]
    for extra in unsure:
        contents = {**extra[3], **contents}
    numbers = DID.objects.filter(customer=customer, state="assigned").values_list("e164",
                                                                                   flat=True)
    enterprise_known = enterprise.customers.filter(
        activated_at__isnull=False, service_type="hosted").exists()
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
        numbers=tuple(sorted(bw_number(n) for n in numbers)),
    )


# -- Reading BroadWorks -------------------------------------------------------------------


@dataclass
class Observed:
    """What BroadWorks holds, read in one document at the start of a run."""

    system_domains: set[str] | None = None
    sp: Any = None
    sp_domains: set[str] = field(default_factory=set)
    sp_user_services: dict[str, str] = field(default_factory=dict)
    sp_group_services: dict[str, str] = field(default_factory=dict)
    sp_packs: set[str] = field(default_factory=set)
    group: Any = None
    group_packs: dict[str, str] = field(default_factory=dict)
    group_user_services: dict[str, str] = field(default_factory=dict)
    group_group_services: dict[str, str] = field(default_factory=dict)
    group_assigned: set[str] = field(default_factory=set)
    sp_numbers: dict[str, str] = field(default_factory=dict)  # number -> group id or ""


def read_requests(desired: Desired) -> list[tuple[str, dict[str, Any]]]:
    sp, group = {"service_provider_id": desired.sp_id}, {"service_provider_id": desired.sp_id,
                                                          "group_id": desired.group_id}
    return [
        ("SystemDomainGetListRequest", {}),
        ("ServiceProviderGetRequest22V4", sp),
        ("ServiceProviderDomainGetAssignedListRequest", sp),
        ("ServiceProviderServiceGetAuthorizationListRequest", sp),
        ("ServiceProviderServicePackGetListRequest", sp),
        ("ServiceProviderDnGetSummaryListRequest", sp),
        ("GroupGetRequest22V5", group),
        ("GroupServiceGetAuthorizationListRequest", group),
    ]


def _ok(result: OCIResult) -> Any:
    """The response, None when BroadWorks says the object does not exist, else raise."""
    if result.ok:
        return result.response
    if isinstance(result.error, OCINotFound):
        return None
    raise result.error  # type: ignore[misc]


def _rows(table: Any) -> list[Any]:
    return list(table or [])


def parse_reads(results: list[OCIResult]) -> Observed:
    (domains, sp, sp_domains, sp_auth, sp_packs, sp_dns, group, group_auth) = (
        _ok(r) for r in results)
    seen = Observed()
    if domains is not None:
        seen.system_domains = {*(domains.domain or []), domains.system_default_domain}
    seen.sp = sp
    if sp is not None:
        seen.sp_domains = {*(sp_domains.domain or []), sp_domains.service_provider_default_domain}
        seen.sp_user_services = {r.service_name: r.quantity
                                 for r in _rows(sp_auth.user_services_authorization_table)
                                 if r.authorized == "true"}
        seen.sp_group_services = {r.service_name: r.quantity
                                  for r in _rows(sp_auth.group_services_authorization_table)
                                  if r.authorized == "true"}
        seen.sp_packs = set(sp_packs.service_pack_name or [])
        seen.sp_numbers = dn_summary_numbers(sp_dns.dn_summary_table)  # ranges expanded
    seen.group = group
    if group is not None and group_auth is not None:
        seen.group_packs = {r.service_pack_name: r.allocated
                            for r in _rows(group_auth.service_packs_authorization_table)
                            if r.authorized == "true"}
        seen.group_group_services = {
            r.service_name: r.quantity
            for r in _rows(group_auth.group_services_authorization_table)
            if r.authorized == "true"}
        seen.group_assigned = {r.service_name
                               for r in _rows(group_auth.group_services_authorization_table)
                               if r.assigned == "true"}
        seen.group_user_services = {r.service_name: r.quantity
                                    for r in _rows(group_auth.user_services_authorization_table)
                                    if r.authorized == "true"}
    return seen


# -- The diff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    step: str
    request: tuple[str, dict[str, Any]]
    creates: str  # what a person reads in "already created in BroadWorks"


def _qty(text: str | None) -> int | None:
    """BroadWorks quantity text -> int; None for unlimited or missing."""
    if text is None or text == "" or text.lower() == "unlimited":
        return None
    return int(text)


def _subset_sums(shares: list[int]) -> set[int]:
    """Every total a subset of ``shares`` can make (interrupted orders: applied or not)."""
    sums = {0}
    for share in shares:
        sums |= {total + share for total in sums}
    return sums


def plan_actions(desired: Desired, seen: Observed) -> list[Action]:
    """The commands that bring BroadWorks from ``seen`` to ``desired``, in dependency order.

    Raises ProvisioningConflict when BroadWorks holds something different from what Orion
    expects (never overwritten silently).
    """
    actions: list[Action] = []
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}

    # Domain at system level first: a new enterprise's default domain must already exist.
    domains_needed = {d for d in (desired.domain, desired.sp_default_domain) if d}
    for domain in sorted(domains_needed):
        if seen.system_domains is not None and domain not in seen.system_domains:
            actions.append(Action("domain", ("SystemDomainAddRequest", {"domain": domain}),
                                  f"system domain {domain}"))

    if seen.sp is None:
        if not desired.creates_enterprise:
            raise ProvisioningConflict(
                f"Enterprise {desired.sp_id} is missing from BroadWorks, although Orion "
                "provisioned it before: it was removed outside Orion. Restore it in "
                "BroadWorks (or ask operations to), then press Retry.", step="enterprise")
        actions.append(Action("enterprise", ("ServiceProviderAddRequest13mp2", {
            **sp_fields, "is_enterprise": True, "default_domain": desired.sp_default_domain,
            "service_provider_name": desired.sp_name[:80]}),
            f"enterprise {desired.sp_id}"))
        sp_domains = {desired.sp_default_domain}
    else:
        if not seen.sp.is_enterprise:
            raise ProvisioningConflict(
                f"{desired.sp_id} exists in BroadWorks as a service provider, not an "
                "enterprise.", step="enterprise")
        if desired.creates_enterprise and (seen.sp.service_provider_name or "") != (
                desired.sp_name[:80]):
            raise ProvisioningConflict(
                f"Enterprise {desired.sp_id} already exists in BroadWorks with the name "
                f'"{seen.sp.service_provider_name}", not "{desired.sp_name}".',
                step="enterprise")
        sp_domains = seen.sp_domains
    # Whatever domain the group uses is the enterprise's before the group needs it.
    if desired.domain and desired.domain not in sp_domains:
        actions.append(Action("domain", ("ServiceProviderDomainAssignListRequest", {
            **sp_fields, "domain": [desired.domain]}),
            f"domain {desired.domain} assigned to {desired.sp_id}"))

    # Enterprise-level authorizations: unlimited; the group carries the ordered quantities.
    user_services = sorted({s for services in desired.packs.values() for s in services}
                           | set(desired.user_services))
    missing_users = [s for s in user_services if s not in seen.sp_user_services]
    missing_groups = [s for s in sorted(desired.group_services)
                      if s not in seen.sp_group_services]
    for name, limit in (*[(s, seen.sp_user_services.get(s)) for s in user_services],
                        *[(s, seen.sp_group_services.get(s)) for s in desired.group_services]):
        needed = desired.user_services.get(name) or desired.group_services.get(name) or 0
        if limit is not None and _qty(limit) is not None and _qty(limit) < needed:
            raise ProvisioningConflict(
                f'The enterprise may use "{name}" {limit} times in BroadWorks; this customer '
                f"needs {needed}. Raise the enterprise's authorization first.",
                step="enterprise_services")
    if missing_users or missing_groups:
        fields: dict[str, Any] = dict(sp_fields)
        if missing_users:
            fields["user_service_authorization"] = [
                {"service_name": s, "authorized_quantity": {"unlimited": True}}
                for s in missing_users]
        if missing_groups:
            fields["group_service_authorization"] = [
                {"service_name": s, "authorized_quantity": {"unlimited": True}}
                for s in missing_groups]
        actions.append(Action("enterprise_services",
                              ("ServiceProviderServiceModifyAuthorizationListRequest", fields),
                              f"{len(missing_users) + len(missing_groups)} service "
                              f"authorizations for {desired.sp_id}"))
    for pack in sorted(desired.packs):
        if pack not in seen.sp_packs:
            actions.append(Action("service_packs", ("ServiceProviderServicePackAddRequest", {
                **sp_fields, "service_pack_name": pack, "is_available_for_use": True,
                "service_pack_quantity": {"unlimited": True},
                "service_name": list(desired.packs[pack])}), f"service pack {pack}"))

    # The group.
    if seen.group is None:
        if not desired.creates_group:
            raise ProvisioningConflict(
                f"Group {desired.group_id} is missing from enterprise {desired.sp_id} in "
                "BroadWorks, although Orion provisioned it before: it was removed outside "
                "Orion. Restore it in BroadWorks, then press Retry.", step="group")
        actions.append(Action("group", ("GroupAddRequest", {
            **group_fields, "default_domain": desired.domain,
            "user_limit": desired.user_limit, "group_name": desired.group_name,
            "calling_line_id_name": desired.clid_name, "time_zone": desired.time_zone,
            "contact": desired.contact, "address": desired.address}),
            f"group {desired.group_id}"))
    else:
        if desired.creates_group and (seen.group.group_name != desired.group_name
                                      or seen.group.time_zone != desired.time_zone):
            raise ProvisioningConflict(
                f"Group {desired.group_id} already exists in BroadWorks as "
                f'"{seen.group.group_name}" ({seen.group.time_zone}), not '
                f'"{desired.group_name}" ({desired.time_zone}).', step="group")
        if (seen.group.user_limit or 0) < desired.user_limit:
            actions.append(Action("group", ("GroupModifyRequest", {
                **group_fields, "user_limit": desired.user_limit}),
                f"user limit of {desired.group_id} raised to {desired.user_limit}"))

    # Group authorizations with quantities, then assignment of group services.
    auth: dict[str, list[dict[str, Any]]] = {}
    for kind, key, target, previous, unsure, current in (
        ("service_pack_authorization", "service_pack_name", desired.pack_qty,
         desired.prev_pack_qty, desired.uncertain_pack_qty, seen.group_packs),
        ("user_service_authorization", "service_name", desired.user_services,
         desired.prev_user_services, desired.uncertain_user_services,
         seen.group_user_services),
        ("group_service_authorization", "service_name", desired.group_services,
         desired.prev_group_services, desired.uncertain_group_services,
         seen.group_group_services),
    ):
        for name, quantity in sorted(target.items()):
            have = _qty(current.get(name)) if name in current else 0
            before = previous.get(name, 0)
            mine = quantity - before
            maybe = _subset_sums([u.get(name, 0) for u in unsure])
            if have is not None and have - before - mine in maybe:
                continue  # already there, this order's share included
            if have is None or have - before not in maybe:
                raise ProvisioningConflict(
                    f'BroadWorks authorizes "{name}" {current.get(name)} times for group '
                    f"{desired.group_id}; Orion expected {before} before this order (and "
                    f"{quantity} after it). Someone changed it outside Orion.",
                    step="group_services")
            auth.setdefault(kind, []).append(
                {key: name, "authorized_quantity": {"quantity": have + mine}})
    if auth:
        actions.append(Action("group_services", ("GroupServiceModifyAuthorizationListRequest",
                                                 {**group_fields, **auth}),
                              f"service authorizations of {desired.group_id}"))
    to_assign = [s for s in sorted(desired.group_services) if s not in seen.group_assigned]
    if to_assign:
        actions.append(Action("group_services", ("GroupServiceAssignListRequest", {
            **group_fields, "service_name": to_assign}),
            f"group services {', '.join(to_assign)}"))

    # Numbers: added to the enterprise, then assigned to the group.
    foreign = [n for n in desired.numbers
               if seen.sp_numbers.get(n) not in (None, "", desired.group_id)]
    if foreign:
        raise ProvisioningConflict(
            f"{', '.join(foreign)} already belong(s) to another group in BroadWorks.",
            step="assign_numbers")
    to_add = [n for n in desired.numbers if n not in seen.sp_numbers]
    to_assign_dn = [n for n in desired.numbers if seen.sp_numbers.get(n) != desired.group_id]
    for start in range(0, len(to_add), 100):
        chunk = to_add[start:start + 100]
        actions.append(Action("numbers", ("ServiceProviderDnAddListRequest", {
            **sp_fields, "phone_number": chunk}), f"{len(chunk)} numbers in {desired.sp_id}"))
    for start in range(0, len(to_assign_dn), 100):
        chunk = to_assign_dn[start:start + 100]
        actions.append(Action("assign_numbers", ("GroupDnAssignListRequest", {
            **group_fields, "phone_number": chunk}),
            f"{len(chunk)} numbers assigned to {desired.group_id}"))
    return actions
