"""Cost growth of provisioning (issue 20, item 7): Save Order -> completed for a new
enterprise with 1, 5 and 50 DIDs (one seat), and with 1, 3 and 30 packages (one DID), so the
"Cost growth" section can say what ten times more of each costs.

Runs on its own database, ``orion_bench_growth``. Like ``bench_seats``: the OCI-P emulator in
this process with 20 ms latency per document, orders placed through the order services and
``order_provision`` run in this process (the worker's task body, without the queue's
pick-up); samples of the sizes alternate, after one warm-up order, so load on the machine
falls on every size alike. Round trips are the order's ``OciExchangeLog`` rows after log-in.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import timedelta

from bench._db import use_bench_database
from bench._report import percentile, write_section

BENCH_DB = "orion_bench_growth"
LATENCY_MS = 20
SAMPLES = 5  # per size
DIDS = (1, 5, 50)
PACKAGES = (1, 3, 30)
LOGIN_COMMANDS = {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5",
                  "LogoutRequest"}


def _catalog(count: int) -> list:
    """``count`` packages that reach BroadWorks (services, seats), one per name, the seat
    first (an order of one package is one Enterprise Standard seat)."""
    from orion.catalog.models import Package

    seat = Package.objects.get(name="Enterprise Standard")
    others = list(Package.objects.exclude(bw_name="").exclude(pk=seat.pk)
                  .exclude(name__icontains="supervisor").order_by("order_type_id", "name"))
    return [seat, *others][:count]


def _order(user, packages: list, numbers: list[str], token: str, n: int, config) -> tuple[
        float, int]:
    from django.utils import timezone

    from orion.numbers.services import order_dids_order
    from orion.orders import services as orders
    from orion.provisioning.models import OciExchangeLog
    from orion.provisioning.services import order_provision

    order = orders.order_start(user=user, kind="new_enterprise")
    by_type: dict[int, list[int]] = {}
    for p in packages:
        by_type.setdefault(p.order_type_id, []).append(p.pk)
    for order_type_id, ids in by_type.items():
        orders.order_lines_add(user=user, order_id=order.pk, order_type_id=order_type_id,
                               package_ids=ids)
    order_dids_order(user=user, order_id=order.pk, numbers=numbers)
    name = f"Growth {token} {n}"
    details = orders.OrderDetails(
        billing_start_date=timezone.localdate() + timedelta(days=7),
        enterprise_name=f"{name} Enterprise", company_name=f"{name} Customer",
        address_line1="233 S Wacker Dr", city="Chicago", state_code="IL", zip_code="60606",
        contact_name="Pat Bench", contact_phone="3125550100",
        contact_email="pat@bench.example", domain=f"g{token}-{n}.bench.example",
        time_zone="America/Chicago")
    started = time.perf_counter()
    placed = orders.order_save(user=user, order_id=order.pk, details=details).order
    state = order_provision(order_id=placed.pk, config=config)
    elapsed = time.perf_counter() - started
    if state != "completed":
        raise SystemExit(f"bench_provisioning_growth: order {placed.number} ended {state}")
    trips = sum(1 for commands in OciExchangeLog.objects.filter(order=placed)
                .values_list("commands", flat=True)
                if not set(commands.split(", ")) <= LOGIN_COMMANDS)
    return elapsed, trips


def main() -> None:
    use_bench_database(BENCH_DB, "bench_provisioning_growth")
    from bench.bench_provisioning import _load
    from orion.broadworks.config import BroadWorksConfig
    from orion.broadworks.emulator.server import EmulatorServer

    sizes = [("dids", d) for d in DIDS] + [("packages", p) for p in PACKAGES]
    needed = sum(d if kind == "dids" else 1 for kind, d in sizes) * (SAMPLES + 1)
    user, numbers = _load(needed)
    emulator = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1)
    host, port = emulator.start_in_thread()
    emulator.set_faults(latency_ms=LATENCY_MS)
    config = BroadWorksConfig(host=host, port=port, connect_timeout=2.0, command_timeout=30.0)
    token = uuid.uuid4().hex[:6]
    results: dict[tuple[str, int], list[tuple[float, int]]] = {s: [] for s in sizes}
    load_before = os.getloadavg()
    began = time.perf_counter()
    n = 0
    try:
        for sample in range(SAMPLES + 1):  # the first round warms up
            for kind, size in sizes:
                packages = _catalog(size if kind == "packages" else 1)
                count = size if kind == "dids" else 1
                taken, numbers = numbers[:count], numbers[count:]
                n += 1
                result = _order(user, packages, taken, token, n, config)
                if sample:
                    results[(kind, size)].append(result)
    finally:
        emulator.stop()
    write_section("growth_provisioning",
                  _markdown(results, load_before, os.getloadavg(), time.perf_counter() - began))


def _markdown(results: dict[tuple[str, int], list[tuple[float, int]]],
              load_before: tuple[float, ...], load_after: tuple[float, ...],
              elapsed: float) -> str:
    def p50(key: tuple[str, int]) -> float:
        return percentile([r[0] for r in results[key]], 50) * 1000

    def trips(key: tuple[str, int]) -> float:
        return statistics.median(r[1] for r in results[key])

    lines = [
        "| Provisioning (Save Order -> completed, new enterprise, 20 ms per document) | "
        "p50 ms per size | round trips per size | 10x data: p50 | smallest to largest: p50 |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, sizes, what in (("dids", DIDS, "DIDs (one seat)"),
                              ("packages", PACKAGES, "packages (one DID)")):
        keys = [(kind, s) for s in sizes]
        lines.append(
            f"| {' / '.join(str(s) for s in sizes)} {what} | "
            f"{' / '.join(f'{p50(k):.0f}' for k in keys)} | "
            f"{' / '.join(f'{trips(k):g}' for k in keys)} | "
            f"{p50(keys[-1]) / p50(keys[-2]):.1f}x | {p50(keys[-1]) / p50(keys[0]):.1f}x |")
    lines += [
        "",
        f"{SAMPLES} orders per size, sizes alternating (`bench_provisioning_growth`). More DIDs "
        "cost no round trip (one list command adds and assigns them all); more packages add "
        "authorizations and, for seats, users (two commands each), 15 commands per document. "
        f"Load average {' / '.join(f'{x:.1f}' for x in load_before)} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in load_after)} at the end; whole run {elapsed:.0f} s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
