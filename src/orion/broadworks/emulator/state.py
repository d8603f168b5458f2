"""The emulator's in-memory model of a BroadWorks system, saved as JSON on request.

Only what Orion provisions is modelled: enterprises (service providers), groups,
domains, DNs, service packs, service authorizations and group service assignments, and
each group's users and access devices (phones).
Quantities are ``int`` or ``None`` for unlimited, as in ``UnboundedPositiveInt``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from orion.broadworks.emulator.errors import EmulatorError, Err

Quantity = int | None  # None: unlimited
STATE_VERSION = 1


@dataclass
class ServicePack:
    name: str
    description: str | None
    available: bool
    quantity: Quantity
    services: list[str] = field(default_factory=list)


@dataclass
class AccessDevice:
    """A group access device: a phone with its type and MAC address."""

    device_name: str
    device_type: str
    mac_address: str | None = None
    serial_number: str | None = None
    description: str | None = None
    physical_location: str | None = None
    protocol: str | None = None
    net_address: str | None = None
    port: int | None = None
    transport_protocol: str | None = None


@dataclass
class User:
    """A user of a group; ``line_port`` and ``device_name`` put it on a group device.

    BroadWorks keeps the password to authenticate the user's own logins; the emulator
    never answers with it, so only a digest is kept (state files get copied around).
    """

    user_id: str
    last_name: str
    first_name: str
    calling_line_id_last_name: str
    calling_line_id_first_name: str
    phone_number: str | None = None
    extension: str | None = None
    calling_line_id_phone_number: str | None = None
    password_digest: str | None = None
    email_address: str | None = None
    hiragana_last_name: str | None = None
    hiragana_first_name: str | None = None
    department: str | None = None
    language: str | None = None
    time_zone: str | None = None
    title: str | None = None
    mobile_phone_number: str | None = None
    device_name: str | None = None
    line_port: str | None = None
    services: list[str] = field(default_factory=list)
    service_packs: list[str] = field(default_factory=list)


#: A new group's extension lengths (GroupExtensionLengthGetResponse17 of a fresh system).
DEFAULT_EXTENSION_LENGTHS = (2, 6, 4)


@dataclass
class Group:
    group_id: str
    default_domain: str
    user_limit: int
    name: str | None = None
    calling_line_id_name: str | None = None
    time_zone: str | None = None
    contact: dict[str, str] = field(default_factory=dict)
    address: dict[str, str] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    user_services: dict[str, Quantity] = field(default_factory=dict)
    group_services: dict[str, Quantity] = field(default_factory=dict)
    service_packs: dict[str, Quantity] = field(default_factory=dict)
    assigned_services: list[str] = field(default_factory=list)
    min_extension_length: int = DEFAULT_EXTENSION_LENGTHS[0]
    max_extension_length: int = DEFAULT_EXTENSION_LENGTHS[1]
    default_extension_length: int = DEFAULT_EXTENSION_LENGTHS[2]
    users: dict[str, User] = field(default_factory=dict)
    devices: dict[str, AccessDevice] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        data = dict(data)  # state files from before users and devices have neither
        data["users"] = {uid: User(**u) for uid, u in data.get("users", {}).items()}
        data["devices"] = {
            name: AccessDevice(**d) for name, d in data.get("devices", {}).items()
        }
        return cls(**data)

    def pack_usage(self, pack: str) -> int:
        """Users of the group with this service pack (what its quantity counts)."""
        return sum(pack in user.service_packs for user in self.users.values())

    def service_usage(self, service: str) -> int:
        return sum(service in user.services for user in self.users.values())


@dataclass
class ServiceProvider:
    service_provider_id: str
    default_domain: str
    is_enterprise: bool = False
    name: str | None = None
    support_email: str | None = None
    contact: dict[str, str] = field(default_factory=dict)
    address: dict[str, str] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    user_services: dict[str, Quantity] = field(default_factory=dict)
    group_services: dict[str, Quantity] = field(default_factory=dict)
    service_packs: dict[str, ServicePack] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceProvider:
        data = dict(data)
        data["service_packs"] = {
            name: ServicePack(**pack) for name, pack in data.get("service_packs", {}).items()
        }
        data["groups"] = {gid: Group.from_dict(g) for gid, g in data.get("groups", {}).items()}
        return cls(**data)

    def group(self, group_id: str) -> Group:
        try:
            return self.groups[group_id]
        except KeyError:
            raise EmulatorError(
                Err.GROUP_NOT_FOUND, sp=self.service_provider_id, group=group_id
            ) from None

    def dn_owner(self, dn: str) -> Group | None:
        """The group a DN of this enterprise is assigned to, if any."""
        for group in self.groups.values():
            if dn in group.dns:
                return group
        return None


@dataclass
class EmulatorState:
    """Everything the emulator knows; one instance per server, mutated on its event loop."""

    system_default_domain: str = "voip.orion.test"
    system_domains: list[str] = field(default_factory=lambda: ["voip.orion.test"])
    service_providers: dict[str, ServiceProvider] = field(default_factory=dict)

    # -- lookups that refuse like BroadWorks ----------------------------------------

    def service_provider(self, sp_id: str) -> ServiceProvider:
        try:
            return self.service_providers[sp_id]
        except KeyError:
            raise EmulatorError(Err.SERVICE_PROVIDER_NOT_FOUND, sp=sp_id) from None

    def group(self, sp_id: str, group_id: str) -> Group:
        try:
            sp = self.service_providers[sp_id]
        except KeyError:
            # BroadWorks names both ids when a group's parent is missing.
            raise EmulatorError(Err.GROUP_NOT_FOUND, sp=sp_id, group=group_id) from None
        return sp.group(group_id)

    def domain_owner(self, domain: str) -> str | None:
        """The service provider a (non-system-default) domain is assigned to."""
        for sp in self.service_providers.values():
            if domain in sp.domains:
                return sp.service_provider_id
        return None

    def find_user(self, user_id: str) -> tuple[ServiceProvider, Group, User] | None:
        """The user with this id anywhere in the system (user ids are system-wide)."""
        wanted = user_id.lower()
        # Most lookups name a user as it was added (its key): one dict lookup per group. A
        # hit is the only match, since no two user ids differ by case alone (``user_add``
        # refuses that); anything else, and every miss, scans as BroadWorks compares.
        for sp in self.service_providers.values():
            for group in sp.groups.values():
                found = group.users.get(user_id)
                if found is not None and found.user_id.lower() == wanted:
                    return sp, group, found
        for sp in self.service_providers.values():
            for group in sp.groups.values():
                for user in group.users.values():
                    if user.user_id.lower() == wanted:
                        return sp, group, user
        return None

    def user(self, user_id: str) -> tuple[ServiceProvider, Group, User]:
        found = self.find_user(user_id)
        if found is None:
            raise EmulatorError(Err.USER_NOT_FOUND, user=user_id)
        return found

    def users(self) -> list[tuple[ServiceProvider, Group, User]]:
        return [
            (sp, group, user)
            for sp in self.service_providers.values()
            for group in sp.groups.values()
            for user in group.users.values()
        ]

    def devices(self) -> list[tuple[ServiceProvider, Group, AccessDevice]]:
        return [
            (sp, group, device)
            for sp in self.service_providers.values()
            for group in sp.groups.values()
            for device in group.devices.values()
        ]

    def dn_owner(self, dn: str) -> str | None:
        for sp in self.service_providers.values():
            if dn in sp.dns:
                return sp.service_provider_id
        return None

    # -- persistence ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmulatorState:
        data = {k: v for k, v in data.items() if k != "version"}
        data["service_providers"] = {
            sp_id: ServiceProvider.from_dict(sp)
            for sp_id, sp in data.get("service_providers", {}).items()
        }
        return cls(**data)

    def copy(self) -> EmulatorState:
        """A deep copy, used to roll back all-or-nothing (Consolidated) requests."""
        return EmulatorState.from_dict(json.loads(json.dumps(self.to_dict())))

    def replace_with(self, other: EmulatorState) -> None:
        self.system_default_domain = other.system_default_domain
        self.system_domains = other.system_domains
        self.service_providers = other.service_providers

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.to_dict(), handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> EmulatorState:
        """The saved state, or an empty system when the file does not exist yet."""
        if not path.exists():
            return cls()
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
