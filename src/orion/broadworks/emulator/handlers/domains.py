"""Domains at system, enterprise and group level; only the system default is shared."""

from __future__ import annotations

from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import Context, handles, respond, success
from orion.broadworks.emulator.state import ServiceProvider


@handles("SystemDomainAddRequest", mutates=True)
def system_domain_add(ctx: Context, req: Any) -> OCIResponse:
    domain = formats.check_domain(req.domain)
    if domain in ctx.state.system_domains:
        raise EmulatorError(Err.DOMAIN_ALREADY_EXISTS, domain=domain)
    ctx.state.system_domains.append(domain)
    return success()


@handles("SystemDomainGetListRequest22V2")
def system_domain_list_22v2(ctx: Context, req: Any) -> OCIResponse:
    """The current name: domains in a table with their reseller (none here)."""
    rows = [(domain, "") for domain in ctx.state.system_domains]
    if req.response_size_limit:
        rows = rows[: req.response_size_limit]
    return respond(
        "SystemDomainGetListResponse22V2",
        system_default_domain=ctx.state.system_default_domain,
        domain_table=codec.Table(("Domain Name", "Reseller Id"), rows),
    )


@handles("SystemDomainGetListRequest")
def system_domain_list(ctx: Context, req: Any) -> OCIResponse:
    """Deprecated since R22 (SystemDomainGetListRequest22V2); still accepted, as BroadWorks does."""
    return respond(
        "SystemDomainGetListResponse",
        system_default_domain=ctx.state.system_default_domain,
        domain=list(ctx.state.system_domains),
    )


def assign_domains_to_sp(ctx: Context, sp: ServiceProvider, domains: list[str]) -> None:
    """Only the system default domain may be shared; any other belongs to one enterprise."""
    state = ctx.state
    checked = []
    for raw in domains:
        domain = formats.check_domain(raw)
        if domain not in state.system_domains:
            raise EmulatorError(Err.DOMAIN_NOT_FOUND, domain=domain)
        if domain in sp.domains or domain in checked:
            raise EmulatorError(
                Err.DOMAIN_ALREADY_ASSIGNED, owner=sp.service_provider_id, domain=domain
            )
        owner = state.domain_owner(domain)
        if owner is not None and domain != state.system_default_domain:
            raise EmulatorError(Err.DOMAIN_IN_USE, domain=domain, owner=owner)
        checked.append(domain)
    sp.domains.extend(checked)


@handles("ServiceProviderDomainAssignListRequest", mutates=True)
def sp_domain_assign(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    assign_domains_to_sp(ctx, sp, list(req.domain))
    return success()


@handles(
    "ServiceProviderDomainGetAssignedListRequest", "ServiceProviderDomainGetAssignedListRequest22"
)
def sp_domain_list(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    return respond(
        req.type_.replace("Request", "Response"),
        service_provider_default_domain=sp.default_domain,
        domain=list(sp.domains),
    )


@handles("GroupDomainAssignListRequest", mutates=True)
def group_domain_assign(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    checked: list[str] = []
    for raw in req.domain:
        domain = formats.check_domain(raw)
        if domain not in sp.domains:
            raise EmulatorError(Err.DOMAIN_NOT_ASSIGNED, sp=sp.service_provider_id, domain=domain)
        if domain in group.domains or domain in checked:
            owner = f"{sp.service_provider_id}:{group.group_id}"
            raise EmulatorError(Err.DOMAIN_ALREADY_ASSIGNED, owner=owner, domain=domain)
        checked.append(domain)
    group.domains.extend(checked)
    return success()


@handles("GroupDomainGetAssignedListRequest")
def group_domain_list(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    return respond(
        "GroupDomainGetAssignedListResponse",
        group_default_domain=group.default_domain,
        domain=list(group.domains),
    )


@handles("GroupDomainUnassignListRequest", mutates=True)
def group_domain_unassign(ctx: Context, req: Any) -> OCIResponse:
    """The domains stay the enterprise's. Refused for the group's default domain and for a
    domain a user of the group has in its user id or line port (users are not renamed)."""
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    ids = {"sp": sp.service_provider_id, "group": group.group_id}
    domains = list(dict.fromkeys(formats.check_domain(raw) for raw in req.domain))
    for domain in domains:
        if domain not in group.domains:
            raise EmulatorError(Err.DOMAIN_NOT_IN_GROUP, domain=domain, **ids)
        if domain == group.default_domain:
            raise EmulatorError(Err.DOMAIN_IS_GROUP_DEFAULT, domain=domain, **ids)
        for user in group.users.values():
            used = [user.user_id, user.line_port or ""]
            if any(value.lower().endswith(f"@{domain}") for value in used):
                raise EmulatorError(Err.DOMAIN_IN_USE_BY_A_USER, domain=domain, user=user.user_id)
    group.domains = [d for d in group.domains if d not in domains]
    return success()
