"""The drift audit: customer by customer, what Orion's records say the group holds in
BroadWorks against what it holds, kept as open ``DriftEntry`` rows until staff act on them or
an audit no longer finds them.

What Orion's records say: the group exists; its numbers are the customer's assigned DIDs; its
authorized quantities are the import's baseline plus the customer's provisioned orders (the
same sum ``provisioning.plan.desired_for`` uses). Only catalog-mapped names are compared:
names the catalog does not know are the import's "unmatched" report, not drift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.adoption.models import (
    ELSEWHERE_WHY,
    BaselineKind,
    BaselineQuantity,
    DriftEntry,
    DriftKind,
    ImportBaseline,
)
from orion.adoption.reads import ReadStats, SeenEnterprise, SeenGroup, _parse_group, send_all
from orion.adoption.services import KINDS, _catalog_map, _orion_shares, e164
from orion.audit.services import audit_record
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCINotFound
from orion.broadworks.pool import BroadWorksPool
from orion.broadworks.ranges import dn_summary_numbers
from orion.core.bulk import rows_update
from orion.core.exceptions import NotFound, OrionError
from orion.core.permissions import require_provider_staff
from orion.numbers.models import DID
from orion.numbers.states import NumberState
from orion.orders.models import Order
from orion.orders.states import PROVISIONED_STATES, PROVISIONING_STATES
from orion.users.models import OrderUser

logger = logging.getLogger(__name__)

_READS = ("GroupGetRequest22V5", "GroupServiceGetAuthorizationListRequest",
          "GroupDnGetListRequest", "UserGetListInGroupRequest",
          "GroupAccessDeviceGetListRequest")
Key = tuple[str, str]  # (kind, name)


class DriftRefused(OrionError):
    """An action on a drift entry that cannot be taken (shown next to its button)."""


@dataclass
class AuditReport:
    customers: int = 0
    found: dict[str, int] = field(default_factory=dict)  # open entries by kind after the run
    new: int = 0
    gone: int = 0
    documents: int = 0
    sessions: int = 0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {DriftKind(k).label.lower()}" for k, n in
                           sorted(self.found.items())) or "none"
        return [f"Audited {self.customers} customers with {self.documents} documents over "
                f"{self.sessions} sessions.",
                f"Open differences: {counts}; {self.new} new, {self.gone} gone since the last "
                "audit."]


def _audited_customers() -> list[Customer]:
    """Hosted, activated, not cancelled, and no order of Orion's being provisioned (its
    half-done work is not drift)."""
    busy = Customer.objects.filter(orders__state__in=PROVISIONING_STATES).values("pk")
    return list(Customer.objects.select_related("enterprise")
                .filter(service_type="hosted", activated_at__isnull=False,
                        cancelled_at__isnull=True, enterprise__cancelled_at__isnull=True)
                .exclude(pk__in=busy).order_by("pk"))


@dataclass
class _Held:
    """What Orion's records say one customer's group holds (loaded for all at once)."""

    numbers: set[str] = field(default_factory=set)
    provisioned_users: set[str] = field(default_factory=set)
    known_users: set[str] = field(default_factory=set)  # the import's, and any accepted
    quantities: dict[Key, int] = field(default_factory=dict)
    # Users of provisioned orders and of failed ones (what the retry will check), by id:
    # (their fields as a drift entry keeps them, phone name, the phone's fields or "").
    users: dict[str, tuple[str, str, str]] = field(default_factory=dict)


@dataclass
class _Seen:
    """What the audit reads beyond the import's parse: the group's users and phones with
    their fields, the enterprise's numbers by group, the user ids found in other groups."""

    users: dict[str, str] = field(default_factory=dict)  # user id -> fields
    devices: dict[str, str] = field(default_factory=dict)  # phone name -> fields
    sp_numbers: dict[str, str] = field(default_factory=dict)  # +1NNN -> group id or ""
    elsewhere: dict[str, str] = field(default_factory=dict)  # user id -> its group


def _seen_users(users: object, devices: object) -> _Seen:
    from orion.provisioning.plan.seats import phone_drift_value, user_drift_value

    seen = _Seen()
    for row in getattr(users, "user_table", None) or []:
        seen.users[row.user_id] = user_drift_value(row.first_name or "", row.last_name or "",
                                                   row.extension or "", row.phone_number)
    for row in getattr(devices, "access_device_table", None) or []:
        seen.devices[row.device_name] = phone_drift_value(row.device_type or "",
                                                          row.mac_address)
    return seen


def _held(customers: list[Customer]) -> dict[int, _Held]:
    """Orion's side of every audited customer in five queries (not five per customer: an
    adopted system has thousands)."""
    ids = [c.pk for c in customers]
    held = {pk: _Held() for pk in ids}
    for pk, number in DID.objects.filter(customer_id__in=ids, state=NumberState.ASSIGNED
                                         ).values_list("customer_id", "e164"):
        held[pk].numbers.add(number)
    for pk, user_id in OrderUser.objects.filter(
            customer_id__in=ids, is_live=True, order__state__in=PROVISIONED_STATES,
    ).values_list("customer_id", "user_id"):
        held[pk].provisioned_users.add(user_id)
    from orion.orders.states import OrderState
    from orion.provisioning.plan.seats import phone_drift_value, user_drift_value

    for pk, user_id, first, last, ext, number, device_type, mac in OrderUser.objects.filter(
            order__customer_id__in=ids, is_live=True,
            order__state__in=[*PROVISIONED_STATES, OrderState.FAILED]).exclude(user_id="") \
            .values_list("order__customer_id", "user_id", "first_name", "last_name",
                         "extension", "number__e164", "device_type", "mac_address"):
        device = f"{user_id.split('@', 1)[0]}_phone"[:40] if device_type else ""
        held[pk].users[user_id] = (user_drift_value(first, last, ext, number), device,
                                   phone_drift_value(device_type, mac) if device_type else "")
    for pk, user_ids in ImportBaseline.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "user_ids"):
        held[pk].known_users |= set(user_ids or [])
    for pk, share in _orion_shares(ids).items():
        held[pk].quantities.update(share)
    for pk, kind, name, quantity in BaselineQuantity.objects.filter(
            baseline__customer_id__in=ids).values_list("baseline__customer_id", "bw_kind",
                                                       "bw_name", "quantity"):
        quantities = held[pk].quantities
        quantities[(kind, name)] = quantities.get((kind, name), 0) + quantity
    return held


def _differences(customer: Customer, group: SeenGroup, catalog: set[Key], orion: _Held,
                 more: _Seen | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, name) -> (expected, actual) for one customer."""
    if group.error:
        return {(DriftKind.GROUP_MISSING, customer.bw_group_id): ("present", group.error[:40])}
    more = more or _Seen()
    out: dict[tuple[str, str], tuple[str, str]] = {}
    held = {e164(n) for n in group.numbers}
    mine = orion.numbers
    for number in sorted(mine - held):
        # Another group of the enterprise holds it: named as the order's conflict names it
        # (re-adding it here would take it from that group).
        other = more.sp_numbers.get(number)
        if other:
            out[(DriftKind.NUMBER_ELSEWHERE, number)] = (customer.bw_group_id, other)
        else:
            out[(DriftKind.NUMBER_MISSING, number)] = ("assigned", "absent")
    for number in sorted(held - mine):
        out[(DriftKind.NUMBER_EXTRA, number)] = ("absent", "assigned")
    known, provisioned = orion.known_users, orion.provisioned_users
    held_users = set(group.users)
    for user_id in sorted(set(orion.users) - held_users):
        if user_id in more.elsewhere:
            out[(DriftKind.USER_ELSEWHERE, user_id)] = (customer.bw_group_id,
                                                        more.elsewhere[user_id])
        elif user_id in provisioned:
            out[(DriftKind.USER_MISSING, user_id)] = ("present", "absent")
    for user_id, (fields, device, phone) in sorted(orion.users.items()):
        have = more.users.get(user_id)
        if have is not None and have != fields:
            out[(DriftKind.USER_CHANGED, user_id)] = (fields, have)
        held_phone = more.devices.get(device) if device else None
        if held_phone is not None and held_phone != phone:
            out[(DriftKind.PHONE_CHANGED, device)] = (phone, held_phone)
    for user_id in sorted(held_users - provisioned - known):
        out[(DriftKind.USER_EXTRA, user_id)] = ("absent", "present")
    expected = orion.quantities
    actual: dict[Key, str] = {}
    for attribute, kind in KINDS:
        for name, text in getattr(group, attribute).items():
            if (kind, name) in catalog:
                actual[(kind, name)] = str(text)
    # Group services: one Orion counts must be assigned (the plan assigns every one it
    # counts); one it counts none of must not be. An assigned one Orion counts none of is
    # that kind only (not also a quantity): accepting it takes its quantity.
    for (bw_kind, bw_name), count in sorted(expected.items()):
        if bw_kind == BaselineKind.GROUP_SERVICE and count and \
                bw_name in group.group_services and bw_name not in group.assigned:
            out[(DriftKind.GS_UNASSIGNED, bw_name)] = ("assigned", "unassigned")
    subsumed: set[Key] = set()
    for service in sorted(group.assigned):
        held_key: Key = (BaselineKind.GROUP_SERVICE, service)
        if held_key in catalog and not expected.get(held_key):
            out[(DriftKind.GS_ASSIGNED, service)] = ("0", actual.get(held_key, "0"))
            subsumed.add(held_key)
    for key in sorted((set(expected) | set(actual)) - subsumed):
        wanted = str(expected.get(key, 0))
        have = actual.get(key)
        if key[0] == BaselineKind.SERVICE_PACK and wanted != "0" and have is None:
            out[(DriftKind.PACK_MISSING, key[1])] = (wanted, "absent")
        elif key[0] == BaselineKind.SERVICE_PACK and wanted == "0" and have is not None:
            out[(DriftKind.PACK_EXTRA, key[1])] = ("0", have)
        elif wanted != (have or "0"):
            out[(DriftKind.QUANTITY, f"{key[0]}:{key[1]}")] = (wanted, have or "0")
    return out


def drift_audit(*, config: BroadWorksConfig | None = None, sessions: int = 4) -> AuditReport:
    """Read every audited customer's group (five commands each, plus one per enterprise; 15
    per document, a bounded pool of sessions) and bring the open drift entries up to date:
    new differences are added, ones no longer found are closed as "gone"."""
    config = config or settings.ORION_BROADWORKS
    customers = _audited_customers()
    report = AuditReport(customers=len(customers))
    stats = ReadStats()
    requests = [(name, {"service_provider_id": c.enterprise.bw_service_provider_id,
                        "group_id": c.bw_group_id}) for c in customers for name in _READS]
    # Each enterprise's numbers by group, once: a number missing from its group that another
    # group holds is that kind of drift, not a missing one.
    enterprises = sorted({c.enterprise.bw_service_provider_id for c in customers})
    requests += [("ServiceProviderDnGetSummaryListRequest", {"service_provider_id": sp})
                 for sp in enterprises]
    orion = _held(customers)
    with BroadWorksPool(config, size=max(1, min(config.pool_size, sessions))) as pool:
        results = send_all(pool, requests, stats)
        by_group = len(customers) * len(_READS)
        sp_numbers: dict[str, dict[str, str]] = {}
        for sp, result in zip(enterprises, results[by_group:], strict=True):
            if result.ok and result.response is not None:
                sp_numbers[sp] = {e164(n): g for n, g in dn_summary_numbers(
                    result.response.dn_summary_table).items()}
        # Orion's users the group does not list: is the id used elsewhere in BroadWorks?
        listed = {}
        for index, customer in enumerate(customers):
            users = results[index * len(_READS) + 3]
            listed[customer.pk] = ({r.user_id for r in users.response.user_table or []}
                                   if users.ok and users.response is not None else None)
        absent = sorted({u for c in customers if listed[c.pk] is not None
                         for u in orion[c.pk].users if u not in listed[c.pk]})  # type: ignore[operator]
        elsewhere: dict[str, str] = {}
        for user_id, result in zip(absent, send_all(
                pool, [("UserGetRequest22", {"user_id": u}) for u in absent], stats),
                strict=True):
            if result.ok and result.response is not None:
                elsewhere[user_id] = str(result.response.group_id or "elsewhere")
    report.documents, report.sessions = stats.documents, len(stats.sessions)
    catalog = set(_catalog_map())
    now = timezone.now()
    with transaction.atomic():
        open_: dict[tuple[int, str, str], DriftEntry] = {
            (e.customer_id, e.kind, e.name): e for e in DriftEntry.objects.select_for_update()
            .filter(customer_id__in=[c.pk for c in customers], resolved_at__isnull=True)}
        seen: set[tuple[int, str, str]] = set()
        new: list[DriftEntry] = []
        changed: list[DriftEntry] = []
        for index, customer in enumerate(customers):
            mine = results[index * len(_READS):(index + 1) * len(_READS)]
            group = SeenGroup(group_id=customer.bw_group_id)
            if not mine[0].ok and isinstance(mine[0].error, OCINotFound):
                group.error = "absent"
            else:
                _parse_group(SeenEnterprise(sp_id=customer.enterprise.bw_service_provider_id),
                             group, mine[:4])
            more = _seen_users(mine[3].response if mine[3].ok else None,
                               mine[4].response if mine[4].ok else None)
            more.sp_numbers = sp_numbers.get(customer.enterprise.bw_service_provider_id, {})
            more.elsewhere = elsewhere
            found = _differences(customer, group, catalog, orion[customer.pk], more)
            for (kind, name), (expected, actual) in found.items():
                key = (customer.pk, kind, name[:120])
                seen.add(key)
                held = open_.get(key)
                if held is None:
                    new.append(DriftEntry(customer=customer, kind=kind, name=name[:120],
                                          expected=expected, actual=actual))
                elif (held.expected, held.actual) != (expected, actual):
                    held.expected, held.actual, held.seen_at = expected, actual, now
                    changed.append(held)
                report.found[kind] = report.found.get(kind, 0) + 1
        gone = [entry for key, entry in open_.items() if key not in seen]
        for entry in gone:
            entry.resolved_at, entry.resolution, entry.seen_at = now, "gone", now
        rows_update(gone, ["resolved_at", "resolution", "seen_at"])
        rows_update(changed, ["expected", "actual", "seen_at"])
        DriftEntry.objects.bulk_create(new, batch_size=1000)
        report.new, report.gone = len(new), len(gone)
    logger.info("adoption: drift audit: %s", " ".join(report.lines()))
    return report


_BASELINE_MOVES = frozenset({DriftKind.QUANTITY, DriftKind.PACK_MISSING, DriftKind.PACK_EXTRA,
                             DriftKind.GS_ASSIGNED})


_ELSEWHERE = ELSEWHERE_WHY


def _accept_refusal(entry: DriftEntry) -> str:
    """Why Accept cannot take BroadWorks' value for ``entry`` (shown on the page)."""
    if entry.kind in _ELSEWHERE:
        return _ELSEWHERE[DriftKind(entry.kind)]
    if entry.kind == DriftKind.GS_UNASSIGNED:
        return ("Orion assigns every group service it counts: the customer's next order "
                "would assign it again. Re-provision, or remove the service from the "
                "customer's orders.")
    return ("BroadWorks holds nothing to accept here: restore it in BroadWorks (or "
            "re-provision), and the next audit closes it.")


def _baseline_move(entry: DriftEntry) -> tuple[str, str, int]:
    """(kind, name, by how much the baseline moves) to take BroadWorks' value."""
    if entry.kind == DriftKind.QUANTITY:
        kind, _, name = entry.name.partition(":")
        actual, expected = entry.actual, entry.expected
    elif entry.kind == DriftKind.PACK_MISSING:
        kind, name, actual, expected = BaselineKind.SERVICE_PACK, entry.name, "0", entry.expected
    elif entry.kind == DriftKind.PACK_EXTRA:
        kind, name, actual, expected = BaselineKind.SERVICE_PACK, entry.name, entry.actual, "0"
    else:  # an assigned group service Orion counts none of: take its quantity
        kind, name, actual, expected = BaselineKind.GROUP_SERVICE, entry.name, entry.actual, "0"
    if not actual.isdigit() or not expected.isdigit():
        raise DriftRefused(f"BroadWorks holds {actual}: Orion can only take a number of a "
                           "catalog package as its baseline.")
    return kind, name, int(actual) - int(expected)


def _move_baseline(customer: Customer, kind: str, name: str, delta: int) -> None:
    """Move the customer's baseline of (kind, name) by ``delta`` (in the caller's
    transaction); refused when it would go below zero (Orion's orders put it there)."""
    package = _catalog_map().get((kind, name))
    if package is None:
        raise DriftRefused("No catalog package maps to it: Orion can only take a catalog "
                           "package's quantity as its baseline.")
    baseline, _ = ImportBaseline.objects.get_or_create(customer=customer)
    row = baseline.quantities.filter(bw_kind=kind, bw_name=name).first()
    now_qty = (row.quantity if row else 0) + delta
    if now_qty < 0:
        raise DriftRefused("BroadWorks holds less than Orion's orders put there: "
                           "re-provision instead.")
    if row is not None and now_qty == 0:
        row.delete()
    elif row is not None:
        row.quantity = now_qty
        row.save(update_fields=["quantity"])
    elif now_qty:
        BaselineQuantity.objects.create(baseline=baseline, bw_kind=BaselineKind(kind),
                                        bw_name=name, quantity=now_qty, package=package)


def drift_accept(*, user: User, entry_id: int, reason: str) -> DriftEntry:
    """Take BroadWorks' value as the new baseline (staff, with a reason). A quantity moves
    the customer's baseline by the difference; an extra number is recorded as the
    customer's. A missing group or number has no BroadWorks value to take: fix it in
    BroadWorks, and the next audit closes the entry."""
    from orion.numbers.services.adoption import numbers_adopt

    require_provider_staff(user)
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise DriftRefused("Say why BroadWorks' value is right (the reason is audited).",
                           field="reason")
    with transaction.atomic():
        entry = (DriftEntry.objects.select_for_update().select_related("customer")
                 .filter(pk=entry_id, resolved_at__isnull=True).first())
        if entry is None:
            raise NotFound("No such open difference.")
        if entry.kind in _BASELINE_MOVES:
            kind, name, delta = _baseline_move(entry)
            _move_baseline(entry.customer, kind, name, delta)
        elif entry.kind == DriftKind.USER_EXTRA:
            baseline, _ = ImportBaseline.objects.get_or_create(customer=entry.customer)
            baseline.user_ids = sorted({*(baseline.user_ids or []), entry.name})
            baseline.save(update_fields=["user_ids", "updated_at"])
        elif entry.kind in (DriftKind.USER_CHANGED, DriftKind.PHONE_CHANGED):
            _accept_hand_change(entry)
        elif entry.kind == DriftKind.NUMBER_EXTRA:
            result = numbers_adopt(customer=entry.customer, numbers=[entry.name], by=user)
            if result.refused:
                raise DriftRefused(f"{entry.name}: {result.refused[0][1]}.")
        else:
            raise DriftRefused(_accept_refusal(entry))
        entry.resolved_at, entry.resolution = timezone.now(), "accepted"
        entry.resolved_by, entry.reason = user, reason
        entry.save(update_fields=["resolved_at", "resolution", "resolved_by", "reason",
                                  "seen_at"])
        audit_record(actor=user, action="adoption.drift_accept", obj=entry.customer,
                     reason=reason, changes={"kind": entry.kind, "name": entry.name,
                                             "expected": entry.expected,
                                             "actual": entry.actual})
    return entry


def _accept_hand_change(entry: DriftEntry) -> None:
    """A user's names and extension, or a phone's MAC, changed by hand become Orion's record
    (the user rows of the customer's orders that carry it), in the caller's transaction. A
    changed number is refused: the number is a DID of Orion's inventory, billed, so it is
    re-provisioned or changed on a change order; a phone of another type likewise (the
    type is what the order sold)."""
    from django.db import IntegrityError

    rows = OrderUser.objects.filter(order__customer_id=entry.customer_id, is_live=True)
    if entry.kind == DriftKind.USER_CHANGED:
        was, now = entry.expected.split("|"), entry.actual.split("|")
        if len(was) != 4 or len(now) != 4:
            raise DriftRefused("BroadWorks no longer holds the user as recorded: run the "
                               "audit again.")
        if was[3] != now[3]:
            raise DriftRefused("The user's number changed in BroadWorks: the number is a DID "
                               "Orion bills, so re-provision it (or change it on a change "
                               "order).")
        if not now[0] or not now[1]:
            raise DriftRefused("BroadWorks holds the user without a first or last name: "
                               "Orion keeps both; re-provision instead.")
        update = {"first_name": now[0], "last_name": now[1], "extension": now[2]}
        rows = rows.filter(user_id=entry.name)
    else:
        was, now = entry.expected.split("|", 1), entry.actual.split("|", 1)
        if len(was) != 2 or len(now) != 2 or was[0] != now[0]:
            raise DriftRefused("BroadWorks holds another type of phone than the order sold: "
                               "change it back in BroadWorks.")
        update = {"mac_address": now[1]}
        userpart = entry.name.removesuffix("_phone")
        rows = rows.filter(user_id__startswith=f"{userpart}@", device_type=now[0])
    try:
        with transaction.atomic():
            if not rows.update(**update, version=models.F("version") + 1):
                raise DriftRefused("No user of the customer's orders carries it any more.")
    except IntegrityError as exc:
        raise DriftRefused("Another of the customer's users already has that value in "
                           "Orion: re-provision instead.") from exc


def order_drift_accept_retry(*, user: User, order_id: int, reason: str) -> Order:
    """From a failed order's page (staff): accept the drift entry its failure names (the
    baseline moves, so ``desired_for`` takes BroadWorks' value) and retry the order, in one
    transaction with its audit row. Refused with the reason's problem, or when the order did
    not fail on an open drift entry."""
    from orion.adoption.selectors import order_drift
    from orion.orders.selectors import order_get
    from orion.provisioning.repair import order_retry

    require_provider_staff(user, what="order")
    if not " ".join(reason.split()):
        raise DriftRefused("Say why BroadWorks' value is right (the reason is audited).",
                           field="reason")
    with transaction.atomic():
        order = order_get(user=user, order_id=order_id)
        entry = order_drift(user=user, order=order)
        if entry is None:
            raise DriftRefused("This order did not fail on a change made outside Orion that "
                               "is still open: use Retry.")
        accepted = drift_accept(user=user, entry_id=entry.pk, reason=reason)
        order = order_retry(order_id=order.pk, user=user)
        audit_record(actor=user, action="adoption.drift_accept_retry", obj=order,
                     reason=accepted.reason,
                     changes={"drift": accepted.pk, "kind": accepted.kind,
                              "name": accepted.name, "expected": accepted.expected,
                              "actual": accepted.actual})
    return order


_AUTH_FIELDS = {"service_pack": ("service_pack_authorization", "service_pack_name"),
                "user_service": ("user_service_authorization", "service_name"),
                "group_service": ("group_service_authorization", "service_name")}


def _reprovision_refusal(entry: DriftEntry) -> str:
    """Why Re-provision cannot fix ``entry`` (empty when it can)."""
    if entry.kind == DriftKind.QUANTITY:
        if entry.expected == "0":
            return ("Orion's records hold none of it: Accept it, or remove it in BroadWorks "
                    "(Orion does not take authorizations away).")
        return ""
    if entry.kind in (DriftKind.NUMBER_MISSING, DriftKind.PACK_MISSING, DriftKind.PACK_EXTRA,
                      DriftKind.GS_UNASSIGNED, DriftKind.GS_ASSIGNED, DriftKind.USER_CHANGED,
                      DriftKind.PHONE_CHANGED):
        return ""
    if entry.kind in _ELSEWHERE:
        return _ELSEWHERE[DriftKind(entry.kind)]
    if entry.kind == DriftKind.NUMBER_EXTRA:
        return "Orion does not remove numbers from a group: Accept it, or unassign it in " \
               "BroadWorks."
    if entry.kind == DriftKind.USER_EXTRA:
        return "Orion does not delete users: Accept it, or delete it in BroadWorks."
    if entry.kind == DriftKind.USER_MISSING:
        return "Retry the order that created the user (its users step adds what is missing)."
    return "Re-create the group by retrying the customer's latest order, or restore it in " \
           "BroadWorks."


def _phone_readd(bw: Any, entry: DriftEntry, group: dict[str, str]) -> list[Any]:
    """The commands that put Orion's phone back (OCI-P has no modify of a phone's type or
    MAC): its user's line taken off it, the phone deleted and added as ordered, the line
    put back on it (when the user exists: before its order's users step it does not)."""
    from orion.broadworks import NIL

    customer = entry.customer
    userpart = entry.name.removesuffix("_phone")
    user = (OrderUser.objects.filter(order__customer_id=customer.pk, is_live=True,
                                     user_id__startswith=f"{userpart}@")
            .exclude(device_type="").order_by("-pk").first())
    if user is None:
        raise DriftRefused("No user of the customer's orders has this phone any more.")
    device_type, mac = entry.expected.split("|", 1)
    device = {**group, "device_name": entry.name}
    added: dict[str, Any] = {**device, "device_type": device_type}
    if mac:
        added["mac_address"] = mac
    exists = bw.batch([("UserGetRequest22", {"user_id": user.user_id})])[0].ok
    domain = customer.group_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    line = {"access_device_endpoint": {
        "access_device": {"device_level": "Group", "device_name": entry.name},
        "line_port": f"{userpart}@{domain}"}}
    requests: list[Any] = []
    if exists:
        requests.append(("UserModifyRequest17sp4", {"user_id": user.user_id, "endpoint": NIL}))
    requests += [("GroupAccessDeviceDeleteRequest", device),
                 ("GroupAccessDeviceAddRequest14", added)]
    if exists:
        requests.append(("UserModifyRequest17sp4", {"user_id": user.user_id,
                                                    "endpoint": line}))
    return requests


def drift_reprovision_start(*, user: User, entry_id: int) -> DriftEntry:
    """Queue the job that makes BroadWorks match Orion for one difference (staff)."""
    from orion.adoption.tasks import reprovision_drift

    require_provider_staff(user)
    with transaction.atomic():
        entry = (DriftEntry.objects.select_for_update()
                 .filter(pk=entry_id, resolved_at__isnull=True).first())
        if entry is None:
            raise NotFound("No such open difference.")
        refusal = _reprovision_refusal(entry)
        if refusal:
            raise DriftRefused(refusal)
        if entry.reprovision_queued_at is None:
            entry.reprovision_queued_at, entry.error = timezone.now(), ""
            entry.save(update_fields=["reprovision_queued_at", "error", "seen_at"])
            reprovision_drift.defer(entry_id=entry.pk)
            audit_record(actor=user, action="adoption.drift_reprovision", obj=entry.customer,
                         changes={"kind": entry.kind, "name": entry.name,
                                  "expected": entry.expected, "actual": entry.actual})
    return entry


def drift_reprovision_run(*, entry_id: int, config: BroadWorksConfig | None = None) -> str:
    """The job: send the commands that restore Orion's value (a quantity set back, a number
    added to the enterprise and assigned to the group), then close the entry."""
    from orion.broadworks.client import BroadWorksClient
    from orion.broadworks.exceptions import OCIAlreadyExists, OCIError

    entry = (DriftEntry.objects.select_related("customer", "customer__enterprise")
             .filter(pk=entry_id, resolved_at__isnull=True).first())
    if entry is None or _reprovision_refusal(entry):
        return "nothing to do"
    customer = entry.customer
    group = {"service_provider_id": customer.enterprise.bw_service_provider_id,
             "group_id": customer.bw_group_id}
    if entry.kind == DriftKind.QUANTITY:
        kind, _, name = entry.name.partition(":")
        table, key = _AUTH_FIELDS[kind]
        requests = [("GroupServiceModifyAuthorizationListRequest", {**group, table: [
            {key: name, "authorized_quantity": {"quantity": int(entry.expected)}}]})]
    elif entry.kind == DriftKind.PACK_MISSING:
        requests = [("GroupServiceModifyAuthorizationListRequest", {
            **group, "service_pack_authorization": [
                {"service_pack_name": entry.name,
                 "authorized_quantity": {"quantity": int(entry.expected)}}]})]
    elif entry.kind == DriftKind.PACK_EXTRA:
        # BroadWorks refuses while users hold the pack: the entry keeps its answer.
        requests = [("GroupServiceModifyAuthorizationListRequest", {
            **group, "service_pack_authorization": [
                {"service_pack_name": entry.name, "unauthorized": True}]})]
    elif entry.kind == DriftKind.USER_CHANGED:
        # Back to Orion's values; a number BroadWorks gave another user first refuses (the
        # entry shows its answer).
        first, last, extension, number = entry.expected.split("|")
        fields: dict[str, Any] = {
            "user_id": entry.name, "first_name": first, "last_name": last,
            "calling_line_id_first_name": first, "calling_line_id_last_name": last,
            "extension": extension}
        if number:
            fields["phone_number"] = f"+1-{number.removeprefix('+1')}"
        requests = [("UserModifyRequest17sp4", fields)]
    elif entry.kind == DriftKind.PHONE_CHANGED:
        requests = []  # read first: which user's line sits on it (``_phone_readd``)
    elif entry.kind == DriftKind.GS_UNASSIGNED:
        requests = [("GroupServiceAssignListRequest", {**group, "service_name": [entry.name]})]
    elif entry.kind == DriftKind.GS_ASSIGNED:
        # Unassigned, then no longer authorized (a later document: BroadWorks refuses to
        # take away an assigned service, and runs a document's commands after a refusal).
        requests = [("GroupServiceUnassignListRequest", {**group, "service_name": [entry.name]})]
    else:
        number = f"+1-{entry.name.removeprefix('+1')}"
        requests = [("ServiceProviderDnAddListRequest",
                     {"service_provider_id": group["service_provider_id"],
                      "phone_number": [number]}),
                    ("GroupDnAssignListRequest", {**group, "phone_number": [number]})]
    later = []
    if entry.kind == DriftKind.GS_ASSIGNED:
        later = [("GroupServiceModifyAuthorizationListRequest", {
            **group, "group_service_authorization": [
                {"service_name": entry.name, "unauthorized": True}]})]
    failed: list[Exception] = []
    try:
        with BroadWorksClient(config or settings.ORION_BROADWORKS) as bw:
            if entry.kind == DriftKind.PHONE_CHANGED:
                requests = _phone_readd(bw, entry, group)
            results = bw.batch(requests)
            failed = [r.error for r in results
                      if r.error is not None and not isinstance(r.error, OCIAlreadyExists)]
            if later and not failed:
                failed = [r.error for r in bw.batch(later) if r.error is not None]
    except (OCIError, DriftRefused) as exc:
        failed = [exc]
    if failed:
        DriftEntry.objects.filter(pk=entry.pk).update(reprovision_queued_at=None,
                                                      error=str(failed[0])[:300])
        return "failed"
    with transaction.atomic():
        updated = DriftEntry.objects.filter(pk=entry.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution="reprovisioned", error="")
        if updated:
            audit_record(actor=None, action="adoption.drift_reprovisioned", obj=customer,
                         via="worker", changes={"kind": entry.kind, "name": entry.name,
                                             "value": entry.expected})
    return "reprovisioned"
