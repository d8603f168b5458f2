"""Group access devices (phones) and the line ports that put users on them.

A device belongs to one group; its name is unique in the group and its MAC address in the
whole system (a phone asks for its configuration by MAC). A user's line port
(``<user>@<domain>``, one SIP identity) is unique in the system and takes one port of the
device. BroadWorks refuses to delete a device while a user is on it.
"""

from __future__ import annotations

import re
from typing import Any

from broadworks_ocip.base import Null, OCIResponse

from orion.broadworks import codec
from orion.broadworks.devices import KNOWN_DEVICE_TYPES
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import (
    Context,
    handles,
    matches,
    respond,
    success,
)
from orion.broadworks.emulator.state import AccessDevice, Group, ServiceProvider, User

_MAC = re.compile(r"^[0-9A-Fa-f]{12}$")
#: AccessDeviceEndpointLinePort: no ``sip:``, a leading ``+`` and these characters.
_LINE_PORT = re.compile(r"^\+?[A-Za-z0-9\-_.!~*'()]+@[A-Za-z0-9.\-]+$")


def ids(sp: ServiceProvider, group: Group) -> dict[str, str]:
    return {"sp": sp.service_provider_id, "group": group.group_id}


def check_mac(ctx: Context, value: str) -> str:
    """Twelve hex digits, unique in the system; kept upper case as BroadWorks shows it."""
    if not _MAC.match(value):
        raise formats.invalid(f"macAddress must be 12 hexadecimal digits: {value!r}")
    mac = value.upper()
    for sp, group, device in ctx.state.devices():
        if device.mac_address == mac:
            where = f"{sp.service_provider_id}:{group.group_id}:{device.device_name}"
            raise EmulatorError(Err.MAC_IN_USE, mac=mac, owner=where)
    return mac


def users_on(group: Group, device_name: str) -> list[User]:
    return [u for u in group.users.values() if u.device_name == device_name]


def check_endpoint(
    ctx: Context,
    sp: ServiceProvider,
    group: Group,
    access_device: Any,
    line_port: str,
    *,
    user: User | None = None,
) -> tuple[str, str]:
    """The (device name, line port) of an ``accessDeviceEndpoint``, refused as BroadWorks does.

    Only group-level devices are modelled: a System or Service Provider device is "not found".
    """
    device = group.devices.get(access_device.device_name)
    if access_device.device_level != "Group" or device is None:
        name = access_device.device_name
        raise EmulatorError(Err.DEVICE_NOT_FOUND, device=name, **ids(sp, group))
    if not _LINE_PORT.match(line_port):
        raise formats.invalid(f"linePort must be <user>@<domain> without sip: {line_port!r}")
    domain = line_port.rsplit("@", 1)[1].lower()
    if domain not in group.domains:
        raise EmulatorError(Err.DOMAIN_NOT_IN_GROUP, domain=domain, **ids(sp, group))
    for _, _, other in ctx.state.users():
        if other is not user and (other.line_port or "").lower() == line_port.lower():
            raise EmulatorError(Err.LINE_PORT_IN_USE, line_port=line_port)
    ports = KNOWN_DEVICE_TYPES[device.device_type].ports
    taken = [u for u in users_on(group, device.device_name) if u is not user]
    if ports is not None and len(taken) >= ports:
        raise EmulatorError(Err.DEVICE_PORTS_EXHAUSTED, device=device.device_name)
    return device.device_name, line_port


def endpoint_read(user: User, *, v22: bool) -> dict[str, Any] | None:
    """The ``accessDeviceEndpoint`` of UserGetResponse22 (``v22``: of 23V2)."""
    if user.device_name is None or user.line_port is None:
        return None
    read: dict[str, Any] = {
        "access_device": {"device_level": "Group", "device_name": user.device_name},
        "line_port": user.line_port,
        "static_registration_capable": False,
        "use_domain": True,
        "support_visual_device_management": False,
    }
    if v22:
        read["use_hotline"] = False
    return read


@handles("GroupAccessDeviceAddRequest14", mutates=True)
def device_add(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    sp = ctx.state.service_providers[req.service_provider_id]
    name = req.device_name
    if name in group.devices:
        raise EmulatorError(Err.DEVICE_ALREADY_EXISTS, device=name, **ids(sp, group))
    if req.device_type not in KNOWN_DEVICE_TYPES:
        raise EmulatorError(Err.DEVICE_TYPE_NOT_FOUND, device_type=req.device_type)
    mac = None
    if req.mac_address is not None:
        mac = check_mac(ctx, req.mac_address)
    group.devices[name] = AccessDevice(
        device_name=name,
        device_type=req.device_type,
        mac_address=mac,
        serial_number=req.serial_number,
        description=req.description,
        physical_location=req.physical_location,
        protocol=req.protocol,
        net_address=req.net_address,
        port=req.port,
        transport_protocol=req.transport_protocol,
    )
    return success()


def _available_ports(group: Group, device: AccessDevice) -> str:
    ports = KNOWN_DEVICE_TYPES[device.device_type].ports
    if ports is None:
        return "Unlimited"
    return str(ports - len(users_on(group, device.device_name)))


@handles("GroupAccessDeviceGetListRequest")
def device_list(ctx: Context, req: Any) -> OCIResponse:
    if req.service_provider_id is None or req.group_id is None:
        raise formats.invalid("serviceProviderId and groupId are required by this emulator")
    group = ctx.state.group(req.service_provider_id, req.group_id)
    exact = req.search_criteria_exact_device_type
    rows = [
        (d.device_name, d.device_type, _available_ports(group, d), d.net_address or "",
         d.mac_address or "", "Online", "", "")
        for d in group.devices.values()
        if matches(d.device_name, req.search_criteria_device_name)
        and matches(d.mac_address, req.search_criteria_device_mac_address)
        and matches(d.net_address, req.search_criteria_device_net_address)
        and (exact is None or d.device_type == exact.device_type)
    ]  # fmt: skip
    if req.response_size_limit:
        rows = rows[: req.response_size_limit]
    columns = ("Device Name", "Device Type", "Available Ports", "Net Address", "MAC Address",
               "Status", "Version", "Access Device External Id")  # fmt: skip
    return respond(
        "GroupAccessDeviceGetListResponse", access_device_table=codec.Table(columns, rows)
    )


def _device(ctx: Context, req: Any) -> tuple[ServiceProvider, Group, AccessDevice]:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    sp = ctx.state.service_providers[req.service_provider_id]
    device = group.devices.get(req.device_name)
    if device is None:
        raise EmulatorError(Err.DEVICE_NOT_FOUND, device=req.device_name, **ids(sp, group))
    return sp, group, device


@handles("GroupAccessDeviceGetRequest18sp1")
def device_get(ctx: Context, req: Any) -> OCIResponse:
    _, group, device = _device(ctx, req)
    ports = KNOWN_DEVICE_TYPES[device.device_type].ports
    return respond(
        "GroupAccessDeviceGetResponse18sp1",
        device_type=device.device_type,
        protocol=device.protocol or "SIP 2.0",
        net_address=device.net_address,
        port=device.port,
        mac_address=device.mac_address,
        serial_number=device.serial_number,
        description=device.description,
        number_of_ports={"unlimited": True} if ports is None else {"quantity": ports},
        number_of_assigned_ports=len(users_on(group, device.device_name)),
        status="Online",
        physical_location=device.physical_location,
        transport_protocol=device.transport_protocol or "Unspecified",
        use_custom_user_name_password=False,
    )


@handles("GroupAccessDeviceDeleteRequest", mutates=True)
def device_delete(ctx: Context, req: Any) -> OCIResponse:
    if req.device_external_id is not None:
        raise formats.invalid("deviceExternalId is not supported by this emulator")
    _, group, device = _device(ctx, req)
    if users_on(group, device.device_name):
        raise EmulatorError(Err.DEVICE_IN_USE, device=device.device_name)
    del group.devices[device.device_name]
    return success()


def is_nil(value: Any) -> bool:
    """Whether a decoded element was ``xsi:nil`` (remove the value, in Modify requests)."""
    return value is Null
