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
