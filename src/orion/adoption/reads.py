"""Reading a whole BroadWorks for the import: a few Get/List requests per enterprise and per
group, packed into documents of up to 15 commands and sent over a bounded pool of sessions.

Reading one command per round trip costs the network and application-server latency once per
command (six per enterprise, four per group); packing 15 per document and keeping a few
documents in flight on separate sessions pays it about once per 15 commands divided by the
sessions. Nothing here writes: BroadWorks is only read, Orion's records are written by
``orion.adoption.services``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from orion.broadworks.client import OCIResult
from orion.broadworks.config import MAX_COMMANDS_PER_DOCUMENT
from orion.broadworks.exceptions import OCINotFound
from orion.broadworks.pool import BroadWorksPool
from orion.broadworks.ranges import dn_summary_numbers, expand_dn_cell

Request = tuple[str, dict[str, Any]]

_SP_READS = ("ServiceProviderGetRequest22V4", "ServiceProviderDomainGetAssignedListRequest",
             "ServiceProviderDnGetSummaryListRequest", "ServiceProviderServicePackGetListRequest",
             "ServiceProviderServiceGetAuthorizationListRequest",
             "GroupGetListInServiceProviderRequest")
_GROUP_READS = ("GroupGetRequest22V5", "GroupServiceGetAuthorizationListRequest",
                "GroupDnGetListRequest", "UserGetListInGroupRequest")


@dataclass
class SeenGroup:
    """One group as BroadWorks holds it."""

    group_id: str
    name: str = ""
    default_domain: str = ""
    time_zone: str = ""
    user_limit: int = 0
    contact: dict[str, str] = field(default_factory=dict)
    address: dict[str, str] = field(default_factory=dict)
    # Authorized quantities as BroadWorks writes them ("5", "Unlimited").
    packs: dict[str, str] = field(default_factory=dict)
    user_services: dict[str, str] = field(default_factory=dict)
    group_services: dict[str, str] = field(default_factory=dict)
    assigned: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)  # BroadWorks form, ranges expanded
    users: list[str] = field(default_factory=list)
    error: str = ""  # why it could not be read (it vanished, BroadWorks refused a read)


@dataclass
class SeenEnterprise:
    """One service provider (enterprise) and its groups."""

    sp_id: str
    name: str = ""
    is_enterprise: bool = True
    default_domain: str = ""
    domains: set[str] = field(default_factory=set)
    packs: set[str] = field(default_factory=set)
    numbers: dict[str, str] = field(default_factory=dict)  # number -> group id or ""
    groups: list[SeenGroup] = field(default_factory=list)
    error: str = ""


@dataclass
class ReadStats:
    """What reading cost: documents sent (round trips), commands, sessions used."""

    documents: int = 0
    commands: int = 0
    sessions: set[int] = field(default_factory=set)


def _ok(result: OCIResult) -> Any:
    """The response, or None when BroadWorks says the object does not exist; other errors
    are raised for the caller to turn into a refusal with BroadWorks' words."""
    if result.ok:
        return result.response
    if isinstance(result.error, OCINotFound):
        return None
    raise result.error  # type: ignore[misc]


def _rows(table: Any) -> list[Any]:
    return list(table or [])


def send_all(pool: BroadWorksPool, requests: Sequence[Request], stats: ReadStats,
             progress: Callable[[int], None] | None = None) -> list[OCIResult]:
    """Every request, in documents of up to 15 commands, at most ``pool.size`` in flight;
    the results in the order of ``requests``. ``progress`` is called in this thread with
    the number of commands of each document as its answer arrives."""
    chunks = [list(requests[i:i + MAX_COMMANDS_PER_DOCUMENT])
              for i in range(0, len(requests), MAX_COMMANDS_PER_DOCUMENT)]

    def one(chunk: list[Request]) -> list[OCIResult]:
        with pool.connection() as client:
            stats.sessions.add(id(client))
            return client.batch(chunk)

    results: list[OCIResult] = []
    with ThreadPoolExecutor(max_workers=pool.size) as executor:
        for chunk, answer in zip(chunks, executor.map(one, chunks), strict=True):
            stats.documents += 1
            stats.commands += len(chunk)
            results.extend(answer)
            if progress is not None:
                progress(len(chunk))
    return results


def list_service_providers(pool: BroadWorksPool, stats: ReadStats) -> dict[str, bool]:
    """Every service provider id -> whether it is an enterprise."""
    (result,) = send_all(pool, [("ServiceProviderGetListRequest", {})], stats)
    answer = _ok(result)
    return {row.service_provider_id: row.is_enterprise == "true"
            for row in _rows(getattr(answer, "service_provider_table", None))}


def read_enterprises(pool: BroadWorksPool, sp_ids: Sequence[str],
                     stats: ReadStats) -> list[SeenEnterprise]:
    """The enterprise-level reads of every ``sp_ids`` (six commands each)."""
    requests = [(name, {"service_provider_id": sp}) for sp in sp_ids for name in _SP_READS]
    results = send_all(pool, requests, stats)
    seen: list[SeenEnterprise] = []
    for index, sp_id in enumerate(sp_ids):
        mine = results[index * len(_SP_READS):(index + 1) * len(_SP_READS)]
        enterprise = SeenEnterprise(sp_id=sp_id)
        try:
            sp, domains, dns, packs, _auth, groups = (_ok(r) for r in mine)
        except Exception as exc:  # an OCIError: BroadWorks refused a read; say which
            enterprise.error = str(exc)
            seen.append(enterprise)
            continue
        if sp is None:
            enterprise.error = "no longer in BroadWorks (removed while reading)"
            seen.append(enterprise)
            continue
        enterprise.name = sp.service_provider_name or ""
        enterprise.is_enterprise = bool(sp.is_enterprise)
        enterprise.default_domain = sp.default_domain or ""
        if domains is not None:
            enterprise.domains = {*(domains.domain or [])}
        if packs is not None:
            enterprise.packs = set(packs.service_pack_name or [])
        if dns is not None:
            enterprise.numbers = dn_summary_numbers(dns.dn_summary_table)  # ranges expanded
        if groups is not None:
            enterprise.groups = [SeenGroup(group_id=row.group_id)
                                 for row in _rows(groups.group_table)]
        seen.append(enterprise)
    return seen


def read_groups(pool: BroadWorksPool, enterprises: Sequence[SeenEnterprise], stats: ReadStats,
                progress: Callable[[int], None] | None = None) -> None:
    """Fill in every group of ``enterprises`` (four commands each). ``progress`` is called
    with the number of groups whose reads have all arrived."""
    pairs = [(e, g) for e in enterprises if not e.error for g in e.groups]
    requests = [(name, {"service_provider_id": e.sp_id, "group_id": g.group_id})
                for e, g in pairs for name in _GROUP_READS]
    sent = 0
    reported = 0

    def counted(commands: int) -> None:
        nonlocal sent, reported
        sent += commands
        complete = sent // len(_GROUP_READS)
        if progress is not None and complete > reported:
            progress(complete - reported)
            reported = complete

    results = send_all(pool, requests, stats, counted)
    for index, (enterprise, group) in enumerate(pairs):
        mine = results[index * len(_GROUP_READS):(index + 1) * len(_GROUP_READS)]
        _parse_group(enterprise, group, mine)


def _fields(value: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The non-empty ``names`` of a Contact or StreetAddress (an object, or a dict)."""
    if value is None:
        return {}
    get = value.get if isinstance(value, dict) else (lambda n: getattr(value, n, None))
    return {name: str(get(name)) for name in names if get(name)}


def _parse_group(enterprise: SeenEnterprise, group: SeenGroup, results: list[OCIResult]) -> None:
    try:
        detail, auth, dns, users = (_ok(r) for r in results)
    except Exception as exc:
        group.error = str(exc)
        return
    if detail is None:
        group.error = "no longer in BroadWorks (removed while reading)"
        return
    group.name = detail.group_name or ""
    group.default_domain = detail.default_domain or ""
    group.time_zone = detail.time_zone or ""
    group.user_limit = int(detail.user_limit or 0)
    group.contact = _fields(detail.contact, ("contact_name", "contact_number", "contact_email"))
    group.address = _fields(detail.address, ("address_line1", "address_line2", "city",
                                             "state_or_province", "zip_or_postal_code",
                                             "country"))
    if auth is not None:
        group.packs = {r.service_pack_name: r.allocated
                       for r in _rows(auth.service_packs_authorization_table)
                       if r.authorized == "true"}
        group.user_services = {r.service_name: r.quantity
                               for r in _rows(auth.user_services_authorization_table)
                               if r.authorized == "true"}
        group.group_services = {r.service_name: r.quantity
                                for r in _rows(auth.group_services_authorization_table)
                                if r.authorized == "true"}
        group.assigned = {r.service_name for r in _rows(auth.group_services_authorization_table)
                          if r.assigned == "true"}
    # The group's own list and the enterprise's summary, both with ranges expanded: a number
    # either lists under the group is the group's.
    numbers = {n for cell in (getattr(dns, "phone_number", None) or [])
               for n in expand_dn_cell(cell)}
    numbers |= {n for n, g in enterprise.numbers.items() if g == group.group_id}
    group.numbers = numbers
    if users is not None:
        group.users = [r.user_id for r in _rows(users.user_table)]
