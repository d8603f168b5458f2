"""The diff for seats: the phones (group access devices) and the users of the order.

They come last, after the numbers are assigned to the group (a user's number must be the
group's) and after the group's service pack authorizations (a user's service pack must have
quantity left). A phone comes before its user, whose line port sits on it. BroadWorks runs
the commands of a document in order, so ``UserAddRequest17sp4`` and the user's
``UserServiceAssignListRequest`` travel side by side.

What exists is compared, never overwritten: a user or phone that BroadWorks holds as ordered
is done; one it holds differently is a conflict that names both versions.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from orion.provisioning.exceptions import ProvisioningConflict
from orion.provisioning.plan.action import Action
from orion.provisioning.plan.desired import Desired
from orion.provisioning.plan.reads import Observed, SeenUser
from orion.users.selectors import ProvisioningUser

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def user_password() -> str:
    """A SIP/web password BroadWorks accepts (its default rules: letters and digits, 6..60).

    Generated for each new user, sent once, never stored, shown or logged (the OCI-P log
    redacts every ``password`` element); the user sets their own through the provider's
    password reset.
    """
    return "Ow" + "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(22)) + "7"


def _same_user(user: ProvisioningUser, seen: SeenUser) -> bool:
    return (seen.first_name == user.first_name and seen.last_name == user.last_name
            and (seen.extension or "") == user.extension
            and (seen.phone_number or "") == (user.phone_number or ""))


def _gets_its_number(user: ProvisioningUser, seen: SeenUser) -> bool:
    """The user exists as ordered but without the number it has been given since."""
    return (bool(user.phone_number) and not seen.phone_number
            and seen.first_name == user.first_name and seen.last_name == user.last_name
            and (seen.extension or "") == user.extension)


def user_drift_value(first: str, last: str, extension: str, number: str | None) -> str:
    """A user's fields as a drift entry keeps them (Orion's or BroadWorks'), the same from
    the order's conflict and the audit so both name one entry: "first|last|ext|+1NNN"."""
    return "|".join((first, last, extension or "", (number or "").replace("-", "")))


def phone_drift_value(device_type: str, mac: str | None) -> str:
    """A phone's fields as a drift entry keeps them: "type|MAC" (MAC upper case)."""
    return f"{device_type}|{(mac or '').upper()}"


def _describe(first: str, last: str, extension: str, number: str | None) -> str:
    return f'"{first} {last}", extension {extension or "none"}, number {number or "none"}'


def devices(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """One phone per user who ordered one, named after the user."""
    group = {"service_provider_id": desired.sp_id, "group_id": desired.group_id}
    for user in desired.users:
        if not user.device_type:
            continue
        have = seen.devices.get(user.device_name)
        if have is not None:
            if (have.device_type != user.device_type
                    or (have.mac_address or "").upper() != user.mac_address.upper()):
                raise ProvisioningConflict(
                    f"Phone {user.device_name} exists in group {desired.group_id} in "
                    f"BroadWorks as a {have.device_type} with MAC {have.mac_address or 'none'}"
                    f", not the ordered {user.device_type} with MAC "
                    f"{user.mac_address or 'none'}.", step="devices",
                    drift=("phone_changed", user.device_name,
                           phone_drift_value(user.device_type, user.mac_address),
                           phone_drift_value(have.device_type, have.mac_address)))
            continue
        fields: dict[str, Any] = {**group, "device_name": user.device_name,
                                  "device_type": user.device_type}
        if user.mac_address:
            fields["mac_address"] = user.mac_address
        actions.append(Action("devices", ("GroupAccessDeviceAddRequest14", fields),
                              f"phone {user.device_name}"))


def users(desired: Desired, seen: Observed, actions: list[Action]) -> None:
    """Each user of the order, with its service pack; existing ones are checked."""
    group = {"service_provider_id": desired.sp_id, "group_id": desired.group_id}
    for user in desired.users:
        have = seen.users.get(user.user_id)
        if have is not None:
            if _gets_its_number(user, have):
                # Created before its number was ours (a port completed since): BroadWorks
                # gets the number now; the numbers step assigned it to the group first.
                actions.append(Action("users", ("UserModifyRequest17sp4", {
                    "user_id": user.user_id, "phone_number": user.phone_number}),
                    f"number {user.phone_number} for {user.user_id}"))
            elif not _same_user(user, have):
                raise ProvisioningConflict(
                    f"User {user.user_id} exists in BroadWorks as "
                    f"{_describe(have.first_name, have.last_name, have.extension, have.phone_number)}"  # noqa: E501
                    f", not as ordered: "
                    f"{_describe(user.first_name, user.last_name, user.extension, user.phone_number)}"  # noqa: E501
                    ". Change it back in BroadWorks or ask operations, then press Retry.",
                    step="users",
                    drift=("user_changed", user.user_id,
                           user_drift_value(user.first_name, user.last_name, user.extension,
                                            user.phone_number),
                           user_drift_value(have.first_name, have.last_name, have.extension,
                                            have.phone_number)))
            packs = seen.user_packs.get(user.user_id)
            if packs is not None and user.service_pack in packs:
                continue  # exists as ordered, with its seat's service pack
            actions.append(Action("users", ("UserServiceAssignListRequest", {
                "user_id": user.user_id, "service_pack_name": [user.service_pack]}),
                f"service pack {user.service_pack} for {user.user_id}"))
            continue
        if user.user_id in seen.users_elsewhere:
            raise ProvisioningConflict(
                f"The user id {user.user_id} is already used in BroadWorks outside group "
                f"{desired.group_id}. Change the user's id on the order or free it in "
                "BroadWorks, then press Retry.", step="users",
                drift=("user_elsewhere", user.user_id, desired.group_id, "elsewhere"))
        fields: dict[str, Any] = {
            **group, "user_id": user.user_id, "last_name": user.last_name,
            "first_name": user.first_name,
            "calling_line_id_last_name": user.calling_line_id_last_name,
            "calling_line_id_first_name": user.calling_line_id_first_name,
            "password": user_password(), "extension": user.extension,
        }
        if user.phone_number:
            fields["phone_number"] = user.phone_number
        if user.email:
            fields["email_address"] = user.email
        if user.device_type:
            fields["access_device_endpoint"] = {
                "access_device": {"device_level": "Group", "device_name": user.device_name},
                "line_port": user.line_port}
        actions.append(Action("users", ("UserAddRequest17sp4", fields), f"user {user.user_id}"))
        actions.append(Action("users", ("UserServiceAssignListRequest", {
            "user_id": user.user_id, "service_pack_name": [user.service_pack]}),
            f"service pack {user.service_pack} for {user.user_id}"))
