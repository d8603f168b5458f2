"""DNs (DIDs): added to the enterprise first, then assigned to one of its groups."""

from __future__ import annotations

from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec, ranges
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import (
    Context,
    flag,
    handles,
    matches,
    respond,
    success,
)
from orion.broadworks.emulator.state import ServiceProvider


def _dn_list(phone_numbers: list[str] | None, ranges: list[Any] | None) -> list[str]:
    dns = [formats.normalize_dn(n) for n in phone_numbers or []]
    for dn_range in ranges or []:
        dns.extend(formats.expand_dn_range(dn_range.min_phone_number, dn_range.max_phone_number))
    return dns


def add_dns_to_sp(ctx: Context, sp: ServiceProvider, numbers: Any, ranges: Any) -> None:
    seen: set[str] = set()
    dns = _dn_list(numbers, ranges)
    for dn in dns:
        if dn in seen or ctx.state.dn_owner(dn) is not None:
            raise EmulatorError(Err.DN_ALREADY_EXISTS, dn=dn)
        seen.add(dn)
    sp.dns.extend(dns)


@handles("ServiceProviderDnAddListRequest", mutates=True)
def sp_dn_add(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    if not req.phone_number and not req.dn_range:
        raise formats.invalid("phoneNumber or dnRange is required")
    add_dns_to_sp(ctx, sp, req.phone_number, req.dn_range)
    return success()


@handles("ServiceProviderDnGetAvailableListRequest")
def sp_dn_available(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    assigned = {dn for group in sp.groups.values() for dn in group.dns}
    available = [dn for dn in sp.dns if dn not in assigned]
    return respond("ServiceProviderDnGetAvailableListResponse", available_dn=available)


@handles("ServiceProviderDnGetSummaryListRequest")
def sp_dn_summary(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    rows = []
    for dn in sp.dns:
        owner = sp.dn_owner(dn)
        if matches(dn, req.search_criteria_dn) and matches(
            owner.group_id if owner else "", req.search_criteria_group_id
        ):
            rows.append((dn, owner.group_id if owner else "", flag(owner is None)))
    # BroadWorks shows consecutive numbers with the same group as one range row.
    table = codec.Table(("Phone Numbers", "Group Id", "Can Delete"), ranges.coalesce(rows))
    return respond("ServiceProviderDnGetSummaryListResponse", dn_summary_table=table)


@handles("GroupDnAssignListRequest", mutates=True)
def group_dn_assign(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    dns = _dn_list(req.phone_number, req.dn_range)
    if not dns:
        raise formats.invalid("phoneNumber or dnRange is required")
    ids = {"sp": sp.service_provider_id, "group": group.group_id}
    for dn in dns:
        if dn not in sp.dns:
            raise EmulatorError(Err.DN_NOT_IN_SERVICE_PROVIDER, sp=sp.service_provider_id, dn=dn)
        owner = sp.dn_owner(dn)
        if owner is group or dns.count(dn) > 1:
            raise EmulatorError(Err.DN_ALREADY_ASSIGNED, dn=dn, **ids)
        if owner is not None:
            raise EmulatorError(
                Err.DN_IN_USE, dn=dn, owner=f"{sp.service_provider_id}:{owner.group_id}"
            )
    group.dns.extend(dns)
    return success()


@handles("GroupDnGetListRequest")
def group_dn_list(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    return respond("GroupDnGetListResponse", phone_number=list(group.dns))


def _unique(dns: list[str]) -> list[str]:
    """The numbers once each, in their order (a number named twice is unassigned once)."""
    return list(dict.fromkeys(dns))


@handles("GroupDnUnassignListRequest", mutates=True)
def group_dn_unassign(ctx: Context, req: Any) -> OCIResponse:
    """The numbers go back to the enterprise, available to its groups again.

    Refused while a user of the group has one of them: BroadWorks does not take a number
    away from a user behind its back; the user gives it up first (UserModifyRequest17sp4
    with phoneNumber nil, or UserDeleteRequest).
    """
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    dns = _unique(_dn_list(req.phone_number, req.dn_range))
    if not dns:
        raise formats.invalid("phoneNumber or dnRange is required")
    ids = {"sp": sp.service_provider_id, "group": group.group_id}
    users = {user.phone_number: user.user_id for user in group.users.values()}
    for dn in dns:
        if dn not in group.dns:
            raise EmulatorError(Err.DN_NOT_IN_GROUP, dn=dn, **ids)
        if dn in users:
            raise EmulatorError(Err.DN_IN_USE_BY_A_USER, dn=dn, user=users[dn])
    group.dns = [dn for dn in group.dns if dn not in dns]
    return success()


@handles("ServiceProviderDnDeleteListRequest", mutates=True)
def sp_dn_delete(ctx: Context, req: Any) -> OCIResponse:
    """The numbers leave the enterprise (and the system); refused while a group has one."""
    sp = ctx.state.service_provider(req.service_provider_id)
    dns = _unique(_dn_list(req.phone_number, req.dn_range))
    if not dns:
        raise formats.invalid("phoneNumber or dnRange is required")
    for dn in dns:
        if dn not in sp.dns:
            raise EmulatorError(Err.DN_NOT_IN_SERVICE_PROVIDER, sp=sp.service_provider_id, dn=dn)
        owner = sp.dn_owner(dn)
        if owner is not None:
            raise EmulatorError(
                Err.DN_ASSIGNED_TO_GROUP, dn=dn, owner=f"{sp.service_provider_id}:{owner.group_id}"
            )
    sp.dns = [dn for dn in sp.dns if dn not in dns]
    return success()
