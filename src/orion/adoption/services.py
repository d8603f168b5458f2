"""The import of an existing BroadWorks into Orion: enterprises, customers, their numbers and
the baseline of what each group holds.

BroadWorks is read first (``orion.adoption.reads``: no database), then Orion's records are
written in one transaction; a dry run rolls that transaction back, so it computes exactly
what a real run would do and changes nothing. Every decision compares what Orion holds with
what BroadWorks holds, so a second run finds everything unchanged.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from orion.accounts.exceptions import DomainInUse
from orion.accounts.models import Customer, Enterprise, Partner, ServiceType, User
from orion.accounts.services import domain_claim
from orion.adoption.models import (
    BaselineKind,
    BaselineQuantity,
    ImportBaseline,
    ImportRun,
    RunStatus,
)
from orion.adoption.reads import (
    ReadStats,
    SeenEnterprise,
    SeenGroup,
    list_service_providers,
    read_enterprises,
    read_groups,
)
from orion.audit.models import AuditEntry
from orion.audit.services import audit_entry, audit_record, audit_record_many
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.pool import BroadWorksPool
from orion.catalog.models import Package
from orion.core.bulk import rows_update
from orion.core.exceptions import OrionError
from orion.core.permissions import require_provider_staff
from orion.numbers.services.adoption import numbers_adopt_many
from orion.orders.models import OrderLine
from orion.orders.states import PROVISIONED_STATES, PROVISIONING_STATES

logger = logging.getLogger(__name__)

#: Sessions an import keeps at most, whatever the pool size configured for the workers.
MAX_SESSIONS = 4
#: Entries of each report list kept on the run (the counts stay exact).
MAX_REPORTED = 1000
#: ServiceProviderId: a BroadWorks token of 1-30 characters without spaces.
SP_ID = re.compile(r"^[^\s]{1,30}$")
KINDS = (("packs", BaselineKind.SERVICE_PACK), ("user_services", BaselineKind.USER_SERVICE),
         ("group_services", BaselineKind.GROUP_SERVICE))
OBJECTS = ("enterprises", "customers", "domains", "numbers", "baselines")


class ImportRefused(OrionError):
    """The import's options are not valid (shown next to the field on the page)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message, code="import_refused", field=field)


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    dry_run: bool = False
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OBJECTS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OBJECTS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OBJECTS, 0))
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    unmatched_count: int = 0
    refused_count: int = 0
    documents: int = 0
    commands: int = 0
    sessions: int = 0

    def refuse(self, what: str, reason: str) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED:
            self.refused.append({"object": what, "reason": reason})

    def unmatch(self, *, enterprise: str, group: str, kind: str, name: str,
                quantity: str) -> None:
        self.unmatched_count += 1
        if len(self.unmatched) < MAX_REPORTED:
            self.unmatched.append({"enterprise": enterprise, "group": group, "kind": kind,
                                   "name": name, "quantity": quantity})

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "unmatched": self.unmatched,
                "refused": self.refused, "unmatched_count": self.unmatched_count,
                "refused_count": self.refused_count, "documents": self.documents,
                "commands": self.commands, "sessions": self.sessions}

    def lines(self) -> list[str]:
        """The report as the command prints it (and the page shows it)."""
        return report_lines(self.as_dict())


def report_lines(report: dict[str, Any]) -> list[str]:
    def counts(part: dict[str, int]) -> str:
        return ", ".join(f"{part.get(name, 0)} {name}" for name in OBJECTS)

    out = [("Dry run: nothing was changed. " if report.get("dry_run") else "")
           + f"Read with {report.get('documents', 0)} documents "
           f"({report.get('commands', 0)} commands) over {report.get('sessions', 0)} sessions.",
           f"Created: {counts(report.get('created', {}))}.",
           f"Updated: {counts(report.get('updated', {}))}.",
           f"Unchanged: {counts(report.get('unchanged', {}))}.",
           f"Unmatched: {report.get('unmatched_count', 0)}.",
           f"Refused: {report.get('refused_count', 0)}."]
    for item in report.get("unmatched", []):
        where = "/".join(p for p in (item["enterprise"], item["group"]) if p)
        out.append(f"  unmatched {item['kind'].replace('_', ' ')} \"{item['name']}\" "
                   f"({item['quantity']}) in {where}: no catalog package maps to it")
    for item in report.get("refused", []):
        out.append(f"  refused {item['object']}: {item['reason']}")
    return out


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that everything it wrote rolls back."""


def clean_service_providers(values: list[str]) -> list[str]:
    """Service provider ids as typed (spaces or commas between them), each a BroadWorks
    token; refuse anything else before BroadWorks is asked."""
    ids: list[str] = []
    for value in values:
        for token in re.split(r"[\s,]+", value.strip()):
            if not token:
                continue
            if not SP_ID.match(token):
                raise ImportRefused(f'"{token[:40]}" is not a BroadWorks enterprise id (1-30 '
                                    "characters, no spaces).", field="service_providers")
            if token not in ids:
                ids.append(token)
    return ids


def broadworks_import(*, partner: Partner, service_providers: list[str], dry_run: bool,
                      config: BroadWorksConfig, by: User | None, via: str = "cli",
                      run: ImportRun | None = None,
                      progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import the enterprises ``service_providers`` (all of BroadWorks' enterprises when
    empty) for ``partner``. ``progress(done, total)`` is called as groups are read."""
    report = ImportReport(dry_run=dry_run)
    stats = ReadStats()
    size = max(1, min(config.pool_size, MAX_SESSIONS))
    with BroadWorksPool(config, size=size) as pool:
        listed = list_service_providers(pool, stats)
        wanted = service_providers or sorted(listed)
        sp_ids = []
        for sp_id in wanted:
            if sp_id not in listed:
                report.refuse(f"enterprise {sp_id}", "not in BroadWorks")
            elif not listed[sp_id]:
                report.refuse(f"service provider {sp_id}", "a service provider, not an "
                              "enterprise: Orion adopts enterprises only")
            else:
                sp_ids.append(sp_id)
        enterprises = read_enterprises(pool, sp_ids, stats)
        total = sum(len(e.groups) for e in enterprises if not e.error)
        done = 0
        if progress is not None:
            progress(0, total)

        def advance(groups: int) -> None:
            nonlocal done
            done += groups
            if progress is not None:
                progress(done, total)

        read_groups(pool, enterprises, stats, advance)
    report.documents, report.commands = stats.documents, stats.commands
    report.sessions = len(stats.sessions)
    try:
        with transaction.atomic():
            _apply(partner=partner, enterprises=enterprises, report=report, by=by, via=via,
                   run=run)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    logger.info("adoption: import for %s %s: %s", partner.name,
                "(dry run)" if dry_run else "", " ".join(report.lines()[:6]))
    return report


# -- writing Orion's records ------------------------------------------------------------------


def _apply(*, partner: Partner, enterprises: list[SeenEnterprise], report: ImportReport,
           by: User | None, via: str, run: ImportRun | None) -> None:
    """Write each enterprise's records. An enterprise's groups are written together (a few
    statements per enterprise, not per group: an adopted system has thousands of groups) and
    their audit rows in one INSERT, all in the caller's transaction."""
    catalog = _catalog_map()
    for seen in enterprises:
        if seen.error:
            report.refuse(f"enterprise {seen.sp_id}", seen.error)
            continue
        enterprise = _enterprise(partner=partner, seen=seen, report=report, by=by, via=via)
        if enterprise is None:
            continue
        _domains(enterprise=enterprise, seen=seen, report=report)
        authorized: set[tuple[str, str]] = set()
        readable: list[SeenGroup] = []
        for group in seen.groups:
            authorized |= {(BaselineKind.SERVICE_PACK, name) for name in group.packs}
            if group.error:
                report.refuse(f"group {seen.sp_id}/{group.group_id}", group.error)
            else:
                readable.append(group)
        audits: list[AuditEntry] = []
        pairs = _customers(enterprise=enterprise, seen=seen, groups=readable, report=report,
                           by=by, via=via, audits=audits)
        _numbers(pairs=pairs, seen=seen, report=report, by=by, via=via, audits=audits)
        _baselines(pairs=pairs, seen=seen, report=report, catalog=catalog, by=by, via=via,
                   run=run, audits=audits)
        audit_record_many(audits)
        for pack in sorted(seen.packs):
            if (BaselineKind.SERVICE_PACK, pack) not in authorized and \
                    (BaselineKind.SERVICE_PACK, pack) not in catalog:
                report.unmatch(enterprise=seen.sp_id, group="", kind=BaselineKind.SERVICE_PACK,
                               name=pack, quantity="not authorized to a group")
        loose = sorted(n for n, g in seen.numbers.items() if not g)
        if loose:
            report.refuse(f"{len(loose)} numbers of enterprise {seen.sp_id}",
                          f"in no group (first {loose[0]}): left out of Orion's inventory, "
                          "BroadWorks keeps them")


def _catalog_map() -> dict[tuple[str, str], Package]:
    """(BroadWorks kind, BroadWorks name) -> the catalog package mapped to it (the first by
    the catalog's order when several share a name: they provision the same thing)."""
    found: dict[tuple[str, str], Package] = {}
    for package in Package.objects.exclude(bw_kind="none").exclude(bw_name=""):
        found.setdefault((package.bw_kind, package.bw_name), package)
    return found


def _enterprise(*, partner: Partner, seen: SeenEnterprise, report: ImportReport,
                by: User | None, via: str) -> Enterprise | None:
    name = (seen.name or seen.sp_id)[:80]
    domain = seen.default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    enterprise = Enterprise.objects.select_for_update().filter(
        bw_service_provider_id=seen.sp_id).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(partner=partner, name=name, created_by=by,
                                               bw_service_provider_id=seen.sp_id,
                                               default_domain=domain)
        audit_record(actor=by, action="adoption.enterprise_import", obj=enterprise, via=via,
                     changes={"bw_service_provider_id": seen.sp_id, "name": name})
        report.created["enterprises"] += 1
        return enterprise
    if enterprise.partner_id != partner.pk:
        report.refuse(f"enterprise {seen.sp_id}", "belongs to another partner in Orion")
        return None
    if enterprise.cancelled_at is not None:
        report.refuse(f"enterprise {seen.sp_id}", "cancelled in Orion")
        return None
    changes = {}
    if enterprise.name != name:
        changes["name"] = [enterprise.name, name]
    if (enterprise.default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN) != domain:
        changes["default_domain"] = [enterprise.default_domain, domain]
    if not changes:
        report.unchanged["enterprises"] += 1
        return enterprise
    enterprise.name, enterprise.default_domain = name, domain
    enterprise.save(update_fields=["name", "default_domain"])
    audit_record(actor=by, action="adoption.enterprise_update", obj=enterprise, via=via,
                 changes=changes)
    report.updated["enterprises"] += 1
    return enterprise


def _domains(*, enterprise: Enterprise, seen: SeenEnterprise, report: ImportReport) -> None:
    """The enterprise's domains (not the system's default, which every enterprise shares)."""
    system = settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    held = {d.lower() for d in enterprise.domains.values_list("name", flat=True)}
    for domain in sorted((seen.domains | {seen.default_domain}) - {"", system}):
        if domain.lower() in held:
            report.unchanged["domains"] += 1
            continue
        try:
            domain_claim(enterprise=enterprise, domain=domain)
        except DomainInUse:
            report.refuse(f"domain {domain}", "used by another enterprise in Orion")
        else:
            report.created["domains"] += 1


# Customer field <- where BroadWorks keeps it, and the most Orion holds (BroadWorks allows more
# for some: a value longer than Orion's field is refused, never cut).
_CUSTOMER_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("address_line1", "address", "address_line1", 80),
    ("address_line2", "address", "address_line2", 80),
    ("city", "address", "city", 50),
    ("state", "address", "state_or_province", 2),
    ("zip_code", "address", "zip_or_postal_code", 10),
    ("contact_name", "contact", "contact_name", 80),
    ("contact_phone", "contact", "contact_number", 20),
    ("contact_email", "contact", "contact_email", 254),
)
# What Orion sends BroadWorks is cut to BroadWorks' limits (``customer_profile``): a customer
# Orion created compares equal when BroadWorks holds the cut value.
_SENT_CUT = {"contact_name": 30}


def _customer_values(enterprise: Enterprise, group: SeenGroup) -> tuple[dict[str, str], str]:
    """The customer's fields from the group, or ("", the reason it cannot be imported)."""
    values = {"name": (group.name or group.group_id)[:80]}
    if len(group.name) > 80:
        return {}, "its name is longer than Orion's 80 characters"
    for name, part, key, limit in _CUSTOMER_FIELDS:
        source = group.address if part == "address" else group.contact
        value = str(source.get(key) or "").strip()
        if len(value) > limit:
            return {}, f"its {part} {key.replace('_', ' ')} \"{value[:60]}\" is longer than " \
                       f"Orion's {limit} characters"
        values[name] = value
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            return {}, f"its contact e-mail \"{values['contact_email'][:60]}\" is not valid"
    if not group.time_zone:
        return {}, "it has no time zone"
    try:
        zoneinfo.ZoneInfo(group.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return {}, f'its time zone "{group.time_zone[:60]}" is not an IANA time zone'
    values["time_zone"] = group.time_zone
    default = enterprise.default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    values["domain"] = "" if group.default_domain in ("", default) else group.default_domain
    return values, ""


def _same(customer: Customer, name: str, value: str) -> bool:
    held = str(getattr(customer, name) or "")
    if name == "domain":
        return (customer.group_domain or "") == (value or customer.enterprise.default_domain)
    cut = _SENT_CUT.get(name)
    return held == value or (cut is not None and held[:cut] == value)


def _customers(*, enterprise: Enterprise, seen: SeenEnterprise, groups: list[SeenGroup],
               report: ImportReport, by: User | None, via: str,
               audits: list[AuditEntry]) -> list[tuple[SeenGroup, Customer]]:
    """The customers of an enterprise's groups, created or updated: the groups that can be
    imported, each with its customer (the others are refused with the reason)."""
    ids = [g.group_id for g in groups]
    held = {c.bw_group_id: c for c in Customer.objects.select_for_update()
            .select_related("enterprise").filter(enterprise=enterprise, bw_group_id__in=ids)}
    busy = set(Customer.objects.filter(pk__in=[c.pk for c in held.values()],
                                       orders__state__in=PROVISIONING_STATES)
               .values_list("pk", flat=True))
    pairs: list[tuple[SeenGroup, Customer]] = []
    new: list[tuple[SeenGroup, Customer]] = []
    for group in groups:
        what = f"group {seen.sp_id}/{group.group_id}"
        values, problem = _customer_values(enterprise, group)
        if problem:
            report.refuse(what, problem)
            continue
        customer = held.get(group.group_id)
        if customer is None:
            new.append((group, Customer(
                enterprise=enterprise, partner_id=enterprise.partner_id,
                bw_group_id=group.group_id, service_type=ServiceType.HOSTED,
                activated_at=timezone.now(), **values)))
            continue
        if customer.cancelled_at is not None:
            report.refuse(what, "cancelled in Orion")
            continue
        if customer.is_trunking:
            report.refuse(what, "a trunking customer in Orion (trunking is not in BroadWorks)")
            continue
        if customer.activated_at is None or customer.pk in busy:
            report.refuse(what, "an order of Orion's is being provisioned: import it once the "
                                "order is done")
            continue
        pairs.append((group, customer))
        changes = {name: [str(getattr(customer, name)), value]
                   for name, value in values.items() if not _same(customer, name, value)}
        if not changes:
            report.unchanged["customers"] += 1
            continue
        for name, (_, value) in changes.items():
            setattr(customer, name, value)
        customer.save(update_fields=list(changes))
        audits.append(audit_entry(actor=by, action="adoption.customer_update", obj=customer,
                                  via=via, changes=changes))
        report.updated["customers"] += 1
    Customer.objects.bulk_create([customer for _, customer in new])
    for group, customer in new:
        audits.append(audit_entry(actor=by, action="adoption.customer_import", obj=customer,
                                  via=via, changes={"bw_group_id": group.group_id,
                                                    "name": customer.name}))
        report.created["customers"] += 1
    return pairs + new


def e164(number: str) -> str:
    """+1-2125550100 (BroadWorks) -> +12125550100 (Orion)."""
    return number.replace("-", "")


def _numbers(*, pairs: list[tuple[SeenGroup, Customer]], seen: SeenEnterprise,
             report: ImportReport, by: User | None, via: str,
             audits: list[AuditEntry]) -> None:
    results = numbers_adopt_many(
        wanted=[(customer, sorted(e164(n) for n in group.numbers)) for group, customer in pairs],
        by=by)
    for (group, customer), result in zip(pairs, results, strict=True):
        report.created["numbers"] += len(result.created)
        report.updated["numbers"] += len(result.adopted)
        report.unchanged["numbers"] += len(result.unchanged)
        for number, reason in result.refused:
            report.refuse(f"number {number} of {seen.sp_id}/{group.group_id}", reason)
        if result.created or result.adopted:
            audits.append(audit_entry(actor=by, action="adoption.numbers_import", obj=customer,
                                      via=via, changes={"created": len(result.created),
                                                        "adopted": len(result.adopted)}))


def _orion_shares(customer_ids: list[int]) -> dict[int, dict[tuple[str, str], int]]:
    """What each customer's provisioned orders put in BroadWorks, by (kind, name): the part of
    BroadWorks' quantities that Orion's records explain already (customer id -> share), in
    one query for all of them."""
    rows = (OrderLine.objects.filter(order__customer_id__in=customer_ids,
                                     order__state__in=PROVISIONED_STATES)
            .exclude(package__bw_kind="none")
            .values(customer=F("order__customer_id"), kind=F("package__bw_kind"),
                    name=F("package__bw_name"))
            .annotate(total=Sum("quantity")))
    out: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for row in rows:
        out[row["customer"]][(row["kind"], row["name"])] = row["total"]
    return out


def _wanted(*, seen: SeenEnterprise, group: SeenGroup, share: dict[tuple[str, str], int],
            report: ImportReport, catalog: dict[tuple[str, str], Package],
            ) -> dict[tuple[str, str], tuple[int, Package]]:
    """The group's authorized quantities beyond Orion's own orders, matched to the catalog."""
    wanted: dict[tuple[str, str], tuple[int, Package]] = {}
    for attribute, kind in KINDS:
        for name, text in sorted(getattr(group, attribute).items()):
            package = catalog.get((kind, name))
            if package is None:
                report.unmatch(enterprise=seen.sp_id, group=group.group_id, kind=kind,
                               name=name, quantity=str(text))
                continue
            if not str(text).isdigit():
                report.refuse(f'{kind.replace("_", " ")} "{name}" of '
                              f"{seen.sp_id}/{group.group_id}",
                              f"authorized {text} times: Orion counts quantities, so it is "
                              "left out of the baseline (set a number in BroadWorks)")
                continue
            extra = int(text) - share.get((kind, name), 0)
            if extra < 0:
                report.refuse(f'{kind.replace("_", " ")} "{name}" of '
                              f"{seen.sp_id}/{group.group_id}",
                              f"BroadWorks authorizes {text}, fewer than Orion's orders "
                              f"({share[(kind, name)]}): a difference for the drift audit")
                continue
            if extra:
                wanted[(kind, name)] = (extra, package)
    return wanted


def _baselines(*, pairs: list[tuple[SeenGroup, Customer]], seen: SeenEnterprise,
               report: ImportReport, catalog: dict[tuple[str, str], Package],
               by: User | None, via: str, run: ImportRun | None,
               audits: list[AuditEntry]) -> None:
    """Each customer's baseline: created, replaced when the quantities differ, else left."""
    ids = [customer.pk for _, customer in pairs]
    shares = _orion_shares(ids)
    baselines = {b.customer_id: b for b in ImportBaseline.objects.filter(customer_id__in=ids)
                 .prefetch_related("quantities")}
    with_orders = set(Customer.objects.filter(pk__in=ids, orders__isnull=False)
                      .values_list("pk", flat=True))
    created: list[tuple[ImportBaseline, dict[tuple[str, str], tuple[int, Package]]]] = []
    replaced: list[ImportBaseline] = []
    rows: list[BaselineQuantity] = []
    for group, customer in pairs:
        wanted = _wanted(seen=seen, group=group, share=shares.get(customer.pk, {}),
                         report=report, catalog=catalog)
        baseline = baselines.get(customer.pk)
        held = {} if baseline is None else {
            (q.bw_kind, q.bw_name): q.quantity for q in baseline.quantities.all()}
        target = {key: quantity for key, (quantity, _) in wanted.items()}
        if baseline is None and (not target and customer.pk in with_orders):
            continue  # a customer Orion created whose group holds nothing beyond its orders
        if baseline is not None and held == target:
            report.unchanged["baselines"] += 1
            continue
        if baseline is None:
            baseline = ImportBaseline(customer=customer, run=run, user_count=len(group.users),
                                      user_ids=sorted(group.users))
            created.append((baseline, wanted))
            report.created["baselines"] += 1
            action = "adoption.baseline_import"
        else:
            baseline.run = run
            replaced.append(baseline)
            rows += _quantity_rows(baseline, wanted)
            report.updated["baselines"] += 1
            action = "adoption.baseline_update"
        audits.append(audit_entry(
            actor=by, action=action, obj=customer, via=via,
            changes={"quantities": {f"{kind}:{name}": q for (kind, name), q in
                                    sorted(target.items())},
                     "before": {f"{kind}:{name}": q for (kind, name), q in
                                sorted(held.items())}}))
    if replaced:
        BaselineQuantity.objects.filter(baseline__in=replaced).delete()
        now = timezone.now()
        for baseline in replaced:
            baseline.updated_at = now
        rows_update(replaced, ["run", "updated_at"])
    ImportBaseline.objects.bulk_create([baseline for baseline, _ in created])
    for baseline, wanted in created:
        rows += _quantity_rows(baseline, wanted)
    BaselineQuantity.objects.bulk_create(rows, batch_size=2000)


def _quantity_rows(baseline: ImportBaseline,
                   wanted: dict[tuple[str, str], tuple[int, Package]],
                   ) -> list[BaselineQuantity]:
    return [BaselineQuantity(baseline=baseline, bw_kind=kind, bw_name=name, quantity=quantity,
                             package=package)
            for (kind, name), (quantity, package) in sorted(wanted.items())]


# -- the staff page's runs ---------------------------------------------------------------------


def import_run_start(*, user: User, partner_id: int | None, service_providers: str,
                     dry_run: bool) -> ImportRun:
    """Queue an import (staff only), with the command's options; the job is deferred in the
    transaction of its row."""
    from orion.adoption.tasks import import_broadworks

    require_provider_staff(user)
    partner = Partner.objects.filter(pk=partner_id, is_active=True).first() \
        if partner_id else None
    if partner is None:
        raise ImportRefused("Choose the partner the imported accounts belong to.",
                            field="partner")
    ids = clean_service_providers([service_providers])
    with transaction.atomic():
        run = ImportRun.objects.create(partner=partner, service_providers=ids, dry_run=dry_run,
                                       created_by=user, via="web")
        audit_record(actor=user, action="adoption.import_start", obj=run, via="web",
                     changes={"partner": partner.name, "service_providers": ids,
                              "dry_run": dry_run})
        import_broadworks.defer(run_id=run.pk)
    return run


def import_run_execute(*, run_id: int, config: BroadWorksConfig | None = None) -> str:
    """The job: run the import of ``run_id`` once (a second job finds it started), writing
    the progress on the row as groups are read, then the report."""
    claimed = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING)
    if not claimed:
        return "already run"
    run = ImportRun.objects.select_related("partner", "created_by").get(pk=run_id)

    def progress(done: int, total: int) -> None:
        ImportRun.objects.filter(pk=run_id).update(done=min(done, total), total=total)

    try:
        report = broadworks_import(partner=run.partner, service_providers=run.service_providers,
                                   dry_run=run.dry_run,
                                   config=config or settings.ORION_BROADWORKS,
                                   by=run.created_by, via=run.via, run=run, progress=progress)
    except Exception as exc:
        logger.exception("adoption: import %s failed", run_id)
        ImportRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(),
            error=f"The import stopped: {exc.__class__.__name__}: {exc}. Nothing of it was "
                  "kept; run it again (an import never creates anything twice)."[:300])
        raise
    ImportRun.objects.filter(pk=run_id).update(status=RunStatus.DONE, done=F("total"),
                                               finished_at=timezone.now(),
                                               report=report.as_dict())
    return "done"


def grouped(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The unmatched names of a report by enterprise (for the page)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in report.get("unmatched", []):
        out[item["enterprise"]].append(item)
    return dict(out)
