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


def read_requests(desired: Desired) -> list[tuple[str, dict[str, Any]]]:
    sp, group = {"service_provider_id": desired.sp_id}, {"service_provider_id": desired.sp_id,
                                                          "group_id": desired.group_id}
    return [
        ("SystemDomainGetListRequest", {}),
        ("ServiceProviderGetRequest22V4", sp),
        ("ServiceProviderDomainGetAssignedListRequest", sp),
        ("ServiceProviderServiceGetAuthorizationListRequest", sp),
        ("ServiceProviderServicePackGetListRequest", sp),
        ("ServiceProviderDnGetSummaryListRequest", sp),
        ("GroupGetRequest22V5", group),
        ("GroupServiceGetAuthorizationListRequest", group),
    ]


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
    (domains, sp, sp_domains, sp_auth, sp_packs, sp_dns, group, group_auth) = (
        _ok(r) for r in results)
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
    return seen


