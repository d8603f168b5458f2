"""Provisioning (issue 6): Save Order -> completed, OCI-P round trips per order, and orders/s
with 1 and 2 real ``orion worker`` processes, beside a one-command-per-round-trip baseline.

Runs on its own database, ``orion_bench_provisioning`` (embedded server, or the
``DATABASE_URL`` server), migrated and given the catalog, a partner and its user on the first
run; every run adds fresh enterprises, customers and numbers, so runs never collide. The OCI-P
emulator runs in this process, on an ephemeral port, with 20 ms latency per document.

Orders are placed through the real services (``order_start``, ``order_lines_add``,
``order_line_set_quantity``, ``order_dids_order``, ``order_save``): a typical order has 10
packages (3 seat service packs, user and group services, a one-off fee) and 10 DIDs.

* latency: orders saved one at a time with one worker running; from the order's
  ``acknowledged`` state change (Save Order) to its ``completed`` state change (the worker),
  both ``OrderStateChange.changed_at`` (same clock, same machine).
* round trips: the order's ``OciExchangeLog`` rows (every OCI-P document the worker sent for
  it), without the log-in (``AuthenticationRequest``, ``LoginRequest14sp4``) and the
  ``LogoutRequest`` documents, which are also shown.
* orders/s: a burst of orders saved in one transaction (their jobs become visible at once),
  from the commit to the last ``completed`` state change; 1 worker, then 2.
* baseline, same run, same machine: the same workers and the same plan, with the client's
  commands-per-document limit set to 1 in the worker process
  (``orion.broadworks.client.MAX_COMMANDS_PER_DOCUMENT = 1``), so every command is its own
  round trip, as with broadworks-ocip's ``BroadworksAPI.command``. The plan is the same on
  both sides, list commands included (``ServiceProviderDnAddListRequest``,
  ``GroupDnAssignListRequest``: one command for all the order's numbers), so the baseline is
  a careful one-command-per-round-trip client, not a strawman.
* latency sweep (issue 20): the same sequential orders at 0, 5, 20 and 50 ms emulator
  latency, in 3 rounds (batched and baseline workers alternating within each round); p50,
  p95, p99 over all rounds and the min / median / max of the rounds' p50s, with the load
  average at the start and the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench._db import use_bench_database
from bench._report import percentile, summary_ms, write_section

BENCH_DB = "orion_bench_provisioning"
LATENCY_MS = 20
CONCURRENCY = 4  # the worker's default (ORION_WORKER_CONCURRENCY)
SEQUENTIAL = {"new_enterprise": 20, "new_customer": 8, "add_services": 8}
BURST = 30
NPA = "312"
ORION = str(Path(sys.executable).with_name("orion"))
TYPICAL = {"Enterprise Standard": 6, "Power User": 2, "Receptionist User": 1,
           "Auto Attendant": 1, "Hunt Group": 1, "Music On Hold": 1,
           "Call Forwarding Always": 3, "Voice Mail Add On": 2,
           "Virtual Fax Desktop Unlimited": 1, "Broadsoft Provisioning Fee": 1}
DIDS = 10
WARMUP = {"Enterprise Standard": 1}
LOGIN_COMMANDS = {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5",
                  "LogoutRequest"}
SWEEP_LATENCIES_MS = (0, 5, 20, 50)
SWEEP_ROUNDS = 3
SWEEP_ORDERS = {"new_enterprise": 6, "new_customer": 4, "add_services": 4}  # per round
BASELINE_WORKER = (
    "import sys\n"
    "import orion.broadworks.client as client\n"
    "client.MAX_COMMANDS_PER_DOCUMENT = 1  # baseline: one command per OCI-P document\n"
    "from orion.cli import main\n"
    "main(['orion', 'worker', *sys.argv[1:]])\n"
)


# -- set-up --------------------------------------------------------------------------------


def _use_bench_database() -> None:
    use_bench_database(BENCH_DB, "bench_provisioning")


def _load(needed_numbers: int):
    """Migrate, catalog, partner and user; enough free numbers for this run."""
    from django.core.management import call_command
    from django.db import connection

    from orion.accounts.models import Partner, User
    from orion.catalog.services import catalog_load
    from orion.numbers.models import DID
    from orion.numbers.services import numbers_add_range

    call_command("migrate", verbosity=0, interactive=False)
    catalog_load()
    with connection.cursor() as cursor:
        # Jobs left over by an interrupted run would be picked up by this run's workers.
        cursor.execute("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
    partner, _ = Partner.objects.get_or_create(name="Bench Provisioning")
    user = User.objects.filter(username="bench-provisioning").first()
    if user is None:
        user = User(username="bench-provisioning", partner=partner, email="")
        user.set_unusable_password()
        user.save()
    free = DID.objects.filter(npa=NPA, state="available")
    nxx = 550
    while free.count() < needed_numbers:
        while DID.objects.filter(npa=NPA, nxx=str(nxx)).exists():
            nxx += 1
        print(f"bench_provisioning: stocking {NPA}-{nxx}-0000..9999", flush=True)
        numbers_add_range(spec=f"{NPA}{nxx}0000-{NPA}{nxx}9999")
    numbers = list(free.order_by("e164").values_list("e164", flat=True)[:needed_numbers])
    return user, numbers


def _packages(packages: dict[str, int]):
    from orion.catalog.models import Package

    rows = {p.name: p for p in Package.objects.filter(name__in=packages)}
    missing = set(packages) - rows.keys()
    if missing:
        raise SystemExit(f"bench_provisioning: catalog lacks {sorted(missing)}")
    by_type: dict[int, list[int]] = defaultdict(list)
    for p in rows.values():
        by_type[p.order_type_id].append(p.pk)
    quantities = {rows[name].pk: qty for name, qty in packages.items()}
    return dict(by_type), quantities


class Placer:
    """Drafts and saves orders through the real order and number services."""

    def __init__(self, user, numbers: list[str], token: str) -> None:
        self.user = user
        self.numbers = numbers
        self.token = token
        self.seq = 0
        self.typical = _packages(TYPICAL)
        self.warmup = _packages(WARMUP)

    def _take(self, n: int) -> list[str]:
        taken, self.numbers = self.numbers[:n], self.numbers[n:]
        if len(taken) < n:
            raise SystemExit("bench_provisioning: ran out of numbers")
        return taken

    def draft(self, kind: str, *, enterprise=None, customer=None, warmup: bool = False):
        """A draft order with its packages and numbers; returns (order id, details)."""
        from django.utils import timezone

        from orion.numbers.services import order_dids_order
        from orion.orders import services as orders

        by_type, quantities = self.warmup if warmup else self.typical
        order = orders.order_start(user=self.user, kind=kind, enterprise=enterprise,
                                   customer=customer)
        for order_type_id, ids in by_type.items():
            orders.order_lines_add(user=self.user, order_id=order.pk,
                                   order_type_id=order_type_id, package_ids=ids)
        for line in order.lines.all():
            if quantities[line.package_id] != 1:
                orders.order_line_set_quantity(user=self.user, order_id=order.pk,
                                               line_id=line.pk,
                                               quantity=quantities[line.package_id])
        order_dids_order(user=self.user, order_id=order.pk,
                         numbers=self._take(1 if warmup else DIDS))
        start = timezone.localdate() + timedelta(days=7)
        if kind == "add_services":
            return order.pk, orders.OrderDetails(billing_start_date=start)
        self.seq += 1
        name = f"Bench {self.token} {self.seq}"
        return order.pk, orders.OrderDetails(
            billing_start_date=start, enterprise_name=f"{name} Enterprise",
            company_name=f"{name} Customer", address_line1="233 S Wacker Dr",
            city="Chicago", state_code="IL", zip_code="60606", contact_name="Pat Bench",
            contact_phone="3125550100", contact_email="pat@bench.example",
            domain=f"b{self.token}-{self.seq}.bench.example", time_zone="America/Chicago")

    def save(self, order_id: int, details):
        from orion.orders.services import order_save

        return order_save(user=self.user, order_id=order_id, details=details).order


# -- workers -------------------------------------------------------------------------------


def _worker_env(host: str, port: int) -> dict[str, str]:
    from django.db import connection

    env = dict(os.environ)
    name = connection.settings_dict["NAME"]
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(
            path=f"/{name}"))
    else:
        env["ORION_DB_NAME"] = name
    env.update({
        "ORION_BROADWORKS_HOST": host, "ORION_BROADWORKS_PORT": str(port),
        "ORION_BROADWORKS_COMMAND_TIMEOUT": "10", "ORION_BROADWORKS_CONNECT_TIMEOUT": "2",
        "ORION_PROVISIONING_BACKOFF": "1", "ORION_PROVISIONING_MAX_ATTEMPTS": "5",
        "ORION_WORKER_HEARTBEAT_SECONDS": "1", "ORION_STALLED_JOB_SECONDS": "30",
        "ORION_WORKER_POLL_SECONDS": "0.05", "ORION_LOG_LEVEL": "WARNING",
        "ORION_WORKER_CONCURRENCY": str(CONCURRENCY), "PYTHONUNBUFFERED": "1",
    })
    return env


class Workers:
    """``orion worker`` subprocesses (batched), or the same with one command per document."""

    def __init__(self, env: dict[str, str], logdir: Path, *, baseline: bool) -> None:
        self.env, self.logdir, self.baseline = env, logdir, baseline
        self.procs: list[subprocess.Popen] = []

    def start(self, count: int) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM procrastinate_workers")
            (last,) = cursor.fetchone()
        for _ in range(count):
            n = len(self.procs)
            name = f"{'base' if self.baseline else 'batch'}{n}"
            args = ["--concurrency", str(CONCURRENCY), "--name", name]
            cmd = ([sys.executable, "-c", BASELINE_WORKER, *args] if self.baseline
                   else [ORION, "worker", *args])
            log = (self.logdir / f"{name}.log").open("ab")
            self.procs.append(subprocess.Popen(cmd, env=self.env, stdout=log,
                                               stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM procrastinate_workers WHERE id > %s",
                               [last])
                (started,) = cursor.fetchone()
            if started >= count:
                return
            if any(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"bench_provisioning: workers did not start; see {self.logdir}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []


# -- measuring -----------------------------------------------------------------------------

FINAL = ("completed", "partial", "failed", "held", "cancelled")  # OrderState values


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (0, 0 elsewhere)."""
    try:
        fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)


def _wait(order_ids: list[int], timeout: float = 120.0) -> None:
    from orion.orders.models import Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Order.objects.filter(pk__in=order_ids, state__in=FINAL).count() == len(order_ids):
            return
        time.sleep(0.01)
    raise SystemExit(f"bench_provisioning: orders not finished after {timeout:.0f} s")


def _check_completed(order_ids: list[int]) -> None:
    from orion.orders.models import Order
    from orion.provisioning.models import ProvisioningStep

    bad = list(Order.objects.filter(pk__in=order_ids).exclude(state="completed")
               .values_list("number", "state"))
    if bad:
        errors = list(ProvisioningStep.objects.filter(order_id__in=order_ids, status="failed")
                      .values_list("error", flat=True)[:3])
        raise SystemExit(f"bench_provisioning: not completed: {bad[:5]} {errors}")


def _changes(order_ids: list[int]) -> dict[int, dict[str, datetime]]:
    from orion.orders.models import OrderStateChange

    out: dict[int, dict[str, datetime]] = defaultdict(dict)
    for order_id, to_state, at in (OrderStateChange.objects.filter(order_id__in=order_ids)
                                   .values_list("order_id", "to_state", "changed_at")):
        out[order_id].setdefault(to_state, at)
    return out


def _save_to_completed(order_ids: list[int]) -> list[float]:
    changes = _changes(order_ids)
    return [(changes[i]["completed"] - changes[i]["acknowledged"]).total_seconds()
            for i in order_ids]


def _round_trips(order_ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """Per order: (documents after log-in, log-in/out documents, most commands in one
    document, milliseconds spent in all its OCI-P exchanges)."""
    from orion.provisioning.models import OciExchangeLog

    out: dict[int, list[int]] = {i: [0, 0, 0, 0] for i in order_ids}
    for order_id, commands, duration_ms in (OciExchangeLog.objects.filter(order_id__in=order_ids)
                                            .values_list("order_id", "commands", "duration_ms")):
        names = [c.strip() for c in commands.split(",") if c.strip()]
        row = out[order_id]
        row[3] += duration_ms
        if set(names) <= LOGIN_COMMANDS:
            row[1] += 1
        else:
            row[0] += 1
            row[2] = max(row[2], len(names))
    return {i: (a, b, c, d) for i, (a, b, c, d) in out.items()}


class Mode:
    """Everything measured for one client (batched or baseline)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.latency: dict[str, list[float]] = {}
        self.trips: dict[str, list[tuple[int, int, int, int]]] = {}
        self.rate: dict[int, float] = {}
        self.burst_latency: dict[int, list[float]] = {}
        self.cpu_busy: dict[int, float] = {}


def _warm_up(placer: Placer, workers: int) -> None:
    """A few tiny orders so every worker process has imported and connected everything."""
    from django.db import transaction

    drafts = [placer.draft("new_enterprise", warmup=True) for _ in range(CONCURRENCY * workers)]
    with transaction.atomic():
        ids = [placer.save(order_id, details).pk for order_id, details in drafts]
    _wait(ids)
    _check_completed(ids)


def _sequential(placer: Placer, mode: Mode) -> None:
    """Orders saved one at a time (each completes before the next is saved)."""
    created = []
    for kind in ("new_enterprise", "new_customer", "add_services"):
        ids = []
        for n in range(SEQUENTIAL[kind]):
            if kind == "new_enterprise":
                order_id, details = placer.draft(kind)
            elif kind == "new_customer":
                order_id, details = placer.draft(kind, enterprise=created[n].enterprise)
            else:
                order_id, details = placer.draft(kind, customer=created[n].customer)
            order = placer.save(order_id, details)
            _wait([order.pk])
            ids.append(order.pk)
            if kind == "new_enterprise":
                created.append(order)
        _check_completed(ids)
        mode.latency[kind] = _save_to_completed(ids)
        trips = _round_trips(ids)
        mode.trips[kind] = [trips[i] for i in ids]


def _burst(placer: Placer, mode: Mode, workers: int) -> None:
    """BURST new-enterprise orders committed together; time until the last one completes."""
    from django.db import transaction
    from django.utils import timezone

    drafts = [placer.draft("new_enterprise") for _ in range(BURST)]
    with transaction.atomic():
        ids = [placer.save(order_id, details).pk for order_id, details in drafts]
    committed = timezone.now()
    busy0, total0 = _cpu_times()
    _wait(ids, timeout=300)
    busy1, total1 = _cpu_times()
    mode.cpu_busy[workers] = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    _check_completed(ids)
    done = [c["completed"] for c in _changes(ids).values()]
    mode.rate[workers] = BURST / (max(done) - committed).total_seconds()
    mode.burst_latency[workers] = [(d - committed).total_seconds() for d in done]


def _run_mode(mode: Mode, placer: Placer, env: dict[str, str], logdir: Path,
              baseline: bool) -> None:
    workers = Workers(env, logdir, baseline=baseline)
    try:
        workers.start(1)
        _warm_up(placer, 1)
        t0 = time.monotonic()
        _sequential(placer, mode)
        print(f"  {mode.label}: sequential orders in {time.monotonic() - t0:.1f} s", flush=True)
        _burst(placer, mode, 1)
        print(f"  {mode.label}: 1 worker {mode.rate[1]:.2f} orders/s", flush=True)
        workers.start(1)
        _warm_up(placer, 2)
        _burst(placer, mode, 2)
        print(f"  {mode.label}: 2 workers {mode.rate[2]:.2f} orders/s", flush=True)
    finally:
        workers.stop()


def _sweep_round(placer: Placer, env: dict[str, str], logdir: Path, emulator,
                 results: dict[tuple[str, int, str], list[list[float]]]) -> None:
    """One round of the latency sweep: batched, then baseline, every latency, every kind."""
    for label, baseline in (("batched", False), ("baseline", True)):
        workers = Workers(env, logdir, baseline=baseline)
        try:
            workers.start(1)
            emulator.set_faults(latency_ms=LATENCY_MS)
            _warm_up(placer, 1)
            for latency in SWEEP_LATENCIES_MS:
                emulator.set_faults(latency_ms=latency)
                created = []
                for kind, count in SWEEP_ORDERS.items():
                    ids = []
                    for n in range(count):
                        if kind == "new_enterprise":
                            order_id, details = placer.draft(kind)
                        elif kind == "new_customer":
                            order_id, details = placer.draft(
                                kind, enterprise=created[n].enterprise)
                        else:
                            order_id, details = placer.draft(kind, customer=created[n].customer)
                        order = placer.save(order_id, details)
                        _wait([order.pk])
                        ids.append(order.pk)
                        if kind == "new_enterprise":
                            created.append(order)
                    _check_completed(ids)
                    results.setdefault((label, latency, kind), []).append(
                        _save_to_completed(ids))
        finally:
            workers.stop()
            emulator.set_faults(latency_ms=LATENCY_MS)


def _sweep_markdown(results: dict[tuple[str, int, str], list[list[float]]],
                    load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    kinds = {"new_enterprise": "new enterprise", "new_customer": "new customer (group)",
             "add_services": "add services"}
    per_round_orders = ", ".join(f"{n} {kinds[k]}" for k, n in SWEEP_ORDERS.items())
    lines = [
        "",
        f"**Latency sweep** (issue 20): orders saved one at a time, 1 worker, at each emulator "
        f"latency; {SWEEP_ROUNDS} rounds of {per_round_orders} "
        "orders per client and latency, batched and baseline alternating within a round. "
        "p50 / p95 / p99 over all rounds; the rounds' p50s as min / median / max. Load average "
        f"(1 / 5 / 15 min) {' / '.join(f'{x:.1f}' for x in load_before)} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in load_after)} at the end.",
        "",
        "| latency | order kind | batched p50 / p95 / p99 ms | batched p50 of the rounds "
        "(min / median / max) | baseline p50 / p95 / p99 ms | baseline p50 of the rounds | "
        "speed-up p50 |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for latency in SWEEP_LATENCIES_MS:
        for kind, label in kinds.items():
            cells = []
            p50s = {}
            for side in ("batched", "baseline"):
                rounds = results[(side, latency, kind)]
                every = [x for r in rounds for x in r]
                p = {q: percentile(every, q) * 1000 for q in (50, 95, 99)}
                p50s[side] = p[50]
                per_round = sorted(percentile(r, 50) * 1000 for r in rounds)
                cells += [f"{p[50]:.0f} / {p[95]:.0f} / {p[99]:.0f}",
                          f"{per_round[0]:.0f} / {statistics.median(per_round):.0f} / "
                          f"{per_round[-1]:.0f}"]
            lines.append(f"| {latency} ms | {label} | {' | '.join(cells)} | "
                         f"{p50s['baseline'] / p50s['batched']:.1f}x |")
    return "\n".join(lines)


# -- report --------------------------------------------------------------------------------


def _mmm(values: list[int]) -> str:
    return f"{min(values)} / {statistics.median(values):g} / {max(values)}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def _markdown(batched: Mode, baseline: Mode, elapsed: float) -> str:
    kinds = {"new_enterprise": "new enterprise", "new_customer": "new customer",
             "add_services": "add services"}
    lines = [
        "### Provisioning: Save Order to completed, round trips, orders/s (issue 6)",
        "",
        f"OCI-P emulator in the benchmark process with {LATENCY_MS} ms latency per document; "
        f"real `orion worker` processes (concurrency {CONCURRENCY} each, poll "
        "0.05 s plus LISTEN/NOTIFY) on the same machine "
        f"({os.cpu_count()} CPUs shared by workers, PostgreSQL and the benchmark). A typical "
        f"order: {len(TYPICAL)} packages ({', '.join(f'{n} x{q}' for n, q in TYPICAL.items())})"
        f" and {DIDS} DIDs, placed through the order services. **Baseline**: the same workers "
        "and plan with one command per OCI-P document.",
        "",
        "**Save Order -> completed** (`acknowledged` to `completed` state change), orders saved "
        "one at a time, 1 worker:",
        "",
        "| order kind | orders | batched p50 / p95 ms | baseline p50 / p95 ms | speed-up p50 "
        "| of which in OCI-P exchanges (median ms, incl. log-in/out), batched / baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    everything_b: list[float] = []
    everything_o: list[float] = []
    for kind, label in kinds.items():
        b, o = summary_ms(batched.latency[kind]), summary_ms(baseline.latency[kind])
        everything_b += batched.latency[kind]
        everything_o += baseline.latency[kind]
        oci_b = statistics.median(t[3] for t in batched.trips[kind])
        oci_o = statistics.median(t[3] for t in baseline.trips[kind])
        lines.append(f"| {label} | {len(batched.latency[kind])} | {b['p50']:.0f} / "
                     f"{b['p95']:.0f} | {o['p50']:.0f} / {o['p95']:.0f} | "
                     f"{o['p50'] / b['p50']:.1f}x | {oci_b:.0f} / {oci_o:.0f} |")
    b, o = summary_ms(everything_b), summary_ms(everything_o)
    oci_b = statistics.median(t[3] for k in kinds for t in batched.trips[k])
    oci_o = statistics.median(t[3] for k in kinds for t in baseline.trips[k])
    lines.append(f"| all | {len(everything_b)} | {b['p50']:.0f} / {b['p95']:.0f} | "
                 f"{o['p50']:.0f} / {o['p95']:.0f} | {o['p50'] / b['p50']:.1f}x | "
                 f"{oci_b:.0f} / {oci_o:.0f} |")
    lines += [
        "",
        "**OCI-P round trips per order** (documents after log-in, from the order's "
        "`OciExchangeLog`; min / median / max). Workers keep a pool of logged-in OCI-P "
        "sessions, so log-in documents appear only on the first orders of a worker (last "
        "column):",
        "",
        "| order kind | batched | baseline | batched, most commands in one document | "
        "log-in/out documents per order |",
        "|---|---:|---:|---:|---:|",
    ]
    worst = 0
    for kind, label in kinds.items():
        bt, ot = batched.trips[kind], baseline.trips[kind]
        worst = max(worst, *(t[0] for t in bt))
        lines.append(f"| {label} | {_mmm([t[0] for t in bt])} | {_mmm([t[0] for t in ot])} | "
                     f"{max(t[2] for t in bt)} (baseline {max(t[2] for t in ot)}) | "
                     f"{_mmm([t[1] for t in bt])} |")
    lines += [
        "",
        f"**Orders/s**: {BURST} typical new-enterprise orders saved in one transaction, from "
        "the commit to the last `completed`:",
        "",
        "| workers | batched orders/s | baseline orders/s | ratio | batched p50 / p95 ms "
        "(commit -> completed) | baseline p50 / p95 ms | machine CPU busy (all processes), "
        "batched / baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in (1, 2):
        bl, ol = summary_ms(batched.burst_latency[n]), summary_ms(baseline.burst_latency[n])
        lines.append(f"| {n} | {batched.rate[n]:.2f} | {baseline.rate[n]:.2f} | "
                     f"{batched.rate[n] / baseline.rate[n]:.1f}x | {bl['p50']:.0f} / "
                     f"{bl['p95']:.0f} | {ol['p50']:.0f} / {ol['p95']:.0f} | "
                     f"{batched.cpu_busy[n]:.0%} / {baseline.cpu_busy[n]:.0%} |")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    p50 = summary_ms(batched.latency["new_enterprise"])["p50"]
    all_p50 = summary_ms(everything_b)["p50"]
    ratios = {
        "Save Order -> completed p50": summary_ms(everything_o)["p50"] / all_p50,
        "orders/s, 1 worker": batched.rate[1] / baseline.rate[1],
        "orders/s, 2 workers": batched.rate[2] / baseline.rate[2],
    }
    docs_b = statistics.median(t[0] + t[1] for k in kinds for t in batched.trips[k])
    docs_o = statistics.median(t[0] + t[1] for k in kinds for t in baseline.trips[k])
    trips_b = statistics.median(t[0] for k in kinds for t in batched.trips[k])
    trips_o = statistics.median(t[0] for k in kinds for t in baseline.trips[k])
    ratios["round trips after log-in (median)"] = trips_o / trips_b
    lines += [
        "",
        "**Targets**:",
        "",
        f"- p50 Save Order -> completed under 1 s: new enterprise {p50:.0f} ms, all kinds "
        f"{all_p50:.0f} ms - {_verdict(p50 < 1000 and all_p50 < 1000)}.",
        f"- at most 4 round trips per order after log-in: worst {worst} - "
        f"{_verdict(worst <= 4)}.",
        "- issue 20: p50 under 45 ms for a new enterprise or group, under 60 ms for a "
        "typical order: " + "; ".join(
            f"{kinds[k]} {summary_ms(batched.latency[k])['p50']:.0f} ms "
            f"({_verdict(summary_ms(batched.latency[k])['p50'] < limit)})"
            for k, limit in (("new_enterprise", 45), ("new_customer", 45),
                             ("add_services", 60))) + ".",
        "- at least 5x the baseline: " + "; ".join(
            f"{name} {value:.1f}x ({_verdict(value >= 5)})" for name, value in ratios.items())
        + ".",
        "",
        f"**Where the time goes** (median over all orders saved one at a time): batched, "
        f"{oci_b:.0f} ms of {all_p50:.0f} ms in OCI-P exchanges ({docs_b:g} documents "
        f"per order), the rest in job pick-up and the worker's database work (reading the "
        f"order, one statement of step updates and OCI-P log rows per document, "
        f"completing); "
        f"baseline, {oci_o:.0f} ms in {docs_o:g} documents. Both sides pay the same fixed "
        f"cost outside OCI-P, which bounds the end-to-end ratio below the "
        f"{docs_o / docs_b:.1f}x fewer round trips; orders/s is bounded by CPU on this "
        f"2-core machine (batched) and by OCI-P latency (baseline).",
        "",
        f"Whole run {elapsed:.0f} s. Load average at the end {load}: other work on this "
        "machine shares the CPUs, so the absolute figures (and the orders/s most) vary from "
        "run to run; the ratios are measured side by side.",
    ]
    return "\n".join(lines)


def main() -> None:
    started = time.monotonic()
    _use_bench_database()
    from orion.broadworks.emulator import EmulatorServer

    orders_per_mode = ((sum(SEQUENTIAL.values()) + 2 * BURST
                        + SWEEP_ROUNDS * len(SWEEP_LATENCIES_MS) * sum(SWEEP_ORDERS.values()))
                       * DIDS + (3 + SWEEP_ROUNDS) * CONCURRENCY)
    user, numbers = _load(2 * orders_per_mode)
    placer = Placer(user, numbers, uuid.uuid4().hex[:8])
    emulator = EmulatorServer(port=0, control_port=0)
    host, port = emulator.start_in_thread()
    emulator.set_faults(latency_ms=LATENCY_MS)
    env = _worker_env(host, port)
    batched, baseline = Mode("batched"), Mode("baseline")
    logdir = Path(tempfile.mkdtemp(prefix="bench-provisioning-"))  # worker logs
    sweep: dict[tuple[str, int, str], list[list[float]]] = {}
    try:
        _run_mode(batched, placer, env, logdir, baseline=False)
        _run_mode(baseline, placer, env, logdir, baseline=True)
        load_before = os.getloadavg()
        for n in range(SWEEP_ROUNDS):
            _sweep_round(placer, env, logdir, emulator, sweep)
            print(f"  latency sweep: round {n + 1} of {SWEEP_ROUNDS} done", flush=True)
        load_after = os.getloadavg()
    finally:
        emulator.stop()
    shutil.rmtree(logdir, ignore_errors=True)  # kept when the run failed
    markdown = (_markdown(batched, baseline, time.monotonic() - started) + "\n"
                + _sweep_markdown(sweep, load_before, load_after))
    print(markdown)
    write_section("provisioning", markdown)
