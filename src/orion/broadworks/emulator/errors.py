"""The emulator's one table of OCI-P error codes and texts.

Codes 4008, 4152, 4200, 4962 and 6004 and their texts come from live servers. BroadWorks
does not publish the others, so they are picked in the same style (4xxx not-found and
already-exists families) and kept here, and only here, so the client's classification in
``orion.broadworks.exceptions`` and the docs can be checked against one list.
"""

from __future__ import annotations

from enum import Enum


class Err(Enum):
    """(code, text template) of every ErrorResponse the emulator sends."""

    USER_NOT_FOUND = (4008, "User not found: {user}")
    SERVICE_PROVIDER_NOT_FOUND = (4011, "Service provider not found: {sp}")
    NOT_LOGGED_IN = (4101, "Not logged in: send AuthenticationRequest and LoginRequest first")
    GROUP_NOT_FOUND = (4152, "Group not found: {sp}:{group}")
    DOMAIN_NOT_FOUND = (4153, "Domain not found: {domain}")
    DOMAIN_NOT_ASSIGNED = (4154, "Domain not assigned to service provider: {sp}:{domain}")
    DN_NOT_IN_SERVICE_PROVIDER = (4155, "Phone number not found in service provider: {sp}:{dn}")
    SERVICE_PACK_NOT_FOUND = (4158, "Service pack not found: {sp}:{pack}")
    TIME_ZONE_NOT_FOUND = (4159, "Time zone not found: {time_zone}")
    SERVICE_NOT_AUTHORIZED_SP = (
        4160,
        "Service not authorized for service provider: {sp}:{service}",
    )
    QUANTITY_EXCEEDS_SP = (
        4161,
        "Authorized quantity exceeds the service provider's: {service} ({quantity} > {limit})",
    )
    SERVICE_NOT_AUTHORIZED_GROUP = (
        4162,
        "Service not authorized for group: {sp}:{group}:{service}",
    )
    SERVICE_PACK_NOT_AUTHORIZED_GROUP = (
        4163,
        "Service pack not authorized for group: {sp}:{group}:{pack}",
    )
    DN_NOT_IN_GROUP = (4164, "Phone number not assigned to group: {sp}:{group}:{dn}")
    DOMAIN_NOT_IN_GROUP = (4165, "Domain not assigned to group: {sp}:{group}:{domain}")
    DEVICE_NOT_FOUND = (4166, "Access device not found: {sp}:{group}:{device}")
    DEVICE_TYPE_NOT_FOUND = (4167, "Device type not found: {device_type}")
    USER_ALREADY_EXISTS = (4200, "User already exists")
    SERVICE_PROVIDER_ALREADY_EXISTS = (4201, "Service provider already exists: {sp}")
    GROUP_ALREADY_EXISTS = (4202, "Group already exists: {sp}:{group}")
    DOMAIN_ALREADY_EXISTS = (4203, "Domain already exists: {domain}")
    DN_ALREADY_EXISTS = (4204, "Phone number already exists: {dn}")
    SERVICE_PACK_ALREADY_EXISTS = (4205, "Service pack already exists: {sp}:{pack}")
    DOMAIN_ALREADY_ASSIGNED = (4206, "Domain already assigned: {owner}:{domain}")
    DOMAIN_IN_USE = (4207, "Domain in use by another service provider: {domain} ({owner})")
    DN_ALREADY_ASSIGNED = (4208, "Phone number already assigned to group: {sp}:{group}:{dn}")
    DN_IN_USE = (4209, "Phone number assigned to another group: {dn} ({owner})")
    SERVICE_ALREADY_ASSIGNED = (4210, "Service already assigned: {sp}:{group}:{service}")
    DN_IN_USE_BY_USER = (4211, "Phone number already in use by another user: {dn} ({user})")
    EXTENSION_IN_USE = (4212, "Extension already in use in group: {sp}:{group}:{extension}")
    DEVICE_ALREADY_EXISTS = (4213, "Access device already exists: {sp}:{group}:{device}")
    MAC_IN_USE = (4214, "MAC address already in use by another device: {mac} ({owner})")
    LINE_PORT_IN_USE = (4215, "Line port already in use: {line_port}")
    DEVICE_IN_USE = (4216, "Access device in use by a user, remove the user first: {device}")
    USER_LIMIT_REACHED = (4217, "Group user limit reached: {sp}:{group} ({limit} users)")
    SERVICE_QUANTITY_EXHAUSTED = (
        4218,
        "No quantity left for {service} in group {sp}:{group} ({quantity} assigned)",
    )
    DEVICE_PORTS_EXHAUSTED = (4219, "No more ports available on access device: {device}")
    EXTENSION_LENGTH = (
        4220,
        "Extension length must be {low} to {high} digits in group {sp}:{group}: {extension}",
    )
    USER_LIMIT_BELOW_USERS = (
        4221,
        "User limit below the group's number of users: {sp}:{group} ({users} users)",
    )
    QUANTITY_BELOW_USAGE = (
        4222,
        "Quantity below the users' usage of {service} in group {sp}:{group} ({usage} users)",
    )
    DN_IN_USE_BY_A_USER = (
        4223,
        "Phone number in use by a user, remove it from the user first: {dn} ({user})",
    )
    DN_ASSIGNED_TO_GROUP = (
        4224,
        "Phone number assigned to a group, unassign it first: {dn} ({owner})",
    )
    GROUP_SERVICE_ASSIGNED = (
        4225,
        "Service assigned to the group, unassign it first: {sp}:{group}:{service}",
    )
    QUANTITY_BELOW_ALLOCATED = (
        4226,
        "Quantity below what is allocated of {service} in service provider {sp} ({allocated})",
    )
    SERVICE_AUTHORIZED_TO_GROUPS = (
        4227,
        "Service authorized to groups, unauthorize it there first: {sp}:{service} ({groups})",
    )
    SERVICE_PACK_IN_USE = (
        4228,
        "Service pack authorized to groups, unauthorize it there first: {sp}:{pack} ({groups})",
    )
    DOMAIN_IS_GROUP_DEFAULT = (4229, "Domain is the group's default domain: {sp}:{group}:{domain}")
    DOMAIN_IN_USE_BY_A_USER = (
        4230,
        "Domain in use by a user of the group, remove the user first: {domain} ({user})",
    )
    SERVICE_PROVIDER_HAS_GROUPS = (
        4231,
        "Service provider has groups, delete them first: {sp} ({groups})",
    )
    INVALID_PASSWORD = (4962, "Invalid password")
    TOO_MANY_SESSIONS = (4963, "Maximum number of sessions reached for user: {user}")
    INTERNAL = (5000, "Internal error in the Orion BroadWorks emulator: {error}")
    VALIDATION = (6004, "OCI XML Request validation error")
    NOT_SUPPORTED = (6100, "Command not supported by the Orion BroadWorks emulator: {command}")
    TRANSIENT = (9999, "Transient: Application server busy, retry")

    @property
    def code(self) -> int:
        return self.value[0]

    @property
    def template(self) -> str:
        return self.value[1]


class EmulatorError(Exception):
    """Raised by a handler; the server turns it into one ErrorResponse for that command."""

    def __init__(self, err: Err, detail: str | None = None, **fields: object) -> None:
        self.err = err
        self.detail = detail
        self.text = err.template.format(**fields)
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        return f"[Error {self.err.code}] {self.text}"


def error_table() -> list[dict[str, object]]:
    """The table as data, for ``--dump``-style listings and the docs test."""
    return [{"name": e.name, "code": e.code, "text": e.template} for e in Err]
