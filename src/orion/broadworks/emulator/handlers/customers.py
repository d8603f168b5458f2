"""Customers: BroadWorks groups inside an enterprise."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import broadworks_ocip.types as ocip_types
from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import (
    Context,
    handles,
    matches,
    plain,
    respond,
    success,
    typed,
)
from orion.broadworks.emulator.handlers.domains import group_domain_assign
from orion.broadworks.emulator.handlers.extension_lengths import set_extension_lengths
from orion.broadworks.emulator.handlers.numbers import group_dn_assign
from orion.broadworks.emulator.handlers.services import (
    group_service_assign,
    group_service_authorize,
)
from orion.broadworks.emulator.state import Group


@handles("GroupAddRequest", mutates=True)
def group_add(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    group_id = formats.check_token(req.group_id, "groupId")
    formats.check_name(req.group_name, "groupName")
    formats.check_name(req.calling_line_id_name, "callingLineIdName")
    formats.check_user_limit(req.user_limit)
    formats.check_time_zone(req.time_zone)
    domain = formats.check_domain(req.default_domain)
    if group_id in sp.groups:
        raise EmulatorError(Err.GROUP_ALREADY_EXISTS, sp=sp.service_provider_id, group=group_id)
    if domain not in sp.domains:
        raise EmulatorError(Err.DOMAIN_NOT_ASSIGNED, sp=sp.service_provider_id, domain=domain)
    sp.groups[group_id] = Group(
        group_id=group_id,
        default_domain=domain,
        user_limit=req.user_limit,
        name=req.group_name,
        calling_line_id_name=req.calling_line_id_name,
        time_zone=req.time_zone,
        contact=plain(req.contact),
        address=plain(req.address),
        domains=[domain],
    )
    return success()


@handles("GroupGetRequest22V5")
def group_get(ctx: Context, req: Any) -> OCIResponse:
    if req.service_provider_id is None or req.group_id is None:
        raise formats.invalid("serviceProviderId and groupId are required by this emulator")
    group = ctx.state.group(req.service_provider_id, req.group_id)
    time_zone = group.time_zone or ctx.server_time_zone
    return respond(
        "GroupGetResponse22V5",
        default_domain=group.default_domain,
        user_limit=group.user_limit,
        user_count=len(group.users),
        group_name=group.name,
        calling_line_id_name=group.calling_line_id_name,
        time_zone=time_zone,
        time_zone_display_name=formats.time_zones().get(time_zone, time_zone),
        contact=typed(ocip_types.Contact, group.contact),
        address=typed(ocip_types.StreetAddress, group.address),
        service_provider_id=req.service_provider_id,
        group_id=group.group_id,
    )


@handles("GroupModifyRequest", mutates=True)
def group_modify(ctx: Context, req: Any) -> OCIResponse:
    """Change a group's name, calling line id name, time zone, user limit or default domain."""
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    if req.group_name is not None:
        formats.check_name(req.group_name, "groupName")
    if req.calling_line_id_name is not None:
        formats.check_name(req.calling_line_id_name, "callingLineIdName")
    if req.user_limit is not None:
        formats.check_user_limit(req.user_limit)
        if req.user_limit < len(group.users):
            raise EmulatorError(
                Err.USER_LIMIT_BELOW_USERS,
                sp=sp.service_provider_id,
                group=group.group_id,
                users=len(group.users),
            )
    if req.time_zone is not None:
        formats.check_time_zone(req.time_zone)
    domain = None
    if req.default_domain is not None:
        domain = formats.check_domain(req.default_domain)
        if domain not in sp.domains:
            raise EmulatorError(Err.DOMAIN_NOT_ASSIGNED, sp=sp.service_provider_id, domain=domain)
    for field in ("group_name", "calling_line_id_name", "time_zone", "user_limit"):
        value = getattr(req, field)
        if value is not None:
            setattr(group, "name" if field == "group_name" else field, value)
    if domain is not None:
        group.default_domain = domain
        if domain not in group.domains:
            group.domains.append(domain)
    if req.contact is not None:
        group.contact = plain(req.contact)
    if req.address is not None:
        group.address = plain(req.address)
    return success()


@handles("GroupGetListInServiceProviderRequest")
def group_list(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    rows = [
        (g.group_id, g.name or "", str(g.user_limit))
        for g in sp.groups.values()
        if matches(g.group_id, req.search_criteria_group_id)
        and matches(g.name, req.search_criteria_group_name)
    ]
    if req.response_size_limit:
        rows = rows[: req.response_size_limit]
    table = codec.Table(("Group Id", "Group Name", "User Limit"), rows)
    return respond("GroupGetListInServiceProviderResponse", group_table=table)


@handles("GroupDeleteRequest", mutates=True)
def group_delete(ctx: Context, req: Any) -> OCIResponse:
    """The group's users and devices go with it (as on BroadWorks); its DNs stay with the
    enterprise, available again."""
    ctx.state.group(req.service_provider_id, req.group_id)
    del ctx.state.service_providers[req.service_provider_id].groups[req.group_id]
    return success()


@handles("GroupConsolidatedAddRequest", mutates=True)
def group_consolidated_add(ctx: Context, req: Any) -> OCIResponse:
    """The current way to add a group (GroupAddRequest's replacement): the group with its
    domains, authorizations, assignments and numbers in one all-or-nothing step.

    The numbers must already belong to the enterprise (as for GroupDnAssignListRequest).
    """
    if req.service_provider_id is None or req.group_id is None:
        raise formats.invalid("serviceProviderId and groupId are required by this emulator")
    ids = {"service_provider_id": req.service_provider_id, "group_id": req.group_id}
    group_add(ctx, req)
    lengths = (req.min_extension_length, req.max_extension_length, req.default_extension_length)
    if any(length is not None for length in lengths):
        group = ctx.state.group(req.service_provider_id, req.group_id)
        set_extension_lengths(group, *lengths, sp_id=req.service_provider_id)
    extra = [d for d in req.domain or [] if d.lower() != req.default_domain.lower()]
    if extra:
        group_domain_assign(ctx, SimpleNamespace(**ids, domain=extra))
    group_auth = [
        SimpleNamespace(
            service_name=a.service_name,
            authorized_quantity=a.authorized_quantity,
            unauthorized=None,
        )
        for a in req.group_service_authorization_and_assignment or []
    ]
    if group_auth or req.user_service_authorization or req.service_pack_authorization:
        group_service_authorize(
            ctx,
            SimpleNamespace(
                **ids,
                service_pack_authorization=req.service_pack_authorization,
                group_service_authorization=group_auth,
                user_service_authorization=req.user_service_authorization,
            ),
        )
    assign = [
        a.service_name for a in req.group_service_authorization_and_assignment or [] if a.assign
    ]
    if assign:
        group_service_assign(ctx, SimpleNamespace(**ids, service_name=assign))
    numbers = [n.dn for n in req.activatable_phone_number or []]
    dn_ranges = list(req.activatable_dn_range or [])
    if numbers or dn_ranges:
        group_dn_assign(ctx, SimpleNamespace(**ids, phone_number=numbers, dn_range=dn_ranges))
    return success()
