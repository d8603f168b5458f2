"""Enterprises: BroadWorks service providers with isEnterprise, plain and Consolidated."""

from __future__ import annotations

from typing import Any

import broadworks_ocip.types as ocip_types
from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import (
    Context,
    flag,
    handles,
    matches,
    plain,
    respond,
    success,
    typed,
)
from orion.broadworks.emulator.handlers.domains import assign_domains_to_sp
from orion.broadworks.emulator.handlers.numbers import add_dns_to_sp
from orion.broadworks.emulator.handlers.services import add_service_pack, authorize_sp_services
from orion.broadworks.emulator.state import ServiceProvider


def _sp_add(ctx: Context, req: Any) -> ServiceProvider:
    state = ctx.state
    sp_id = formats.check_token(req.service_provider_id, "serviceProviderId")
    formats.check_name(req.service_provider_name, "serviceProviderName")
    domain = formats.check_domain(req.default_domain)
    if sp_id in state.service_providers:
        raise EmulatorError(Err.SERVICE_PROVIDER_ALREADY_EXISTS, sp=sp_id)
    if domain not in state.system_domains:
        raise EmulatorError(Err.DOMAIN_NOT_FOUND, domain=domain)
    owner = state.domain_owner(domain)
    if owner is not None and domain != state.system_default_domain:
        raise EmulatorError(Err.DOMAIN_IN_USE, domain=domain, owner=owner)
    sp = ServiceProvider(
        service_provider_id=sp_id,
        default_domain=domain,
        is_enterprise=bool(req.is_enterprise),
        name=req.service_provider_name,
        support_email=req.support_email,
        contact=plain(req.contact),
        address=plain(req.address),
        domains=[domain],
    )
    state.service_providers[sp_id] = sp
    return sp


@handles("ServiceProviderAddRequest13mp2", mutates=True)
def sp_add(ctx: Context, req: Any) -> OCIResponse:
    _sp_add(ctx, req)
    return success()


@handles("ServiceProviderConsolidatedAddRequest", mutates=True)
def sp_consolidated_add(ctx: Context, req: Any) -> OCIResponse:
    """Enterprise with domains, authorizations, packs and DNs in one all-or-nothing step."""
    if req.service_provider_id is None:
        raise formats.invalid("serviceProviderId is required by this emulator")
    for domain in req.domain or []:
        # Consolidated requests add missing system domains on the way.
        domain = formats.check_domain(domain)
        if domain not in ctx.state.system_domains:
            ctx.state.system_domains.append(domain)
    if req.default_domain and req.default_domain.lower() not in ctx.state.system_domains:
        ctx.state.system_domains.append(formats.check_domain(req.default_domain))
    sp = _sp_add(ctx, req)
    extra = [d.lower() for d in req.domain or [] if d.lower() != sp.default_domain]
    if extra:
        assign_domains_to_sp(ctx, sp, extra)
    authorize_sp_services(sp, req.group_service_authorization, req.user_service_authorization)
    for pack in req.service_pack or []:
        add_service_pack(sp, pack)
    add_dns_to_sp(ctx, sp, req.phone_number, req.dn_range)
    return success()


@handles("ServiceProviderGetRequest22V4")
def sp_get(ctx: Context, req: Any) -> OCIResponse:
    if req.service_provider_id is None:
        raise formats.invalid("serviceProviderId is required by this emulator")
    sp = ctx.state.service_provider(req.service_provider_id)
    return respond(
        "ServiceProviderGetResponse22V4",
        is_enterprise=sp.is_enterprise,
        default_domain=sp.default_domain,
        service_provider_name=sp.name,
        support_email=sp.support_email,
        contact=typed(ocip_types.Contact, sp.contact),
        address=typed(ocip_types.StreetAddress, sp.address),
        use_service_provider_languages=False,
        service_provider_id=sp.service_provider_id,
    )


@handles("ServiceProviderGetListRequest")
def sp_list(ctx: Context, req: Any) -> OCIResponse:
    rows = [
        (sp.service_provider_id, sp.name or "", flag(sp.is_enterprise), "")
        for sp in ctx.state.service_providers.values()
        if (req.is_enterprise is None or sp.is_enterprise == req.is_enterprise)
        and matches(sp.service_provider_id, req.search_criteria_service_provider_id)
        and matches(sp.name, req.search_criteria_service_provider_name)
    ]
    if req.response_size_limit:
        rows = rows[: req.response_size_limit]
    columns = ("Service Provider Id", "Service Provider Name", "Is Enterprise", "Reseller Id")
    return respond(
        "ServiceProviderGetListResponse", service_provider_table=codec.Table(columns, rows)
    )


@handles("ServiceProviderDeleteRequest", mutates=True)
def sp_delete(ctx: Context, req: Any) -> OCIResponse:
    """Deletes the enterprise; its domains and DNs become free again.

    Refused while it has groups, as on BroadWorks: each group is deleted first
    (GroupDeleteRequest, which takes the group's users and devices with it).
    """
    sp = ctx.state.service_provider(req.service_provider_id)
    if sp.groups:
        raise EmulatorError(
            Err.SERVICE_PROVIDER_HAS_GROUPS,
            sp=sp.service_provider_id,
            groups=", ".join(sp.groups),
        )
    del ctx.state.service_providers[req.service_provider_id]
    return success()
