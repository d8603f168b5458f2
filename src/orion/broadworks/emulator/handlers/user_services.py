"""User services and service packs: assigned to a user within the group's authorization.

A service or pack must be authorized to the group, and a limited authorization counts
the group's users that have it: the user after the last one is refused. Assigning what
the user already has, or unassigning what it does not have, changes nothing and succeeds,
as on a real server. Every name of a list is checked before any is assigned.
"""

from __future__ import annotations

from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import Context, flag, handles, respond, success
from orion.broadworks.emulator.handlers.devices import ids


@handles("UserServiceAssignListRequest", mutates=True)
def user_service_assign(ctx: Context, req: Any) -> OCIResponse:
    sp, group, user = ctx.state.user(req.user_id)
    services = [s for s in dict.fromkeys(req.service_name or []) if s not in user.services]
    packs = [p for p in dict.fromkeys(req.service_pack_name or []) if p not in user.service_packs]
    for service in services:
        if service not in group.user_services:
            raise EmulatorError(Err.SERVICE_NOT_AUTHORIZED_GROUP, service=service, **ids(sp, group))
        quantity = group.user_services[service]
        if quantity is not None and group.service_usage(service) >= quantity:
            raise EmulatorError(
                Err.SERVICE_QUANTITY_EXHAUSTED, service=service, quantity=quantity,
                **ids(sp, group),
            )  # fmt: skip
    for pack in packs:
        if pack not in group.service_packs:
            raise EmulatorError(Err.SERVICE_PACK_NOT_AUTHORIZED_GROUP, pack=pack, **ids(sp, group))
        quantity = group.service_packs[pack]
        if quantity is not None and group.pack_usage(pack) >= quantity:
            raise EmulatorError(
                Err.SERVICE_QUANTITY_EXHAUSTED, service=pack, quantity=quantity,
                **ids(sp, group),
            )  # fmt: skip
    user.services.extend(services)
    user.service_packs.extend(packs)
    return success()


@handles("UserServiceUnassignListRequest", mutates=True)
def user_service_unassign(ctx: Context, req: Any) -> OCIResponse:
    _, _, user = ctx.state.user(req.user_id)
    drop_services = set(req.service_name or [])
    drop_packs = set(req.service_pack_name or [])
    user.services = [s for s in user.services if s not in drop_services]
    user.service_packs = [p for p in user.service_packs if p not in drop_packs]
    return success()


@handles("UserServiceGetAssignmentListRequest")
def user_service_assignments(ctx: Context, req: Any) -> OCIResponse:
    """Every pack and user service authorized to the group, with whether the user has it."""
    sp, group, user = ctx.state.user(req.user_id)
    pack_rows = []
    for name in group.service_packs:
        pack = sp.service_packs.get(name)
        description = (pack.description if pack else None) or ""
        pack_rows.append((name, flag(name in user.service_packs), description))
    service_rows = [(name, flag(name in user.services)) for name in group.user_services]
    return respond(
        "UserServiceGetAssignmentListResponse",
        service_packs_assignment_table=codec.Table(
            ("Service Pack Name", "Assigned", "Description"), pack_rows
        ),
        user_services_assignment_table=codec.Table(("Service Name", "Assigned"), service_rows),
    )
