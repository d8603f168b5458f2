"""Service authorizations with quantities, service packs, and group service assignment."""

from __future__ import annotations

from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import (
    Context,
    exceeds,
    flag,
    handles,
    qty_text,
    quantity_of,
    respond,
    success,
)
from orion.broadworks.emulator.state import Quantity, ServicePack, ServiceProvider


def authorize_sp_services(sp: ServiceProvider, group_auths: Any, user_auths: Any) -> None:
    """Set the enterprise's authorizations, every check before any change.

    What the groups hold bounds what the enterprise may give up, as on BroadWorks: a service
    is unauthorized only once no group and no service pack has it any more (groups give it
    up first, and they in turn only once no user has it), and a quantity is never lowered
    below a group's authorization, a pack's quantity or the users of all groups that have it.
    """
    changes: list[tuple[dict[str, Quantity], str, Quantity, bool]] = []
    for auths, target, kind in (
        (group_auths, sp.group_services, "group_services"),
        (user_auths, sp.user_services, "user_services"),
    ):
        for auth in auths or []:
            name = auth.service_name
            holders = [g for g in sp.groups.values() if name in getattr(g, kind)]
            packs = [p for p in sp.service_packs.values() if name in p.services]
            if kind == "group_services":
                packs = []
            if auth.unauthorized:
                if holders or packs:
                    users = [g.group_id for g in holders]
                    users += [f"service pack {p.name}" for p in packs]
                    raise EmulatorError(
                        Err.SERVICE_AUTHORIZED_TO_GROUPS, sp=sp.service_provider_id,
                        service=name, groups=", ".join(users),
                    )  # fmt: skip
                changes.append((target, name, None, True))
                continue
            quantity = quantity_of(auth.authorized_quantity)
            if quantity is not None:
                _check_sp_floor(sp, name, kind, quantity, holders)
                for pack in packs:  # a pack never holds more than its services (4161)
                    if exceeds(pack.quantity, quantity):
                        raise EmulatorError(
                            Err.QUANTITY_BELOW_ALLOCATED, service=name, sp=sp.service_provider_id,
                            allocated=f"service pack {pack.name} has {qty_text(pack.quantity)}",
                        )  # fmt: skip
            changes.append((target, name, quantity, False))
    for target, name, quantity, remove in changes:
        if remove:
            target.pop(name, None)
        else:
            target[name] = quantity


def _check_sp_floor(
    sp: ServiceProvider, name: str, kind: str, quantity: int, holders: list[Any]
) -> None:
    """Refuse an enterprise quantity below a group's authorization or below the usage."""
    for group in holders:
        held = getattr(group, kind)[name]
        if exceeds(held, quantity):
            raise EmulatorError(
                Err.QUANTITY_BELOW_ALLOCATED, service=name, sp=sp.service_provider_id,
                allocated=f"group {group.group_id} is authorized {qty_text(held)}",
            )  # fmt: skip
    if kind == "user_services":
        usage = sum(group.service_usage(name) for group in holders)
    else:
        usage = sum(name in group.assigned_services for group in holders)
    if usage > quantity:
        raise EmulatorError(
            Err.QUANTITY_BELOW_ALLOCATED, service=name, sp=sp.service_provider_id,
            allocated=f"{usage} in use",
        )  # fmt: skip


@handles("ServiceProviderServiceModifyAuthorizationListRequest", mutates=True)
def sp_service_authorize(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    authorize_sp_services(sp, req.group_service_authorization, req.user_service_authorization)
    return success()


def add_service_pack(sp: ServiceProvider, req: Any) -> None:
    name = req.service_pack_name
    formats.check_name(name, "servicePackName")
    if name in sp.service_packs:
        raise EmulatorError(Err.SERVICE_PACK_ALREADY_EXISTS, sp=sp.service_provider_id, pack=name)
    quantity = quantity_of(req.service_pack_quantity)
    for service in req.service_name or []:
        if service not in sp.user_services:
            raise EmulatorError(
                Err.SERVICE_NOT_AUTHORIZED_SP, sp=sp.service_provider_id, service=service
            )
        limit = sp.user_services[service]
        if exceeds(quantity, limit):
            raise EmulatorError(
                Err.QUANTITY_EXCEEDS_SP,
                service=service,
                quantity=qty_text(quantity),
                limit=qty_text(limit),
            )
    sp.service_packs[name] = ServicePack(
        name=name,
        description=req.service_pack_description,
        available=bool(req.is_available_for_use),
        quantity=quantity,
        services=list(req.service_name or []),
    )


@handles("ServiceProviderServicePackAddRequest", mutates=True)
def sp_pack_add(ctx: Context, req: Any) -> OCIResponse:
    add_service_pack(ctx.state.service_provider(req.service_provider_id), req)
    return success()


@handles("ServiceProviderServicePackGetListRequest")
def sp_pack_list(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    return respond(
        "ServiceProviderServicePackGetListResponse", service_pack_name=list(sp.service_packs)
    )


@handles("ServiceProviderServicePackGetDetailListRequest")
def sp_pack_detail(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    pack = sp.service_packs.get(req.service_pack_name)
    if pack is None:
        raise EmulatorError(
            Err.SERVICE_PACK_NOT_FOUND, sp=sp.service_provider_id, pack=req.service_pack_name
        )
    unbounded: dict[str, bool | int] = (
        {"unlimited": True} if pack.quantity is None else {"quantity": pack.quantity})
    assigned = sum(g.service_packs.get(pack.name) or 0 for g in sp.groups.values())
    rows = [(s, qty_text(sp.user_services.get(s)), "0") for s in pack.services]
    return respond(
        "ServiceProviderServicePackGetDetailListResponse",
        service_pack_name=pack.name,
        service_pack_description=pack.description,
        is_available_for_use=pack.available,
        service_pack_quantity=unbounded,
        assigned_quantity={"quantity": assigned},
        allowed_quantity=unbounded,
        user_service_table=codec.Table(
            ("Service", "Authorized", "Allocated To Service Pack"), rows
        ),
    )


def _allocated(sp: ServiceProvider, service: str, kind: str) -> str:
    total = 0
    for group in sp.groups.values():
        quantity = getattr(group, kind).get(service, 0)
        if quantity is None:
            return "Unlimited"
        total += quantity
    return str(total)


@handles("ServiceProviderServiceGetAuthorizationListRequest")
def sp_service_authorizations(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    assigned = {s for g in sp.groups.values() for s in g.assigned_services}
    base = ("Service Name", "Authorized", "Assigned", "Limited", "Quantity", "Allocated")
    group_columns = (*base, "Licensed", "Service Pack Allocation")
    user_columns = (*group_columns, "User Assignable", "Service Pack Assignable")
    group_rows = [
        (name, "true", flag(name in assigned), flag(q is not None), qty_text(q),
         _allocated(sp, name, "group_services"), "true", "0")
        for name, q in sp.group_services.items()
    ]  # fmt: skip
    user_rows = [
        (name, "true", "false", flag(q is not None), qty_text(q),
         _allocated(sp, name, "user_services"), "true", "0", "true", "true")
        for name, q in sp.user_services.items()
    ]  # fmt: skip
    return respond(
        "ServiceProviderServiceGetAuthorizationListResponse",
        group_services_authorization_table=codec.Table(group_columns, group_rows),
        user_services_authorization_table=codec.Table(user_columns, user_rows),
    )


@handles("GroupServiceModifyAuthorizationListRequest", mutates=True)
def group_service_authorize(ctx: Context, req: Any) -> OCIResponse:
    """A group gets at most what its enterprise has; omitted quantities inherit it."""
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    changes: list[tuple[dict[str, Quantity], str, Quantity, bool]] = []
    for auth in req.service_pack_authorization or []:
        pack = sp.service_packs.get(auth.service_pack_name)
        if pack is None:
            raise EmulatorError(
                Err.SERVICE_PACK_NOT_FOUND, sp=sp.service_provider_id, pack=auth.service_pack_name
            )
        changes.append(
            _group_change(group.service_packs, auth, auth.service_pack_name, pack.quantity)
        )
    for auths, sp_side, target in (
        (req.group_service_authorization, sp.group_services, group.group_services),
        (req.user_service_authorization, sp.user_services, group.user_services),
    ):
        for auth in auths or []:
            if auth.service_name not in sp_side and not auth.unauthorized:
                raise EmulatorError(
                    Err.SERVICE_NOT_AUTHORIZED_SP,
                    sp=sp.service_provider_id,
                    service=auth.service_name,
                )
            limit = sp_side.get(auth.service_name)
            changes.append(_group_change(target, auth, auth.service_name, limit))
    for target, name, quantity, remove in changes:
        # Users keep what they have: no quantity below the group's usage (BroadWorks refuses).
        if target is group.group_services:
            if remove and name in group.assigned_services:
                raise EmulatorError(
                    Err.GROUP_SERVICE_ASSIGNED, service=name,
                    sp=sp.service_provider_id, group=group.group_id,
                )  # fmt: skip
            continue
        if target is group.service_packs:
            usage = group.pack_usage(name)
        elif target is group.user_services:
            usage = group.service_usage(name)
        else:
            continue
        if usage and (remove or (quantity is not None and quantity < usage)):
            raise EmulatorError(
                Err.QUANTITY_BELOW_USAGE, service=name, usage=usage,
                sp=sp.service_provider_id, group=group.group_id,
            )  # fmt: skip
    for target, name, quantity, remove in changes:
        if remove:
            target.pop(name, None)
        else:
            target[name] = quantity
    return success()


def _group_change(
    target: dict[str, Quantity], auth: Any, name: str, limit: Quantity
) -> tuple[dict[str, Quantity], str, Quantity, bool]:
    if auth.unauthorized:
        return (target, name, None, True)
    quantity = limit if auth.authorized_quantity is None else quantity_of(auth.authorized_quantity)
    if exceeds(quantity, limit):
        raise EmulatorError(
            Err.QUANTITY_EXCEEDS_SP,
            service=name,
            quantity=qty_text(quantity),
            limit=qty_text(limit),
        )
    return (target, name, quantity, False)


@handles("GroupServiceGetAuthorizationListRequest")
def group_service_authorizations(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    pack_columns = ("Service Pack Name", "Authorized", "Assigned", "Limited", "Allocated",
                    "Allowed", "Usage", "Description")  # fmt: skip
    base = ("Service Name", "Authorized", "Assigned", "Limited", "Quantity", "Usage",
            "Licensed", "Allowed")  # fmt: skip
    pack_rows = []
    for name, pack in sp.service_packs.items():
        authorized = name in group.service_packs
        quantity = group.service_packs.get(name)
        usage = group.pack_usage(name)  # the group's users with the pack
        pack_rows.append((
            name, flag(authorized), flag(usage > 0), flag(authorized and quantity is not None),
            qty_text(quantity) if authorized else "0", qty_text(pack.quantity), str(usage),
            pack.description or "",
        ))  # fmt: skip
    group_rows = []
    for name, limit in sp.group_services.items():
        authorized = name in group.group_services
        quantity = group.group_services.get(name)
        group_rows.append((
            name, flag(authorized), flag(name in group.assigned_services),
            flag(authorized and quantity is not None),
            qty_text(quantity) if authorized else "0",
            "1" if name in group.assigned_services else "0", "true", qty_text(limit),
            "1" if name in group.assigned_services else "0",
        ))  # fmt: skip
    user_rows = []
    for name, limit in sp.user_services.items():
        authorized = name in group.user_services
        quantity = group.user_services.get(name)
        usage = group.service_usage(name)
        user_rows.append((
            name, flag(authorized), flag(usage > 0), flag(authorized and quantity is not None),
            qty_text(quantity) if authorized else "0", str(usage), "true", qty_text(limit),
            "true", "false",
        ))  # fmt: skip
    return respond(
        "GroupServiceGetAuthorizationListResponse",
        service_packs_authorization_table=codec.Table(pack_columns, pack_rows),
        group_services_authorization_table=codec.Table((*base, "Instance Count"), group_rows),
        user_services_authorization_table=codec.Table(
            (*base, "User Assignable", "Group Service Assignable"), user_rows
        ),
    )


@handles("GroupServiceAssignListRequest", mutates=True)
def group_service_assign(ctx: Context, req: Any) -> OCIResponse:
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    ids = {"sp": sp.service_provider_id, "group": group.group_id}
    names = list(req.service_name)
    for name in names:
        if name not in group.group_services:
            raise EmulatorError(Err.SERVICE_NOT_AUTHORIZED_GROUP, service=name, **ids)
        if name in group.assigned_services or names.count(name) > 1:
            raise EmulatorError(Err.SERVICE_ALREADY_ASSIGNED, service=name, **ids)
    group.assigned_services.extend(names)
    return success()


@handles("GroupServiceGetAuthorizedListRequest")
def group_service_authorized(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    return respond(
        "GroupServiceGetAuthorizedListResponse",
        service_pack_name=list(group.service_packs),
        group_service_name=list(group.group_services),
        user_service_name=list(group.user_services),
    )


@handles("GroupServiceIsAssignedRequest")
def group_service_is_assigned(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    return respond(
        "GroupServiceIsAssignedResponse", is_assigned=req.service_name in group.assigned_services
    )


@handles("GroupServiceUnassignListRequest", mutates=True)
def group_service_unassign(ctx: Context, req: Any) -> OCIResponse:
    """Unassign group services; each must be authorized to the group (4162). A service that
    is authorized but not assigned is left as it is (like UserServiceUnassignListRequest)."""
    sp = ctx.state.service_provider(req.service_provider_id)
    group = sp.group(req.group_id)
    ids = {"sp": sp.service_provider_id, "group": group.group_id}
    names = list(req.service_name)
    for name in names:
        if name not in group.group_services:
            raise EmulatorError(Err.SERVICE_NOT_AUTHORIZED_GROUP, service=name, **ids)
    group.assigned_services = [s for s in group.assigned_services if s not in names]
    return success()


@handles("ServiceProviderServicePackDeleteRequest", mutates=True)
def sp_pack_delete(ctx: Context, req: Any) -> OCIResponse:
    """Delete a service pack; refused while a group is authorized for it (the groups give
    it up first, GroupServiceModifyAuthorizationListRequest, which their users bound)."""
    sp = ctx.state.service_provider(req.service_provider_id)
    name = req.service_pack_name
    if name not in sp.service_packs:
        raise EmulatorError(Err.SERVICE_PACK_NOT_FOUND, sp=sp.service_provider_id, pack=name)
    holders = [g.group_id for g in sp.groups.values() if name in g.service_packs]
    if holders:
        raise EmulatorError(
            Err.SERVICE_PACK_IN_USE, sp=sp.service_provider_id, pack=name,
            groups=", ".join(holders),
        )  # fmt: skip
    del sp.service_packs[name]
    return success()
