"""DID inventory at scale (issues 4 and 20): NPA/NXX search at 500,000 and 5,000,000 numbers,
and reservations with 16 concurrent clients, each beside an honest baseline in the same run.

Each size runs in a child process on a database of its own (``orion_bench_numbers_500k``,
``orion_bench_numbers``; embedded server, or the ``DATABASE_URL`` server), never on the dev
or a test database. The first run generates the numbers with ``generate_series``; later runs
find them and only measure.

* search: ``orion.numbers.selectors.numbers_available`` (first page of free numbers of an
  NPA-NXX, and of a whole NPA) interleaved query by query with the baseline: a raw SQL range
  on the existing unique ``e164`` index, the same columns, through Django's cursor.
* reservations: 16 processes, each with its own persistent connection (opened before timing)
  and draft order, reserve one number at a time from the same few NXXs through
  ``numbers_reserve_quantity``; baseline: the very statement the service sends, captured
  from it, run by the same 16 clients through psycopg (prepared, and planned on every call).
  They alternate round by round, ``RUNS`` rounds each.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from bench._report import percentile, write_section

SIZES = (500_000, 5_000_000)  # numbers; each size has a database of its own
# The size this process measures (main() runs one child process per size).
TOTAL_WANTED = int(os.environ.get("ORION_BENCH_DIDS", SIZES[-1]))
BENCH_DB = ("orion_bench_numbers" if TOTAL_WANTED == 5_000_000
            else f"orion_bench_numbers_{TOTAL_WANTED // 1000}k")
N_NXX, PER_NXX = 10, 10_000
N_NPA = TOTAL_WANTED // (N_NXX * PER_NXX)  # 50 NPAs: 5,000,000 numbers
TOTAL = N_NPA * N_NXX * PER_NXX
CLIENTS = 16
RESERVATIONS_PER_CLIENT = 150
HOT_NXX = 4  # the clients all reserve from these NPA-NXX, so they contend
RUNS = int(os.environ.get("ORION_BENCH_RUNS", 3))  # figures: min / median / max of the runs
SEED = 20261124


def _npas() -> list[str]:
    codes = [c for c in range(201, 990) if str(c)[1:] != "11"]
    return [str(c) for c in random.Random(SEED).sample(codes, N_NPA)]


def _nxxs() -> list[str]:
    return [str(c) for c in range(520, 520 + N_NXX)]


def _use_bench_database() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orion.settings")
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                [BENCH_DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))
    else:
        os.environ["ORION_DB_NAME"] = BENCH_DB
    from django.conf import settings

    if settings.configured and settings.DATABASES["default"]["NAME"] != BENCH_DB:
        raise SystemExit("bench_numbers: Django is set up on another database; run it alone: "
                         "python -m bench numbers")
    import django

    from orion.db import ensure_embedded

    ensure_embedded()
    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != BENCH_DB:
        raise SystemExit(f"bench_numbers: refusing to run on {connection.settings_dict['NAME']}")


def _load() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM numbers_did")
        (have,) = cursor.fetchone()
        if have >= TOTAL:
            return
        print(f"bench_numbers: generating {TOTAL:,} numbers (once)...", flush=True)
        cursor.execute("TRUNCATE numbers_did CASCADE")
        nxxs = _nxxs()
        for i, npa in enumerate(_npas()):
            # 80% available; the rest aging in quarantine, so the partial index has to skip.
            cursor.execute("""
                INSERT INTO numbers_did (e164, npa, nxx, rate_center, region, state,
                                         is_for_trunking, quarantined_until, created_at,
                                         updated_at)
                SELECT '+1' || %(npa)s || nxx || lpad(line::text, 4, '0'), %(npa)s, nxx, '', '',
                       CASE WHEN (hashint4(line) %% 5) = 0 THEN 'quarantined' ELSE 'available'
                       END, false,
                       CASE WHEN (hashint4(line) %% 5) = 0 THEN now() + interval '90 days' END,
                       now(), now()
                  FROM unnest(%(nxxs)s::text[]) AS nxx, generate_series(0, 9999) AS line
            """, {"npa": npa, "nxxs": nxxs})
            if i % 10 == 9:
                print(f"  {(i + 1) * N_NXX * PER_NXX:,}", flush=True)
        cursor.execute("ANALYZE numbers_did")


def _service_search(npa: str, nxx: str) -> None:
    from orion.numbers.selectors import numbers_available

    page = numbers_available(npa=npa, nxx=nxx, page=1, page_size=25)
    assert page.numbers, (npa, nxx)


def _range_search(npa: str, nxx: str) -> None:
    """The honest baseline: a range of the unique ``e164`` index (what a developer writes who
    knows E.164 sorts by NPA and NXX), raw SQL through Django's cursor, the same columns."""
    from django.db import connection

    low = f"+1{npa}{nxx}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, e164, npa, nxx, rate_center, region FROM numbers_did"
                       " WHERE e164 >= %s AND e164 < %s AND state = 'available'"
                       " ORDER BY e164 LIMIT 26", [low, low + "~"])
        assert cursor.fetchall()


def _time_searches(queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Each query through the service and the baseline in turn (interleaved): seconds."""
    samples: dict[str, list[float]] = {"service": [], "range": []}
    for npa, nxx in queries:
        for name, fn in (("service", _service_search), ("range", _range_search)):
            t0 = time.perf_counter()
            fn(npa, nxx)
            samples[name].append(time.perf_counter() - t0)
    return samples


def _bench_fixtures() -> list[int]:
    """One partner, customer and 16 draft orders (created once)."""
    from orion.accounts.models import Partner, User
    from orion.accounts.services import customer_create, enterprise_create
    from orion.orders.models import Order, OrderKind

    partner, _ = Partner.objects.get_or_create(name="bench-numbers")
    user = User.objects.filter(username="bench-numbers").first()
    if user is None:
        user = User.objects.create(username="bench-numbers", partner=partner)
        enterprise = enterprise_create(partner=partner, name="Bench Numbers", created_by=None)
        customer_create(enterprise=enterprise, name="Bench Numbers", service_type="hosted",
                        address_line1="1 Main", city="NYC", state="NY", zip_code="10001",
                        contact_name="B", contact_phone="2125550100",
                        contact_email="b@example.com", domain="", time_zone="America/New_York")
    enterprise = partner.enterprises.get()
    drafts = list(Order.objects.filter(partner=partner, state="draft").order_by("id")
                  .values_list("id", flat=True))
    while len(drafts) < CLIENTS:
        drafts.append(Order.objects.create(kind=OrderKind.NEW_CUSTOMER, partner=partner,
                                           enterprise=enterprise, created_by=user).pk)
    return drafts[:CLIENTS]


def _reset(drafts: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM numbers_didevent WHERE order_id = ANY(%s)", [drafts])
        cursor.execute("""UPDATE numbers_did SET state = 'available', order_id = NULL,
                          reserved_until = NULL, is_for_trunking = false
                          WHERE order_id = ANY(%s)""", [drafts])


_client: dict[str, object] = {}  # per client process, filled by _client_ready before timing


def _client_service(args: tuple[int, list[tuple[str, str]]], warm_up: bool = False) -> list[str]:
    from orion.numbers.services import numbers_reserve_quantity

    order_id, hot = args[:2]
    user = _client["user"]
    got: list[str] = []
    rng = random.Random(order_id)
    for _ in range(1 if warm_up else RESERVATIONS_PER_CLIENT):
        npa, nxx = rng.choice(hot)
        got += numbers_reserve_quantity(user=user, order_id=order_id, npa=npa, nxx=nxx,
                                        quantity=1)
    return got


def _client_same_sql(args: tuple[int, list[tuple[str, str]], dict],
                     warm_up: bool = False) -> list[str]:
    """The service's own SQL statement through psycopg, no Python around it: the baseline.

    ``template``: the statement and its parameters as the service sent them, with the
    positions of the order id and the NPA; "prepared" sends it as a prepared statement (what
    the service does), "plain" as Django's cursor would (planned on every call, like pgbench's
    simple protocol)."""
    import psycopg
    from django.db import connection

    order_id, hot, template = args
    raw = connection.connection
    got: list[str] = []
    rng = random.Random(order_id)
    prepared = template["mode"] == "prepared"
    if prepared and raw.prepare_threshold is None:
        raw.prepare_threshold = 1 << 30
    cursor = psycopg.Cursor(raw) if prepared else raw.cursor()
    for _ in range(1 if warm_up else RESERVATIONS_PER_CLIENT):
        npa, _nxx = rng.choice(hot)
        params = list(template["params"])
        for i in template["order_at"]:
            params[i] = order_id
        for i in template["npa_at"]:
            params[i] = npa
        cursor.execute(template["sql"], params, prepare=True if prepared else None)
        got += [row[4] for row in cursor.fetchall() if row[4] is not None]
    return got


def _capture_statement(drafts: list[int], hot: list[tuple[str, str]]) -> dict:
    """The one statement a reservation sends, with where its order id and NPA go."""
    from orion.accounts.models import User
    from orion.numbers.services import moves, numbers_reserve_quantity

    user = User.objects.get(username="bench-numbers")
    sent: list[tuple[str, list]] = []
    original = moves.prepared_execute

    def capture(cursor, sql, params):
        sent.append((sql, list(params)))
        return original(cursor, sql, params)

    moves.prepared_execute = capture
    try:
        for order_id, prefix in ((drafts[0], hot[0]), (drafts[1], hot[0]), (drafts[0], hot[1])):
            numbers_reserve_quantity(user=user, order_id=order_id, npa=prefix[0],
                                     nxx=prefix[1], quantity=1)
    finally:
        moves.prepared_execute = original
    _reset(drafts)
    (sql, a), (_, b), (_, c) = sent
    return {"sql": sql, "params": a,
            "order_at": [i for i, (x, y) in enumerate(zip(a, b)) if x != y and x == drafts[0]],
            "npa_at": [i for i, (x, y) in enumerate(zip(a, c)) if x != y and x == hot[0][0]]}


def _run_clients(fn, drafts: list[int], hot: list[tuple[str, str]],
                 *extra: object) -> tuple[float, list[str]]:
    """Time ``fn`` in 16 processes whose connections, imports and user are ready beforehand.

    Each process opens its one persistent connection before the clock starts (the barrier makes
    every one of the 16 take a warm-up task) and warms up with one reservation from an NPA
    without numbers (it takes nothing: all or none), so its statement is prepared and the code
    it runs is in memory; the timing holds only the reservations.
    """
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    warm = (fn, drafts, (_empty_npa(), hot[0][1]), extra)
    with ctx.Pool(CLIENTS, initializer=_client_init,
                  initargs=(ctx.Barrier(CLIENTS), warm)) as pool:
        pool.map(_client_ready, range(CLIENTS), chunksize=1)
        t0 = time.perf_counter()
        results = pool.map(fn, [(order_id, hot, *extra) for order_id in drafts], chunksize=1)
        elapsed = time.perf_counter() - t0
    return elapsed, [n for r in results for n in r]


def _empty_npa() -> str:
    """A valid NPA the inventory has no numbers in."""
    taken = set(_npas())
    return next(str(c) for c in range(201, 990) if str(c)[1:] != "11" and str(c) not in taken)


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by PostgreSQL (every ``postgres`` process, with the exited
    backends the postmaster has reaped) and by this process's exited children (the clients):
    where a round's CPU went, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    pg = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        if name == "postgres" or name.startswith("postgres:"):
            pg += sum(int(x) for x in fields.split()[11:15])  # utime stime cutime cstime
    own = os.times()
    return {"postgres": pg / tick, "clients": own.children_user + own.children_system}


def _client_init(barrier, warm) -> None:
    _client["barrier"] = barrier
    _client["warm"] = warm


def _client_ready(index: int) -> None:
    from django.db import connection

    import orion.numbers.services  # noqa: F401  (imported here, not on the clock)
    from orion.accounts.models import User
    from orion.numbers.exceptions import NotEnoughNumbers

    connection.ensure_connection()
    _client["user"] = User.objects.get(username="bench-numbers")
    fn, drafts, prefix, extra = _client["warm"]
    try:  # the warm-up reservation: the same code and statement, no number free to take
        got = fn((drafts[index], [prefix], *extra), warm_up=True)
    except NotEnoughNumbers:
        got = []
    assert not got, "the warm-up took a number"
    _client["barrier"].wait(timeout=60)


def _doubles(got: list[str]) -> int:
    return sum(n - 1 for n in Counter(got).values() if n > 1)


def _history_rows(drafts: list[int]) -> int:
    from orion.numbers.models import DIDEvent

    return DIDEvent.objects.filter(order_id__in=drafts, to_state="reserved").count()


def _pcts(samples: list[float]) -> dict[int, float]:
    return {p: percentile(samples, p) * 1000 for p in (50, 95, 99)}


def _spread(values: list[float], fmt: str = ".2f") -> str:
    return (f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}-"
            f"{format(max(values), fmt)})")


def measure(out_path: str) -> None:
    """One inventory size (``ORION_BENCH_DIDS``) in this process: figures as JSON."""
    _use_bench_database()
    _load()
    rng = random.Random(SEED)
    npas, nxxs = _npas(), _nxxs()
    nxx_queries = [(rng.choice(npas), rng.choice(nxxs)) for _ in range(400)]
    npa_queries = [(rng.choice(npas), "") for _ in range(200)]
    _time_searches(nxx_queries[:20] + npa_queries[:20])  # warm caches and prepared statements
    result: dict = {"total": TOTAL, "db": BENCH_DB, "search": [], "reserve": []}
    for _ in range(RUNS):
        load = os.getloadavg()[0]
        nxx, npa = _time_searches(nxx_queries), _time_searches(npa_queries)
        result["search"].append({"load": [load, os.getloadavg()[0]],
                                 "nxx": {k: _pcts(v) for k, v in nxx.items()},
                                 "npa": {k: _pcts(v) for k, v in npa.items()}})
    if SIZES[-1] == TOTAL:
        drafts = _bench_fixtures()
        hot = [(npas[i], nxxs[0]) for i in range(HOT_NXX)]
        _reset(drafts)
        template = _capture_statement(drafts, hot)
        total = CLIENTS * RESERVATIONS_PER_CLIENT
        names = ["service", "prepared", "plain"]
        for run in range(RUNS):  # the service and the same SQL alternate, round by round,
            entry: dict = {"load": [os.getloadavg()[0]]}  # each first in one round
            for name in names[run % 3:] + names[:run % 3]:
                _reset(drafts)
                before = _cpu_seconds()
                if name == "service":
                    seconds, got = _run_clients(_client_service, drafts, hot)
                    assert _history_rows(drafts) == total, "a reservation without history"
                else:
                    seconds, got = _run_clients(_client_same_sql, drafts, hot,
                                                dict(template, mode=name))
                after = _cpu_seconds()
                assert len(got) == total, f"{name}: a client got fewer numbers than asked"
                entry[name] = {"rate": total / seconds, "doubles": _doubles(got),
                               **{f"{k}_us": (after[k] - before[k]) / total * 1e6
                                  for k in after}}
            _reset(drafts)
            entry["load"].append(os.getloadavg()[0])
            result["reserve"].append(entry)
        result["statements"] = _statements_per_reservation(drafts[0], hot[0])
    with open(out_path, "w") as fh:
        json.dump(result, fh)


def main() -> None:
    results = []
    for size in SIZES:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            env = dict(os.environ, ORION_BENCH_DIDS=str(size))
            subprocess.run([sys.executable, "-c",
                            f"from bench.bench_numbers import measure; measure({out.name!r})"],
                           check=True, env=env, cwd=os.path.dirname(os.path.dirname(__file__)))
            with open(out.name) as fh:
                results.append(json.load(fh))
    small, big = results
    loads = [x for res in results for r in res["search"] + res["reserve"] for x in r["load"]]

    def row(*cells: object) -> str:
        return "| " + " | ".join(str(c) for c in cells) + " |"

    md = [f"### DIDs: NPA/NXX search and reservations ({small['total']:,} and "
          f"{big['total']:,} numbers, 80% available)", "",
          f"Each size in a database of its own. Machine: {os.cpu_count()} CPUs shared with "
          f"other work: **the absolute figures were measured under load** (load average "
          f"{min(loads):.1f} to {max(loads):.1f}); read the ratios, measured side by side. "
          f"Every figure: median (min-max) of {RUNS} runs.", "",
          row("search (first page of 25 free numbers)", "numbers", "queries", "p50 ms",
              "p95 ms", "p99 ms"),
          "|---|---:|---:|---:|---:|---:|"]
    labels = {"service": "`numbers_available` (partial index, prepared statement)",
              "range": "baseline: raw SQL range on the unique `e164` index"}
    for res in results:
        for kind, count, what in (("nxx", 400, "NPA + NXX"), ("npa", 200, "NPA only")):
            for name in ("service", "range"):
                md.append(row(f"{labels[name]}, {what}", f"{res['total']:,}", count,
                              *(_spread([r[kind][name][str(p)] for r in res["search"]])
                                for p in (50, 95, 99))))
    md += ["", "Speed-up, baseline / service at p95 (same run): " + "; ".join(
        f"{res['total']:,} {kind}: " + _spread(
            [r[kind]["range"]["95"] / r[kind]["service"]["95"] for r in res["search"]]) + "x"
        for res in results for kind in ("nxx", "npa")) + "."]
    p95 = statistics.median(r["nxx"]["service"]["95"] for r in big["search"])
    md += ["", f"Target: p95 under 0.5 ms at {big['total']:,} through the service (NPA + NXX): "
           f"{p95:.2f} ms - {'met' if p95 < 0.5 else 'MISSED'} (under load).", ""]
    rounds = big["reserve"]
    rate = {n: [r[n]["rate"] for r in rounds] for n in ("service", "prepared", "plain")}
    share = [r["service"]["rate"] / r["prepared"]["rate"] for r in rounds]
    md += [row(f"reservations, {CLIENTS} concurrent clients (processes, one persistent "
               f"connection each), {HOT_NXX} hot NXXs, {RUNS} rounds each, alternating (each "
               "first in one round)",
               "per round", "per second", "double allocations"),
           "|---|---:|---:|---:|",
           row("`numbers_reserve_quantity` (one prepared statement: draft FOR NO KEY UPDATE, "
               "numbers FOR UPDATE SKIP LOCKED, move, history row)", CLIENTS *
               RESERVATIONS_PER_CLIENT, _spread(rate["service"], ",.0f"),
               sum(r["service"]["doubles"] for r in rounds)),
           row("baseline: the same statement through psycopg, prepared", CLIENTS *
               RESERVATIONS_PER_CLIENT, _spread(rate["prepared"], ",.0f"),
               sum(r["prepared"]["doubles"] for r in rounds)),
           row("baseline: the same statement through psycopg, planned each call (pgbench's "
               "simple protocol)", CLIENTS * RESERVATIONS_PER_CLIENT,
               _spread(rate["plain"], ",.0f"), sum(r["plain"]["doubles"] for r in rounds)),
           "", "CPU per reservation in the same rounds (client processes: fork, connection "
           "and warm-up included, the same for all three): " + "; ".join(
               f"{label} {_spread([r[n]['postgres_us'] for r in rounds], '.0f')} us in "
               f"PostgreSQL, {_spread([r[n]['clients_us'] for r in rounds], '.0f')} us in the "
               "client" for n, label in (("service", "service"), ("prepared", "prepared "
                                                                  "baseline"))) + ".",
           "", f"The service reaches {_spread([100 * x for x in share], '.0f')} % of the same "
           "SQL's rate, prepared (round by round) - "
           f"{'met' if statistics.median(share) >= 0.9 else 'MISSED'} (target: at least 90 %). "
           f"Each reservation sends {big['statements']} statement(s). What bounds it: the 2 "
           "CPUs, shared by the 16 clients, PostgreSQL and other work; per reservation "
           "PostgreSQL locks the draft row, walks the partial index past the numbers other "
           "clients hold (SKIP LOCKED) or have just taken (dead index entries until vacuum), "
           "updates the number and inserts its history row, and commits (fsync on). The "
           "service's Python around the statement (cleaning the input, the cached tenancy "
           "filter and statement, the parameters, reading the rows) is what separates it from "
           "the bare statement: the client CPU above, on the same 2 CPUs PostgreSQL needs. Load "
           "average before / after each round: " + "; ".join(
               f"{r['load'][0]:.1f} / {r['load'][1]:.1f}" for r in rounds) + "."]
    markdown = "\n".join(md)
    print(markdown)
    write_section("numbers", markdown)
    growth = [row("DID search (service)", "p50 ms at 500k / 5M", "p95 ms at 500k / 5M",
                  "10x data: p50", "10x data: p95"), "|---|---:|---:|---:|---:|"]
    for kind, what in (("nxx", "NPA + NXX"), ("npa", "NPA only")):
        a = [statistics.median(r[kind]["service"][p] for r in small["search"])
             for p in ("50", "95")]
        b = [statistics.median(r[kind]["service"][p] for r in big["search"]) for p in ("50", "95")]
        md_row = row(f"`numbers_available`, {what}", f"{a[0]:.2f} / {b[0]:.2f}",
                     f"{a[1]:.2f} / {b[1]:.2f}", f"{b[0] / a[0]:.1f}x", f"{b[1] / a[1]:.1f}x")
        growth.append(md_row)
    write_section("growth_numbers", "\n".join(growth))


def _statements_per_reservation(order_id: int, prefix: tuple[str, str]) -> int:
    """Statements one reservation sends (BEGIN and COMMIT included); the draft is reset after."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orion.accounts.models import User
    from orion.numbers.services import numbers_reserve_quantity

    user = User.objects.get(username="bench-numbers")
    with CaptureQueriesContext(connection) as ctx:
        numbers_reserve_quantity(user=user, order_id=order_id, npa=prefix[0], nxx=prefix[1],
                                 quantity=1)
    _reset([order_id])
    return len(ctx.captured_queries)
