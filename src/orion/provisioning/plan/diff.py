"""The diff: the commands that bring BroadWorks from what it holds (``Observed``) to
what the order wants (``Desired``), one named function per part, in dependency order.
"""

from __future__ import annotations

from typing import Any

from orion.provisioning.exceptions import ProvisioningConflict
from orion.provisioning.plan import seats
from orion.provisioning.plan.action import Action
from orion.provisioning.plan.desired import Desired
from orion.provisioning.plan.reads import Observed

# -- The diff ------------------------------------------------------------------------------


def _qty(text: str | None) -> int | None:
    """BroadWorks quantity text -> int; None for unlimited or missing."""
    if text is None or text == "" or text.lower() == "unlimited":
        return None
    return int(text)


def _e164(number: str) -> str:
    """BroadWorks' +1-2125550100 as Orion (and the drift audit) names it: +12125550100."""
    return number.replace("-", "")


def _subset_sums(shares: list[int]) -> set[int]:
    """Every total a subset of ``shares`` can make (interrupted orders: applied or not)."""
    sums = {0}
    for share in shares:
        sums |= {total + share for total in sums}
    return sums


def _system_domains(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Domains at system level first: a new enterprise's default domain must exist."""
    # Domain at system level first: a new enterprise's default domain must already exist.
    domains_needed = {d for d in (desired.domain, desired.sp_default_domain) if d}
    for domain in sorted(domains_needed):
        if seen.system_domains is not None and domain not in seen.system_domains:
            actions.append(Action("domain", ("SystemDomainAddRequest", {"domain": domain}),
                                  f"system domain {domain}"))


def _enterprise(desired: Desired, seen: Observed, actions: list[Action]) -> set[str]:
    """The enterprise: created when Orion has not provisioned it, else checked. Returns
    the domains it holds."""
    sp_fields = {"service_provider_id": desired.sp_id}
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
        return {desired.sp_default_domain}
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
        return seen.sp_domains


def _enterprise_domain(desired: Desired, seen: Observed, actions: list[Action],
                       sp_domains: set[str]) -> None:
    """The group's domain is the enterprise's before the group needs it."""
    sp_fields = {"service_provider_id": desired.sp_id}
    # Whatever domain the group uses is the enterprise's before the group needs it.
    if desired.domain and desired.domain not in sp_domains:
        actions.append(Action("domain", ("ServiceProviderDomainAssignListRequest", {
            **sp_fields, "domain": [desired.domain]}),
            f"domain {desired.domain} assigned to {desired.sp_id}"))


def _enterprise_services(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Enterprise-level authorizations: unlimited; the group carries the quantities."""
    sp_fields = {"service_provider_id": desired.sp_id}
    # Enterprise-level authorizations: unlimited; the group carries the ordered quantities.
    user_services = sorted({s for services in desired.packs.values() for s in services}
                           | set(desired.user_services))
    missing_users = [s for s in user_services if s not in seen.sp_user_services]
    missing_groups = [s for s in sorted(desired.group_services)
                      if s not in seen.sp_group_services]
    for name, limit in (*[(s, seen.sp_user_services.get(s)) for s in user_services],
                        *[(s, seen.sp_group_services.get(s)) for s in desired.group_services]):
        needed = desired.user_services.get(name) or desired.group_services.get(name) or 0
        if limit is not None and (qty := _qty(limit)) is not None and qty < needed:
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
                              f"authorizations for {desired.sp_id}: "
                              + ", ".join([*missing_users, *missing_groups])))


def _service_packs(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """The service packs of the ordered seat packages, at the enterprise."""
    sp_fields = {"service_provider_id": desired.sp_id}
    for pack in sorted(desired.packs):
        if pack not in seen.sp_packs:
            actions.append(Action("service_packs", ("ServiceProviderServicePackAddRequest", {
                **sp_fields, "service_pack_name": pack, "is_available_for_use": True,
                "service_pack_quantity": {"unlimited": True},
                "service_name": list(desired.packs[pack])}), f"service pack {pack}"))


def _group(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """The group: created when Orion has not provisioned it, else checked; user limit."""
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}
    # The group.
    if seen.group is None:
        if not desired.creates_group:
            raise ProvisioningConflict(
                f"Group {desired.group_id} is missing from enterprise {desired.sp_id} in "
                "BroadWorks, although Orion provisioned it before: it was removed outside "
                "Orion. Restore it in BroadWorks, then press Retry.", step="group",
                drift=("group_missing", desired.group_id, "present", "absent"))
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


def _authorization_drift(kind: str, name: str, before: int, held: str | None,
                         assigned: bool) -> tuple[str, str, str, str]:
    """The drift entry an unexplained authorization is, named as the audit names it
    (``adoption.drift``): a service pack Orion counts that the group lacks, or holds that
    Orion counts none of; an assigned group service Orion counts none of; else a quantity."""
    if kind == "service_pack" and before and held is None:
        return ("pack_missing", name, str(before), "absent")
    if kind == "service_pack" and not before and held is not None:
        return ("pack_extra", name, "0", held)
    if kind == "group_service" and not before and assigned:
        return ("gs_assigned", name, "0", held or "0")
    return ("quantity", f"{kind}:{name}", str(before), held or "0")


def _removals(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """A change order's removals, before the authorizations are lowered (BroadWorks refuses a
    quantity below what users use) and in the order BroadWorks accepts them: the users and
    their phones, then the numbers from the group (refused while a user has one), then from
    the enterprise. Only what BroadWorks still holds is sent, so a re-run removes nothing
    twice."""
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}
    for user_id in desired.remove_users:
        if user_id in seen.users:
            actions.append(Action("users", ("UserDeleteRequest", {"user_id": user_id}),
                                  f"user {user_id} removed"))
    for device in desired.remove_devices:
        if device in seen.devices:
            actions.append(Action("devices", ("GroupAccessDeviceDeleteRequest", {
                **group_fields, "device_name": device}), f"phone {device} removed"))
    in_group = [n for n in desired.remove_numbers if seen.sp_numbers.get(n) == desired.group_id]
    foreign = [n for n in desired.remove_numbers
               if seen.sp_numbers.get(n) not in (None, "", desired.group_id)]
    if foreign:
        raise ProvisioningConflict(
            f"{', '.join(foreign)} belong(s) to another group in BroadWorks, not to "
            f"{desired.group_id}: changed outside Orion.", step="assign_numbers",
            drift=("number_elsewhere", _e164(foreign[0]), desired.group_id,
                   seen.sp_numbers[foreign[0]]))
    in_enterprise = [n for n in desired.remove_numbers if n in seen.sp_numbers]
    for start in range(0, len(in_group), 100):
        chunk = in_group[start:start + 100]
        actions.append(Action("assign_numbers", ("GroupDnUnassignListRequest", {
            **group_fields, "phone_number": chunk}),
            f"{len(chunk)} numbers given back from {desired.group_id}: {', '.join(chunk)}"))
    for start in range(0, len(in_enterprise), 100):
        chunk = in_enterprise[start:start + 100]
        actions.append(Action("numbers", ("ServiceProviderDnDeleteListRequest", {
            **sp_fields, "phone_number": chunk}),
            f"{len(chunk)} numbers removed from {desired.sp_id}: {', '.join(chunk)}"))


def _group_authorizations(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Group authorizations with absolute quantities (earlier orders + this one).

    A change order may lower a quantity (``quantity < previous``) or take it to 0, which
    removes the authorization (``unauthorized``); a group service is unassigned from the
    group first, since BroadWorks refuses to unauthorize an assigned one. BroadWorks refuses
    a quantity below what the group's users use: the form refused that first, so a refusal
    here means users were added outside Orion.
    """
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}
    # Group authorizations with quantities, then assignment of group services.
    auth: dict[str, list[dict[str, Any]]] = {}
    changed: list[str] = []
    unassign: list[str] = []
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
                held = (f'authorizes "{name}" {current[name]} times' if name in current
                        else f'does not authorize "{name}"')
                raise ProvisioningConflict(
                    f"BroadWorks {held} for group "
                    f"{desired.group_id}; Orion expected {before} before this order (and "
                    f"{quantity} after it). Someone changed it outside Orion.",
                    step="group_services",
                    drift=_authorization_drift(kind.removesuffix("_authorization"), name,
                                               before, current.get(name),
                                               name in seen.group_assigned))
            if have + mine <= 0:
                auth.setdefault(kind, []).append({key: name, "unauthorized": True})
                changed.append(f"{name} removed")
                if kind == "group_service_authorization" and name in seen.group_assigned:
                    unassign.append(name)
                continue
            auth.setdefault(kind, []).append(
                {key: name, "authorized_quantity": {"quantity": have + mine}})
            if mine < 0:
                changed.append(f"{name} lowered {have} -> {have + mine}")
    if unassign:
        actions.append(Action("group_services", ("GroupServiceUnassignListRequest", {
            **group_fields, "service_name": unassign}),
            f"group services unassigned from {desired.group_id}: {', '.join(unassign)}"))
    if auth:
        what = f"service authorizations of {desired.group_id}"
        if changed:
            what += f" ({'; '.join(changed)})"
        actions.append(Action("group_services", ("GroupServiceModifyAuthorizationListRequest",
                                                 {**group_fields, **auth}), what))


def _group_service_assignment(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Group services ordered are assigned to the group."""
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}
    to_assign = [s for s, qty in sorted(desired.group_services.items())
                 if qty > 0 and s not in seen.group_assigned]
    if to_assign:
        actions.append(Action("group_services", ("GroupServiceAssignListRequest", {
            **group_fields, "service_name": to_assign}),
            f"group services {', '.join(to_assign)}"))


def _retire_service_packs(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """A service pack the change removed and no other customer needs leaves the enterprise,
    after the group gave it up (BroadWorks refuses while a group is authorized for it)."""
    for pack in desired.retire_packs:
        if pack in seen.sp_packs:
            actions.append(Action("service_packs", ("ServiceProviderServicePackDeleteRequest", {
                "service_provider_id": desired.sp_id, "service_pack_name": pack}),
                f"service pack {pack} removed from {desired.sp_id}"))


def _numbers(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Numbers: added to the enterprise, then assigned to the group (chunks of 100)."""
    sp_fields = {"service_provider_id": desired.sp_id}
    group_fields = {**sp_fields, "group_id": desired.group_id}
    # Numbers: added to the enterprise, then assigned to the group.
    foreign = [n for n in desired.numbers
               if seen.sp_numbers.get(n) not in (None, "", desired.group_id)]
    if foreign:
        raise ProvisioningConflict(
            f"{', '.join(foreign)} already belong(s) to another group in BroadWorks.",
            step="assign_numbers",
            drift=("number_elsewhere", _e164(foreign[0]), desired.group_id,
                   seen.sp_numbers[foreign[0]]))
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


def _lower_user_limit(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """A change that lowered the seats lowers the group's user limit with them, after its
    users are removed: BroadWorks refuses a user limit below the users the group has
    (``GroupModifyRequest``), so the limit never goes below the users it keeps, nor below
    what an interrupted earlier order may still hold. Already lowered: nothing is sent."""
    if not desired.lowers_user_limit or seen.group is None:
        return
    keeps = len(set(seen.users) - set(desired.remove_users))
    limit = max(1, desired.user_limit, desired.user_limit_floor, keeps)
    if (seen.group.user_limit or 0) > limit:
        actions.append(Action("group", ("GroupModifyRequest", {
            "service_provider_id": desired.sp_id, "group_id": desired.group_id,
            "user_limit": limit}),
            f"user limit of {desired.group_id} lowered to {limit}"))


def plan_actions(desired: Desired, seen: Observed) -> list[Action]:
    """The commands that bring BroadWorks from ``seen`` to ``desired``, in dependency order.

    Raises ProvisioningConflict when BroadWorks holds something different from what Orion
    expects (never overwritten silently).
    """
    actions: list[Action] = []
    _system_domains(desired, seen, actions)
    sp_domains = _enterprise(desired, seen, actions)
    _enterprise_domain(desired, seen, actions, sp_domains)
    _enterprise_services(desired, seen, actions)
    _service_packs(desired, seen, actions)
    _group(desired, seen, actions)
    _removals(desired, seen, actions)
    _lower_user_limit(desired, seen, actions)
    _group_authorizations(desired, seen, actions)
    _group_service_assignment(desired, seen, actions)
    _retire_service_packs(desired, seen, actions)
    _numbers(desired, seen, actions)
    seats.devices(desired, seen, actions)
    seats.users(desired, seen, actions)
    return actions
