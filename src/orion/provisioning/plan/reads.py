"""Reading BroadWorks: one document of Get/List requests at the start of every run,
parsed into ``Observed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orion.broadworks.client import OCIResult
from orion.broadworks.exceptions import OCINotFound
from orion.broadworks.ranges import dn_summary_numbers
from orion.provisioning.plan.desired import Desired

# -- Reading BroadWorks -------------------------------------------------------------------


@dataclass(frozen=True)
class SeenUser:
    """A row of the group's user list (``UserGetListInGroupRequest``)."""

    first_name: str
    last_name: str
    extension: str
    phone_number: str


@dataclass(frozen=True)
class SeenDevice:
    """A row of the group's access device list (``GroupAccessDeviceGetListRequest``)."""

    device_type: str
    mac_address: str


@dataclass
class Observed:
    """What BroadWorks holds, read in one document at the start of a run."""

    system_domains: set[str] | None = None
    sp: Any = None
    sp_domains: set[str] = field(default_factory=set)
    sp_user_services: dict[str, str] = field(default_factory=dict)
    sp_group_services: dict[str, str] = field(default_factory=dict)
    sp_packs: set[str] = field(default_factory=set)
    group: Any = None
    group_packs: dict[str, str] = field(default_factory=dict)
    group_user_services: dict[str, str] = field(default_factory=dict)
    group_group_services: dict[str, str] = field(default_factory=dict)
    group_assigned: set[str] = field(default_factory=set)
    sp_numbers: dict[str, str] = field(default_factory=dict)  # number -> group id or ""
    users: dict[str, SeenUser] = field(default_factory=dict)  # user id -> its row
    devices: dict[str, SeenDevice] = field(default_factory=dict)  # device name -> its row
    # The service packs of users that exist already (read only for those, see user_reads).
    user_packs: dict[str, set[str]] = field(default_factory=dict)
    # User ids BroadWorks said exist although the group does not list them: another group's.
    users_elsewhere: set[str] = field(default_factory=set)


def assumed_new(desired: Desired) -> Observed:
    """What BroadWorks holds of an enterprise this order creates, before the order's first
    attempt sent anything: nothing of the enterprise or its group (Orion chose their ids,
    unique among every enterprise it created or imported), and the system's own domain.

    The first attempt of a new enterprise's order then writes without reading first (one
    round trip fewer). Should BroadWorks hold something after all (a domain used elsewhere,
    an id taken outside Orion), its "already exists" makes the run read and diff again,
    as after any "already exists"; a retry always reads first.
    """
    from django.conf import settings

    return Observed(system_domains={settings.ORION_BROADWORKS_SYSTEM_DOMAIN})


def read_requests(desired: Desired) -> list[tuple[str, dict[str, Any]]]:
    return group_read_requests(sp_id=desired.sp_id, group_id=desired.group_id)


def group_read_requests(*, sp_id: str, group_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The reads of every run, by ids: provisioning and rollback parse the same answers."""
    sp, group = {"service_provider_id": sp_id}, {"service_provider_id": sp_id,
                                                  "group_id": group_id}
    return [
        ("SystemDomainGetListRequest", {}),
        ("ServiceProviderGetRequest22V4", sp),
        ("ServiceProviderDomainGetAssignedListRequest", sp),
        ("ServiceProviderServiceGetAuthorizationListRequest", sp),
        ("ServiceProviderServicePackGetListRequest", sp),
        ("ServiceProviderDnGetSummaryListRequest", sp),
        ("GroupGetRequest22V5", group),
        ("GroupServiceGetAuthorizationListRequest", group),
        ("UserGetListInGroupRequest", group),
        ("GroupAccessDeviceGetListRequest", group),
    ]


def user_reads(desired: Desired, seen: Observed) -> list[tuple[str, dict[str, Any]]]:
    """The service packs of the order's users that BroadWorks already holds: after a crash
    between a user and its service pack, only the pack is missing. Usually none."""
    return [("UserServiceGetAssignmentListRequest", {"user_id": u.user_id})
            for u in desired.users if u.user_id in seen.users]


def parse_user_reads(desired: Desired, seen: Observed, results: list[OCIResult]) -> None:
    wanted = [u for u in desired.users if u.user_id in seen.users]
    for user, result in zip(wanted, results, strict=True):
        answer = _ok(result)
        if answer is not None:
            seen.user_packs[user.user_id] = {
                r.service_pack_name for r in _rows(answer.service_packs_assignment_table)
                if r.assigned == "true"}


def _ok(result: OCIResult) -> Any:
    """The response, None when BroadWorks says the object does not exist, else raise."""
    if result.ok:
        return result.response
    if isinstance(result.error, OCINotFound):
        return None
    raise result.error  # type: ignore[misc]


def _rows(table: Any) -> list[Any]:
    return list(table or [])


def parse_reads(results: list[OCIResult]) -> Observed:
    (domains, sp, sp_domains, sp_auth, sp_packs, sp_dns, group, group_auth, users,
     devices) = (_ok(r) for r in results)
    seen = Observed()
    if domains is not None:
        seen.system_domains = {*(domains.domain or []), domains.system_default_domain}
    seen.sp = sp
    if sp is not None:
        seen.sp_domains = {*(sp_domains.domain or []), sp_domains.service_provider_default_domain}
        seen.sp_user_services = {r.service_name: r.quantity
                                 for r in _rows(sp_auth.user_services_authorization_table)
                                 if r.authorized == "true"}
        seen.sp_group_services = {r.service_name: r.quantity
                                  for r in _rows(sp_auth.group_services_authorization_table)
                                  if r.authorized == "true"}
        seen.sp_packs = set(sp_packs.service_pack_name or [])
        seen.sp_numbers = dn_summary_numbers(sp_dns.dn_summary_table)  # ranges expanded
    seen.group = group
    if group is not None and group_auth is not None:
        seen.group_packs = {r.service_pack_name: r.allocated
                            for r in _rows(group_auth.service_packs_authorization_table)
                            if r.authorized == "true"}
        seen.group_group_services = {
            r.service_name: r.quantity
            for r in _rows(group_auth.group_services_authorization_table)
            if r.authorized == "true"}
        seen.group_assigned = {r.service_name
                               for r in _rows(group_auth.group_services_authorization_table)
                               if r.assigned == "true"}
        seen.group_user_services = {r.service_name: r.quantity
                                    for r in _rows(group_auth.user_services_authorization_table)
                                    if r.authorized == "true"}
    if group is not None and users is not None:
        seen.users = {r.user_id: SeenUser(first_name=r.first_name or "",
                                          last_name=r.last_name or "",
                                          extension=r.extension or "",
                                          phone_number=r.phone_number or "")
                      for r in _rows(users.user_table)}
    if group is not None and devices is not None:
        seen.devices = {r.device_name: SeenDevice(device_type=r.device_type or "",
                                                  mac_address=r.mac_address or "")
                        for r in _rows(devices.access_device_table)}
    return seen


