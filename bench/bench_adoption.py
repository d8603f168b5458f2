"""BroadWorks import and drift audit (issue 19): adopting a BroadWorks of 1,000 groups and
50,000 numbers, then auditing it, with the OCI-P documents, commands and sessions used, beside
the same import reading one command per round trip over one session.

Runs on its own database, ``orion_bench_adoption`` (embedded server, or the ``DATABASE_URL``
server), emptied at the start (``flush``) so every run imports the same thing from scratch.
The OCI-P emulator runs in this process on an ephemeral port. It is seeded by raw OCI-P with
latency 0 (set-up, not measured): 50 enterprises x 20 groups x 50 numbers, numbers in runs of
10 consecutive ones with gaps (BroadWorks lists each run as one range in the enterprise's
summary), a service pack, a user service and a group service authorized (and assigned) per
group, one user per group. Then the emulator's latency is set to 20 ms per document.

Measured, one run each (an import of this size is minutes of work, not a sample):

- **baseline**: the whole import as a dry run (every read, every write, rolled back) with one
  command per document over one session (``orion.adoption.reads`` and the client limited to
  1 command per document, the pool to 1 session) - a plain one-command-at-a-time client;
- **batched dry run**: the same dry run as Orion runs it (15 commands per document, up to 4
  sessions): the ratio compares these two, the same work on the same data;
- **import**: the real import (what the dry run computed, committed);
- **second import**: idempotence at scale (everything unchanged);
- **audit**: ``drift_audit`` of the same system (no drift: it must find none).

``BENCH_ADOPTION_ENTERPRISES`` (default 50) sets a smaller size for a quick run (20 groups of
50 numbers per enterprise either way).
"""

from __future__ import annotations

import os
import platform
import time
from typing import Any

from bench._db import use_bench_database
from bench._report import write_section

BENCH_DB = "orion_bench_adoption"
LATENCY_MS = 20
GROUPS_PER_ENTERPRISE = 20
NUMBERS_PER_GROUP = 50
PARTNER = "Bench Adoption"
PACK = "Orion Enterprise Standard"
USER_SERVICE = "Call Forwarding Always"
GROUP_SERVICE = "Hunt Group"
SYSTEM_DOMAIN = "voip.orion.test"


# What the audit sends: five reads per group (the group, its authorizations, numbers, users and
# phones) and one per enterprise (which group holds each number).
AUDIT_READS_PER_GROUP = 5


def _numbers(enterprise: int, group: int) -> list[str]:
    """50 numbers of one group: five runs of 10 consecutive numbers, one number apart."""
    base = group * 60
    return [f"+1-312{520 + enterprise:03d}{base + i + i // 10:04d}"  # no N11 exchange
            for i in range(NUMBERS_PER_GROUP)]


def _seed(config: Any, enterprises: int) -> int:
    """The legacy BroadWorks, by raw OCI-P (15 commands per document, latency 0)."""
    from orion.broadworks import BroadWorksClient, ocip_request

    commands = []
    for e in range(enterprises):
        sp = {"service_provider_id": f"LEG{e:03d}"}
        numbers = [n for g in range(GROUPS_PER_ENTERPRISE) for n in _numbers(e, g)]
        commands += [
            ocip_request("ServiceProviderAddRequest13mp2", **sp, is_enterprise=True,
                         default_domain=SYSTEM_DOMAIN,
                         service_provider_name=f"Legacy Enterprise {e:03d}"),
            ocip_request("ServiceProviderDnAddListRequest", **sp, phone_number=numbers),
            ocip_request("ServiceProviderServiceModifyAuthorizationListRequest", **sp,
                         user_service_authorization=[
                             {"service_name": s, "authorized_quantity": {"unlimited": True}}
                             for s in (USER_SERVICE, "Voice Messaging User")],
                         group_service_authorization=[
                             {"service_name": GROUP_SERVICE,
                              "authorized_quantity": {"unlimited": True}}]),
            ocip_request("ServiceProviderServicePackAddRequest", **sp, service_pack_name=PACK,
                         is_available_for_use=True, service_pack_quantity={"unlimited": True},
                         service_name=["Voice Messaging User"]),
        ]
        for g in range(GROUPS_PER_ENTERPRISE):
            group = {**sp, "group_id": f"LEG{e:03d}-G{g:02d}"}
            numbers = _numbers(e, g)
            commands += [
                ocip_request("GroupAddRequest", **group, default_domain=SYSTEM_DOMAIN,
                             user_limit=25, group_name=f"Legacy {e:03d} site {g:02d}",
                             calling_line_id_name=f"Legacy {e:03d} {g:02d}",
                             time_zone="America/Chicago",
                             contact={"contact_name": "Pat Doe", "contact_number": "3125550000",
                                      "contact_email": "pat@legacy.example"},
                             address={"address_line1": f"{g + 1} Main St", "city": "Chicago",
                                      "state_or_province": "IL", "zip_or_postal_code": "60601",
                                      "country": "US"}),
                ocip_request("GroupDnAssignListRequest", **group, phone_number=numbers),
                ocip_request("GroupServiceModifyAuthorizationListRequest", **group,
                             service_pack_authorization=[
                                 {"service_pack_name": PACK,
                                  "authorized_quantity": {"quantity": 5 + g % 3}}],
                             user_service_authorization=[
                                 {"service_name": USER_SERVICE,
                                  "authorized_quantity": {"quantity": 3}}],
                             group_service_authorization=[
                                 {"service_name": GROUP_SERVICE,
                                  "authorized_quantity": {"quantity": 1}}]),
                ocip_request("GroupServiceAssignListRequest", **group,
                             service_name=[GROUP_SERVICE]),
                ocip_request("UserAddRequest17sp4", **group,
                             user_id=f"u{e:03d}g{g:02d}@{SYSTEM_DOMAIN}", last_name="Doe",
                             first_name="Pat", calling_line_id_last_name="Doe",
                             calling_line_id_first_name="Pat", password="S3cret-by-hand!",
                             extension="100", phone_number=numbers[0]),
            ]
    with BroadWorksClient(config) as bw:
        bw.batch_or_raise(commands)
    return len(commands)


def _import(partner: Any, config: Any, *, dry_run: bool) -> tuple[float, Any]:
    from orion.adoption.services import broadworks_import

    started = time.perf_counter()
    report = broadworks_import(partner=partner, service_providers=[], dry_run=dry_run,
                               config=config, by=None, via="cli")
    return time.perf_counter() - started, report


def _one_command_per_document(on: bool, saved: dict[str, int]) -> None:
    """Limit the import's reads and the client to 1 command per document (or restore)."""
    import orion.adoption.reads as reads_module
    import orion.broadworks.client as client_module

    if on:
        saved["reads"] = reads_module.MAX_COMMANDS_PER_DOCUMENT
        saved["client"] = client_module.MAX_COMMANDS_PER_DOCUMENT
        reads_module.MAX_COMMANDS_PER_DOCUMENT = 1  # type: ignore[misc]
        client_module.MAX_COMMANDS_PER_DOCUMENT = 1  # type: ignore[misc]
    elif saved:
        reads_module.MAX_COMMANDS_PER_DOCUMENT = saved["reads"]  # type: ignore[misc]
        client_module.MAX_COMMANDS_PER_DOCUMENT = saved["client"]  # type: ignore[misc]


def main() -> None:
    use_bench_database(BENCH_DB, "bench_adoption")
    from dataclasses import replace

    from django.core.management import call_command

    from orion.accounts.models import Customer, Partner
    from orion.adoption.drift import drift_audit
    from orion.broadworks.config import BroadWorksConfig
    from orion.broadworks.emulator.server import EmulatorServer
    from orion.catalog.services import catalog_load
    from orion.numbers.models import DID

    enterprises = int(os.environ.get("BENCH_ADOPTION_ENTERPRISES", "50"))
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    catalog_load()
    partner = Partner.objects.create(name=PARTNER)
    emulator = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1)
    host, port = emulator.start_in_thread()
    config = BroadWorksConfig(host=host, port=port, connect_timeout=5.0, command_timeout=120.0,
                              pool_size=4)
    began = time.perf_counter()
    rows: dict[str, Any] = {}
    saved: dict[str, int] = {}
    try:
        seeded = _seed(config, enterprises)
        print(f"bench_adoption: seeded {enterprises} enterprises with {seeded} commands in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
        emulator.set_faults(latency_ms=LATENCY_MS)
        try:
            _one_command_per_document(True, saved)
            rows["baseline"] = _import(partner, replace(config, pool_size=1), dry_run=True)
        finally:
            _one_command_per_document(False, saved)
        for name, dry_run in (("batched dry run", True), ("import", False),
                              ("second import", False)):
            rows[name] = _import(partner, config, dry_run=dry_run)
        for name, (seconds, report) in rows.items():
            print(f"bench_adoption: {name}: {seconds:.1f} s, {report.documents} documents, "
                  f"{report.commands} commands, {report.sessions} sessions, "
                  f"refused {report.refused_count}", flush=True)
        started = time.perf_counter()
        audit = drift_audit(config=config)
        audit_seconds = time.perf_counter() - started
        print(f"bench_adoption: audit: {audit_seconds:.1f} s, {audit.documents} documents, "
              f"{audit.sessions} sessions, found {audit.found}", flush=True)
        counts = {"customers": Customer.objects.filter(enterprise__partner=partner).count(),
                  "numbers": DID.objects.filter(customer__enterprise__partner=partner).count()}
    finally:
        emulator.stop()
    write_section("adoption", _markdown(enterprises, rows, audit, audit_seconds, counts,
                                        time.perf_counter() - began))


def _markdown(enterprises: int, rows: dict[str, Any], audit: Any, audit_seconds: float,
              counts: dict[str, int], elapsed: float) -> str:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**MISSED**"

    groups = enterprises * GROUPS_PER_ENTERPRISE
    numbers = groups * NUMBERS_PER_GROUP
    base, batched = rows["baseline"][0], rows["batched dry run"][0]
    ratio = base / batched
    imported, second = rows["import"], rows["second import"][1]
    unchanged = (not any(second.created.values()) and not any(second.updated.values()))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "### BroadWorks import and drift audit (issue 19)",
        "",
        f"A BroadWorks of {enterprises} enterprises x {GROUPS_PER_ENTERPRISE} groups x "
        f"{NUMBERS_PER_GROUP} numbers ({groups:,} groups, {numbers:,} numbers, in runs of 10 "
        "consecutive numbers, so BroadWorks lists ranges), a service pack, a user service and "
        "a group service authorized per group and one user each, seeded by raw OCI-P into the "
        f"in-process emulator; then {LATENCY_MS} ms latency per OCI-P document. One run each "
        "(wall time, in the benchmark process). **Baseline**: the same import (a dry run: "
        "every read and write, rolled back) with one command per document over one session.",
        "",
        "| | wall time s | OCI-P documents (round trips) | commands | sessions |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (seconds, report) in rows.items():
        lines.append(f"| {name} | {seconds:.1f} | {report.documents:,} | {report.commands:,} "
                     f"| {report.sessions} |")
    lines.append(f"| drift audit | {audit_seconds:.1f} | {audit.documents:,} | "
                 f"{audit.customers * AUDIT_READS_PER_GROUP + enterprises:,} | "
                 f"{audit.sessions} |")
    lines += [
        "",
        f"Imported: {counts['customers']:,} customers, {counts['numbers']:,} numbers; "
        f"refused {imported[1].refused_count}, unmatched {imported[1].unmatched_count}. "
        f"The second import changed {'nothing' if unchanged else '**something**'}; the "
        f"audit found {sum(audit.found.values())} differences.",
        "",
        "**Targets**:",
        "",
        f"- import under 2 minutes: {imported[0]:.1f} s - {verdict(imported[0] < 120)}.",
        f"- at least 8x the one-command baseline (dry runs): {ratio:.1f}x - "
        f"{verdict(ratio >= 8)}.",
        f"- audit under 2 minutes: {audit_seconds:.1f} s - {verdict(audit_seconds < 120)}.",
        "",
        f"Load average {load} ({os.cpu_count()} CPUs, {platform.processor() or 'unknown'}); "
        f"whole run {elapsed:.0f} s. The batched side is bound by CPU (the emulator answers in "
        "the same process, Orion writes 50,000 numbers) and the baseline by latency, so a "
        "loaded machine lowers the ratio: read it with the load average.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
