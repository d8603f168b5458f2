"""DID inventory at scale (issue 4): NPA/NXX search over 5,000,000 numbers, and reservations
with 16 concurrent clients, each beside a naive version in the same run.

Runs on its own database, ``orion_bench_numbers`` (embedded server, or the ``DATABASE_URL``
server), never on the dev or a test database. The first run migrates it and generates the
numbers with ``generate_series`` (a minute or two); later runs find them and only measure.

* search: ``orion.numbers.selectors.numbers_available`` (first page of free numbers of an
  NPA-NXX, and of a whole NPA), served by the partial index on available rows; naive: the same
  selector after ``DROP INDEX`` inside a transaction that is rolled back (nothing changes).
* reservations: 16 processes, each with its own persistent connection (opened before timing)
  and draft order, reserve one number at a time from the same few NXXs through
  ``numbers_reserve_quantity`` (row locks, SKIP LOCKED, history rows); naive: read a free row,
  then update it without a state check (what an ORM ``get`` + ``save`` does), counting the
  numbers handed to two clients. Service and naive alternate for ``ROUNDS`` rounds.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from bench._report import summary_ms, write_section

BENCH_DB = "orion_bench_numbers"
N_NPA, N_NXX, PER_NXX = 50, 10, 10_000  # 5,000,000 numbers
TOTAL = N_NPA * N_NXX * PER_NXX
CLIENTS = 16
RESERVATIONS_PER_CLIENT = 150
HOT_NXX = 4  # the clients all reserve from these NPA-NXX, so they contend
ROUNDS = 2  # service and naive runs, alternating
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


def _time_search(queries: list[tuple[str, str]]) -> list[float]:
    from orion.numbers.selectors import numbers_available

    samples = []
    for npa, nxx in queries:
        t0 = time.perf_counter()
        page = numbers_available(npa=npa, nxx=nxx, page=1, page_size=25)
        samples.append(time.perf_counter() - t0)
        assert page.numbers, (npa, nxx)
    return samples


def _time_search_without_index(queries: list[tuple[str, str]]) -> list[float]:
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX did_available_npa_nxx")
            cursor.execute("DROP INDEX did_npa_nxx_state")
        samples = _time_search(queries)
        transaction.set_rollback(True)
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


def _client_service(args: tuple[int, list[tuple[str, str]]]) -> list[str]:
    from orion.numbers.services import numbers_reserve_quantity

    order_id, hot = args
    user = _client["user"]
    got: list[str] = []
    rng = random.Random(order_id)
    for _ in range(RESERVATIONS_PER_CLIENT):
        npa, nxx = rng.choice(hot)
        got += numbers_reserve_quantity(user=user, order_id=order_id, npa=npa, nxx=nxx,
                                        quantity=1)
    return got


def _client_naive(args: tuple[int, list[tuple[str, str]]]) -> list[str]:
    from django.db import connection

    order_id, hot = args
    got: list[str] = []
    rng = random.Random(order_id)
    with connection.cursor() as cursor:
        for _ in range(RESERVATIONS_PER_CLIENT):
            npa, nxx = rng.choice(hot)
            cursor.execute("""SELECT id, e164 FROM numbers_did WHERE npa = %s AND nxx = %s
                              AND state = 'available' ORDER BY npa, nxx, e164 LIMIT 1""",
                           [npa, nxx])
            did_id, e164 = cursor.fetchone()
            cursor.execute("""UPDATE numbers_did SET state = 'reserved', order_id = %s,
                              reserved_until = now() + interval '30 minutes' WHERE id = %s""",
                           [order_id, did_id])
            got.append(e164)
    return got


def _run_clients(fn, drafts: list[int], hot: list[tuple[str, str]]) -> tuple[float, list[str]]:
    """Time ``fn`` in 16 processes whose connections, imports and user are ready beforehand.

    Each process opens its one persistent connection before the clock starts (the barrier makes
    every one of the 16 take a warm-up task), so the timing holds only the reservations.
    """
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(CLIENTS, initializer=_client_init, initargs=(ctx.Barrier(CLIENTS),)) as pool:
        pool.map(_client_ready, range(CLIENTS), chunksize=1)
        t0 = time.perf_counter()
        results = pool.map(fn, [(order_id, hot) for order_id in drafts], chunksize=1)
        elapsed = time.perf_counter() - t0
    return elapsed, [n for r in results for n in r]


def _client_init(barrier) -> None:
    _client["barrier"] = barrier


def _client_ready(_: int) -> None:
    from django.db import connection

    import orion.numbers.services  # noqa: F401  (imported here, not on the clock)
    from orion.accounts.models import User

    connection.ensure_connection()
    _client["user"] = User.objects.get(username="bench-numbers")
    _client["barrier"].wait(timeout=60)


def _doubles(got: list[str]) -> int:
    return sum(n - 1 for n in Counter(got).values() if n > 1)


def _history_rows(drafts: list[int]) -> int:
    from orion.numbers.models import DIDEvent

    return DIDEvent.objects.filter(order_id__in=drafts, to_state="reserved").count()


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


def main() -> None:
    _use_bench_database()
    _load()
    rng = random.Random(SEED)
    npas, nxxs = _npas(), _nxxs()
    nxx_queries = [(rng.choice(npas), rng.choice(nxxs)) for _ in range(400)]
    npa_queries = [(rng.choice(npas), "") for _ in range(200)]
    _time_search(nxx_queries[:20])  # warm the cache
    indexed_nxx = summary_ms(_time_search(nxx_queries))
    indexed_npa = summary_ms(_time_search(npa_queries))
    naive_nxx = summary_ms(_time_search_without_index(nxx_queries[:15]))
    naive_npa = summary_ms(_time_search_without_index(npa_queries[:15]))

    drafts = _bench_fixtures()
    hot = [(npas[i], nxxs[0]) for i in range(HOT_NXX)]
    _reset(drafts)
    statements = _statements_per_reservation(drafts[0], hot[0])
    total = CLIENTS * RESERVATIONS_PER_CLIENT
    load_before = os.getloadavg()[0]
    rounds = []  # service and naive alternate, so both see the same machine
    for _ in range(ROUNDS):
        _reset(drafts)
        service_s, service_got = _run_clients(_client_service, drafts, hot)
        history = _history_rows(drafts)
        _reset(drafts)
        naive_s, naive_got = _run_clients(_client_naive, drafts, hot)
        rounds.append((service_s, _doubles(service_got), len(service_got), history,
                       naive_s, _doubles(naive_got)))
    _reset(drafts)
    load_after = os.getloadavg()[0]
    service_s, service_dupes = min(r[0] for r in rounds), sum(r[1] for r in rounds)
    naive_s, naive_dupes = min(r[4] for r in rounds), sum(r[5] for r in rounds)
    assert all(r[2] == total for r in rounds), "a service client got fewer numbers than asked"
    assert all(r[3] == total for r in rounds), "a reservation without its history row"

    def row(*cells: object) -> str:
        return "| " + " | ".join(str(c) for c in cells) + " |"

    def stats(label: str, runs: int, st: dict[str, float], fmt: str = ".2f") -> str:
        return row(label, runs, *(format(st[k], fmt) for k in ("p50", "p95", "mean")))

    markdown = "\n".join([
        f"### DIDs: NPA/NXX search and reservations ({TOTAL:,} numbers, 80% available)",
        "",
        row("search (first page of 25 free numbers)", "runs", "p50 ms", "p95 ms", "mean ms"),
        "|---|---:|---:|---:|---:|",
        stats("`numbers_available` NPA + NXX (partial index)", len(nxx_queries), indexed_nxx),
        stats("`numbers_available` NPA only (partial index)", len(npa_queries), indexed_npa),
        stats("naive: NPA + NXX, no index", 15, naive_nxx, ".1f"),
        stats("naive: NPA only, no index", 15, naive_npa, ".1f"),
        "",
        "Target: p95 under 5 ms at the service layer.",
        "",
        row(f"reservations, {CLIENTS} concurrent clients (processes, one persistent "
            f"connection each), {HOT_NXX} hot NXXs, best of {ROUNDS} rounds",
            "reservations", "seconds", "per second", f"double allocations ({ROUNDS} rounds)"),
        "|---|---:|---:|---:|---:|",
        row("`numbers_reserve_quantity` (one statement: draft FOR UPDATE, numbers FOR UPDATE "
            "SKIP LOCKED, move, history row)", total, f"{service_s:.2f}",
            f"{total / service_s:,.0f}", service_dupes),
        row("naive read-then-write (no lock, no state check, no history, autocommit)", total,
            f"{naive_s:.2f}", f"{total / naive_s:,.0f}", naive_dupes),
        "",
        "Every round, service: " + "; ".join(
            f"{total / r[0]:,.0f}/s" for r in rounds) + ". Naive: " + "; ".join(
            f"{total / r[4]:,.0f}/s" for r in rounds) + ".",
        "",
        "Targets: at least 1,000 reservations/s; zero double allocations. Each reservation "
        f"sends {statements} statement(s), counted at the connection: one SQL statement (its "
        "own transaction) locks the client's draft (tenancy and draft state checked), then "
        "locks, moves and logs the number, all or none; every round checks that each client "
        "got its numbers and that each has its history row. "
        "Timed: the service-layer call only; the clients' connections, imports and user are "
        f"set up before the clock starts. Machine: {os.cpu_count()} CPUs shared by the "
        f"{CLIENTS} clients and PostgreSQL (fsync on), and by whatever else runs there: load "
        f"average {load_before:.1f} before and {load_after:.1f} after the reservation rounds.",
    ])
    print(markdown)
    write_section("numbers", markdown)
