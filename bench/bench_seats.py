"""Seats (issue 16): an order of 50 seats and 50 numbers, Save Order -> completed, with its
OCI-P round trips, beside the same plan sent one command per round trip.

Runs on its own database, ``orion_bench_seats`` (embedded server, or the ``DATABASE_URL``
server). The OCI-P emulator runs in this process on an ephemeral port with 20 ms latency per
document. Each sample places a new-enterprise order of 50 Enterprise Standard seats and 50
DIDs through the real order services (``order_save`` makes the 50 users live) and runs
``order_provision`` in this process, as the worker's task body does: the time is from the
start of Save Order to the return of the run (``completed``), without the job queue's
pick-up (measured by ``bench_provisioning``). Round trips are the order's ``OciExchangeLog``
rows after log-in.

Baseline, same process, samples alternating: the client's commands-per-document limit set to
1 (``orion.broadworks.client.MAX_COMMANDS_PER_DOCUMENT``), so each of the ~110 commands is a
round trip of its own, as with a plain one-command-at-a-time OCI-P client.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import timedelta

from bench._db import use_bench_database
from bench._report import summary_ms, write_section

BENCH_DB = "orion_bench_seats"
LATENCY_MS = 20
SEATS = 50
SAMPLES = 7  # per side
LOGIN_COMMANDS = {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5",
                  "LogoutRequest"}


def _place_and_provision(user, numbers: list[str], token: str, n: int, config) -> tuple[
        float, int, int, float]:
    """One order: (seconds from Save Order to completed, round trips, users in BroadWorks,
    CPU seconds of this process meanwhile: Orion and the in-process emulator, whatever the
    machine's load; PostgreSQL's own CPU is not in it)."""
    from django.utils import timezone

    from orion.catalog.models import Package
    from orion.numbers.services import order_dids_order
    from orion.orders import services as orders
    from orion.provisioning.models import OciExchangeLog
    from orion.provisioning.services import order_provision

    seat = Package.objects.get(name="Enterprise Standard")
    order = orders.order_start(user=user, kind="new_enterprise")
    orders.order_lines_add(user=user, order_id=order.pk, order_type_id=seat.order_type_id,
                           package_ids=[seat.pk])
    line = order.lines.get()
    orders.order_line_set_quantity(user=user, order_id=order.pk, line_id=line.pk,
                                   quantity=SEATS)
    order_dids_order(user=user, order_id=order.pk, numbers=numbers)
    name = f"Seats {token} {n}"
    details = orders.OrderDetails(
        billing_start_date=timezone.localdate() + timedelta(days=7),
        enterprise_name=f"{name} Enterprise", company_name=f"{name} Customer",
        address_line1="233 S Wacker Dr", city="Chicago", state_code="IL", zip_code="60606",
        contact_name="Pat Bench", contact_phone="3125550100",
        contact_email="pat@bench.example", domain=f"s{token}-{n}.bench.example",
        time_zone="America/Chicago")
    started, cpu_started = time.perf_counter(), time.process_time()
    placed = orders.order_save(user=user, order_id=order.pk, details=details).order
    state = order_provision(order_id=placed.pk, config=config)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if state != "completed":
        raise SystemExit(f"bench_seats: order {placed.number} ended {state}")
    trips = sum(1 for commands in OciExchangeLog.objects.filter(order=placed)
                .values_list("commands", flat=True)
                if not set(commands.split(", ")) <= LOGIN_COMMANDS)
    return elapsed, trips, placed.users.live().count(), cpu


def main() -> None:
    use_bench_database(BENCH_DB, "bench_seats")
    import orion.broadworks.client as client_module
    from bench.bench_provisioning import _load
    from orion.broadworks.config import BroadWorksConfig
    from orion.broadworks.emulator.server import EmulatorServer
    from orion.provisioning import waves

    user, numbers = _load(SEATS * (2 * SAMPLES + 2))
    emulator = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1)
    host, port = emulator.start_in_thread()
    emulator.set_faults(latency_ms=LATENCY_MS)
    config = BroadWorksConfig(host=host, port=port, connect_timeout=2.0, command_timeout=30.0)
    token = uuid.uuid4().hex[:6]
    batched_limit = client_module.MAX_COMMANDS_PER_DOCUMENT
    at_once = waves.MAX_AT_ONCE
    results: dict[str, list[tuple[float, int, int, float]]] = {"batched": [], "baseline": []}
    load_before = os.getloadavg()
    began = time.perf_counter()
    try:
        for n in range(2 * SAMPLES + 2):  # the first two warm up (log-in, caches)
            side = "batched" if n % 2 == 0 else "baseline"
            client_module.MAX_COMMANDS_PER_DOCUMENT = 1 if side == "baseline" else batched_limit
            waves.MAX_AT_ONCE = 1 if side == "baseline" else at_once
            sample = _place_and_provision(user, numbers[n * SEATS:(n + 1) * SEATS], token, n,
                                          config)
            if n >= 2:
                results[side].append(sample)
            print(f"bench_seats: {side} order {n}: {sample[0] * 1000:.0f} ms, "
                  f"{sample[1]} round trips, {sample[2]} users, {sample[3] * 1000:.0f} ms CPU",
                  flush=True)
    finally:
        client_module.MAX_COMMANDS_PER_DOCUMENT = batched_limit
        waves.MAX_AT_ONCE = at_once
        emulator.stop()
    write_section("seats", _markdown(results, time.perf_counter() - began,
                                     (load_before, os.getloadavg())))


def _markdown(results: dict[str, list[tuple[float, int, int, float]]], elapsed: float,
              load: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    from orion.provisioning import waves

    b = summary_ms([r[0] for r in results["batched"]])
    o = summary_ms([r[0] for r in results["baseline"]])
    trips_b = statistics.median(r[1] for r in results["batched"])
    trips_o = statistics.median(r[1] for r in results["baseline"])
    worst = max(r[1] for r in results["batched"])
    ratio = o["p50"] / b["p50"]
    cpu_b = statistics.median(r[3] for r in results["batched"]) * 1000
    cpu_o = statistics.median(r[3] for r in results["baseline"]) * 1000

    def verdict(ok: bool) -> str:
        return "met" if ok else "**MISSED**"

    return "\n".join([
        "### Seats: 50 users and 50 numbers, Save Order to completed (issue 16)",
        "",
        f"A new-enterprise order of {SEATS} Enterprise Standard seats and {SEATS} DIDs, "
        "placed through the order services; `order_provision` run in the benchmark process "
        f"(the worker's task body, without the queue's pick-up) against the emulator with "
        f"{LATENCY_MS} ms latency per document. {SAMPLES} orders per side, alternating, after "
        "two warm-up orders. **Batched**: 15 commands per document, and once the group and "
        "its numbers are in, the new users' documents up to "
        f"{waves.MAX_AT_ONCE} at a time over the worker's free pooled OCI-P sessions "
        "(`provisioning.waves`; pool of 3, so 3 here). **Baseline**: the same plan with one "
        "command per OCI-P document, one document at a time.",
        "",
        "| | p50 ms | p95 ms | OCI-P round trips after log-in (median, worst) | users "
        "| CPU ms of the process (median) |",
        "|---|---:|---:|---:|---:|---:|",
        "| batched (15 commands per document, new users' documents 3 at a time) | "
        f"{b['p50']:.0f} | {b['p95']:.0f} | "
        f"{trips_b:g}, {worst} | {results['batched'][0][2]} | {cpu_b:.0f} |",
        f"| baseline (1 command per document) | {o['p50']:.0f} | {o['p95']:.0f} | "
        f"{trips_o:g}, {max(r[1] for r in results['baseline'])} | "
        f"{results['baseline'][0][2]} | {cpu_o:.0f} |",
        "",
        "CPU: this process (Orion's Save Order and run, the emulator's answers) from Save "
        "Order to completed; PostgreSQL's work is not in it. Unlike the wall times, it hardly "
        "depends on what else the machine runs.",
        "",
        "**Targets**:",
        "",
        f"- p50 under 1 s: {b['p50']:.0f} ms - {verdict(b['p50'] < 1000)}.",
        f"- at most 12 round trips: worst {worst} - {verdict(worst <= 12)}.",
        f"- at least 8x the baseline (p50): {ratio:.1f}x - {verdict(ratio >= 8)}.",
        "",
        f"Whole run {elapsed:.0f} s. Load average (1 / 5 / 15 min) "
        f"{' / '.join(f'{x:.1f}' for x in load[0])} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in load[1])} at the end: the machine's 2 cores are "
        "shared with other work, which slows the CPU-bound batched side more than the "
        "latency-bound baseline, so the ratio is lower on a busy machine.",
        "",
        "History of this figure (same benchmark, same machine): 4.1-5.1x at load 7-8 and "
        "7.1x on the idle machine (batched p50 362 ms, baseline 2,575 ms) with every document "
        "sent one after the other; 8 documents of 20 ms are 160 ms of waiting, and Save Order "
        "(about 55 ms, 53 statements for 50 users) and the run's own bookkeeping (about 50 ms) "
        "come on top. Sending the 7 documents of new users 3 at a time waits for 4 answers "
        "instead of 8 (documents and commands unchanged, each user's two commands in one "
        "document). The R25 structure check now remembers each command shape it has matched "
        "(values are still checked every time), which the baseline gains from as much.",
    ])


if __name__ == "__main__":
    main()
