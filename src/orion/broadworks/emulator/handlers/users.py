"""Users: the seats of a group, with a number, an extension and maybe a phone.

BroadWorks' rules, as a real server applies them: a user id is ``<local>@<domain>`` with
one of the group's domains and is unique in the whole system; the group's user limit
counts its users; a number must be assigned to the group and belong to one user only; an
extension is digits of the group's extension length, unique in the group (a user with a
number and no extension gets the number's last default-length digits, as BroadWorks
does). Deleting a user frees its number, extension, line port and service quantities.
"""

from __future__ import annotations

import hashlib
from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
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
from orion.broadworks.emulator.handlers.devices import (
    check_endpoint,
    endpoint_read,
    ids,
    is_nil,
)
from orion.broadworks.emulator.state import Group, ServiceProvider, User

#: What a user without its own language gets (the system default language).
DEFAULT_LANGUAGE = "English"


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _check_user_id(ctx: Context, sp: ServiceProvider, group: Group, user_id: str) -> str:
    if ctx.state.find_user(user_id) is not None:
        raise EmulatorError(Err.USER_ALREADY_EXISTS)
    local, at, domain = user_id.rpartition("@")
    if not at or not local:
        raise formats.invalid(f"userId must be <user>@<domain>: {user_id!r}")
    if domain.lower() not in group.domains:
        raise EmulatorError(Err.DOMAIN_NOT_IN_GROUP, domain=domain.lower(), **ids(sp, group))
    return f"{local}@{domain.lower()}"


def _check_number(sp: ServiceProvider, group: Group, value: str, user: User | None) -> str:
    dn = formats.normalize_dn(value)
    if dn not in group.dns:
        raise EmulatorError(Err.DN_NOT_IN_GROUP, dn=dn, **ids(sp, group))
    for other in group.users.values():
        if other is not user and other.phone_number == dn:
            raise EmulatorError(Err.DN_IN_USE_BY_USER, dn=dn, user=other.user_id)
    return dn


def _check_extension(sp: ServiceProvider, group: Group, value: str, user: User | None) -> str:
    if not value.isdigit():
        raise formats.invalid(f"extension must be digits: {value!r}")
    low, high = group.min_extension_length, group.max_extension_length
    if not low <= len(value) <= high:
        raise EmulatorError(
            Err.EXTENSION_LENGTH, low=low, high=high, extension=value, **ids(sp, group)
        )
    for other in group.users.values():
        if other is not user and other.extension == value:
            raise EmulatorError(Err.EXTENSION_IN_USE, extension=value, **ids(sp, group))
    return value


def _extension_from_number(group: Group, dn: str) -> str | None:
    """The number's last digits as extension, unless another user has them."""
    candidate = dn.replace("-", "")[-group.default_extension_length :]
    taken = {u.extension for u in group.users.values()}
    return None if candidate in taken else candidate


def _refuse_unmodelled(req: Any, *fields: str) -> None:
    """Refuse what the emulator does not model (departments, aliases, trunk addressing)
    rather than drop it: a read-back would disagree with what was acknowledged."""
    for name in fields:
        value = getattr(req, name, None)
        if value is None or is_nil(value) or (isinstance(value, list) and not value):
            continue
        raise EmulatorError(Err.NOT_SUPPORTED, command=f"{req.type_} with {name}")


@handles("UserAddRequest17sp4", "UserAddRequest22V2", mutates=True)
def user_add(ctx: Context, req: Any) -> OCIResponse:
    """``UserAddRequest17sp4`` and its current name; every check runs before any change."""
    group = ctx.state.group(req.service_provider_id, req.group_id)
    sp = ctx.state.service_providers[req.service_provider_id]
    user_id = _check_user_id(ctx, sp, group, req.user_id)
    if len(group.users) >= group.user_limit:
        raise EmulatorError(Err.USER_LIMIT_REACHED, limit=group.user_limit, **ids(sp, group))
    _refuse_unmodelled(req, "department", "alias", "trunk_addressing", "alternate_user_id")
    formats.check_time_zone(req.time_zone)
    number = None if req.phone_number is None else _check_number(sp, group, req.phone_number, None)
    if req.extension is not None:
        extension: str | None = _check_extension(sp, group, req.extension, None)
    else:
        extension = None if number is None else _extension_from_number(group, number)
    device_name = line_port = None
    endpoint = req.access_device_endpoint
    if endpoint is not None:
        device_name, line_port = check_endpoint(
            ctx, sp, group, endpoint.access_device, endpoint.line_port
        )
    clid_number = req.calling_line_id_phone_number
    if clid_number is not None:
        clid_number = formats.normalize_dn(clid_number)
    group.users[user_id] = User(
        user_id=user_id,
        last_name=req.last_name,
        first_name=req.first_name,
        calling_line_id_last_name=req.calling_line_id_last_name,
        calling_line_id_first_name=req.calling_line_id_first_name,
        phone_number=number,
        extension=extension,
        calling_line_id_phone_number=clid_number,
        password_digest=None if req.password is None else _digest(req.password),
        email_address=req.email_address,
        hiragana_last_name=req.hiragana_last_name,
        hiragana_first_name=req.hiragana_first_name,
        language=req.language,
        time_zone=req.time_zone,
        title=req.title,
        mobile_phone_number=req.mobile_phone_number,
        device_name=device_name,
        line_port=line_port,
    )
    return success()


def _user_fields(ctx: Context, sp: ServiceProvider, group: Group, user: User) -> dict[str, Any]:
    time_zone = user.time_zone or group.time_zone or ctx.server_time_zone
    country = user.phone_number.split("-", 1)[0].lstrip("+") if user.phone_number else "1"
    return {
        "service_provider_id": sp.service_provider_id,
        "group_id": group.group_id,
        "user_id": user.user_id,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "calling_line_id_last_name": user.calling_line_id_last_name,
        "calling_line_id_first_name": user.calling_line_id_first_name,
        "hiragana_last_name": user.hiragana_last_name,
        "hiragana_first_name": user.hiragana_first_name,
        "phone_number": user.phone_number,
        "extension": user.extension,
        "calling_line_id_phone_number": user.calling_line_id_phone_number,
        "language": user.language or DEFAULT_LANGUAGE,
        "time_zone": time_zone,
        "time_zone_display_name": formats.time_zones().get(time_zone, time_zone),
        "default_alias": user.user_id,
        "title": user.title,
        "mobile_phone_number": user.mobile_phone_number,
        "email_address": user.email_address,
        "country_code": country,
        "national_prefix": "1" if country == "1" else None,
    }


@handles("UserGetRequest22")
def user_get_22(ctx: Context, req: Any) -> OCIResponse:
    sp, group, user = ctx.state.user(req.user_id)
    return respond(
        "UserGetResponse22",
        **_user_fields(ctx, sp, group, user),
        access_device_endpoint=endpoint_read(user, v22=False),
    )


@handles("UserGetRequest23V2")
def user_get_23v2(ctx: Context, req: Any) -> OCIResponse:
    sp, group, user = ctx.state.user(req.user_id)
    return respond(
        "UserGetResponse23V2",
        **_user_fields(ctx, sp, group, user),
        access_device_endpoint=endpoint_read(user, v22=True),
        allow_video=True,
    )


@handles("UserGetListInGroupRequest")
def user_list(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    rows = []
    for user in group.users.values():
        if not (
            matches(user.last_name, req.search_criteria_user_last_name)
            and matches(user.first_name, req.search_criteria_user_first_name)
            and matches(user.phone_number, req.search_criteria_dn)
            and matches(user.email_address, req.search_criteria_email_address)
            and matches(user.user_id, req.search_criteria_user_id)
            and matches(user.extension, req.search_criteria_extension)
        ):
            continue
        country = user.phone_number.split("-", 1)[0].lstrip("+") if user.phone_number else ""
        rows.append((
            user.user_id, user.last_name, user.first_name, user.department or "",
            user.phone_number or "", flag(user.phone_number is not None),
            user.email_address or "", user.hiragana_last_name or "",
            user.hiragana_first_name or "", "false", user.extension or "", country,
            "1" if country == "1" else "",
        ))  # fmt: skip
    if req.response_size_limit:
        rows = rows[: req.response_size_limit]
    columns = ("User Id", "Last Name", "First Name", "Department", "Phone Number",
               "Phone Number Activated", "Email Address", "Hiragana Last Name",
               "Hiragana First Name", "In Trunk Group", "Extension", "Country Code",
               "National Prefix")  # fmt: skip
    return respond("UserGetListInGroupResponse", user_table=codec.Table(columns, rows))


@handles("UserModifyRequest17sp4", mutates=True)
def user_modify(ctx: Context, req: Any) -> OCIResponse:
    """Change what the request names; ``xsi:nil`` removes a number, extension or phone."""
    sp, group, user = ctx.state.user(req.user_id)
    _refuse_unmodelled(req, "department", "sip_alias_list", "alternate_user_id_list")
    formats.check_time_zone(req.time_zone)
    changes: dict[str, Any] = {}
    if is_nil(req.phone_number):
        changes["phone_number"] = None
    elif req.phone_number is not None:
        changes["phone_number"] = _check_number(sp, group, req.phone_number, user)
    if is_nil(req.extension):
        changes["extension"] = None
    elif req.extension is not None:
        changes["extension"] = _check_extension(sp, group, req.extension, user)
    if is_nil(req.calling_line_id_phone_number):
        changes["calling_line_id_phone_number"] = None
    elif req.calling_line_id_phone_number is not None:
        changes["calling_line_id_phone_number"] = formats.normalize_dn(
            req.calling_line_id_phone_number
        )
    if is_nil(req.new_password):
        changes["password_digest"] = None
    elif req.new_password is not None:
        changes["password_digest"] = _digest(req.new_password)
    endpoint = req.endpoint
    if is_nil(endpoint):
        changes.update(device_name=None, line_port=None)
    elif endpoint is not None:
        changes.update(_endpoint_change(ctx, sp, group, user, endpoint))
    for name in ("last_name", "first_name", "calling_line_id_last_name",
                 "calling_line_id_first_name", "hiragana_last_name", "hiragana_first_name",
                 "language", "time_zone", "title", "mobile_phone_number",
                 "email_address"):  # fmt: skip
        value = getattr(req, name)
        if is_nil(value):
            changes[name] = None
        elif value is not None:
            changes[name] = value
    for name, value in changes.items():
        setattr(user, name, value)
    return success()


def _endpoint_change(
    ctx: Context, sp: ServiceProvider, group: Group, user: User, endpoint: dict[str, Any]
) -> dict[str, str]:
    change = endpoint.get("access_device_endpoint")
    if change is None:
        raise EmulatorError(Err.NOT_SUPPORTED, command="UserModifyRequest17sp4 trunkAddressing")
    access_device = change.access_device
    line_port = change.line_port
    if access_device is None and user.device_name is not None:
        access_device = codec.build_type(
            codec.RESOLVER.get_type_class("AccessDevice"),
            {"device_level": "Group", "device_name": user.device_name},
        )
    line_port = line_port or user.line_port
    if access_device is None or line_port is None:
        raise formats.invalid("accessDevice and linePort are required for a user without a phone")
    device_name, port = check_endpoint(ctx, sp, group, access_device, line_port, user=user)
    return {"device_name": device_name, "line_port": port}


@handles("UserDeleteRequest", mutates=True)
def user_delete(ctx: Context, req: Any) -> OCIResponse:
    """The number, extension, line port and service quantities are free again."""
    _, group, user = ctx.state.user(req.user_id)
    del group.users[user.user_id]
    return success()
