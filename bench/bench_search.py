"""Account search at scale (issue 3): ``account_search`` on 1,000,000 accounts.

Runs on its own database, ``orion_bench`` (on the embedded server, or on the ``DATABASE_URL``
server when that is set), never on the dev database or a test database. The first run migrates
it and loads 250,000 enterprises and 750,000 customers with COPY (a minute or two); later runs
find the data and only measure.

Measured, in one process and one run:

* indexed: ``orion.accounts.selectors.account_search`` for a provider staff user (all
  partners) and a partner user (one partner's accounts), over a fixed mix of what agents type
  into the search bar: an account's full name, its first word and part of the second, a
  distinctive part of a word, the same in mixed case, and typos. Each user's queries come from
  accounts that user can see (an agent searches for their own customers);
* separately, common words ("Corporation", "LLC", "Inc" ...) that match tens of thousands of
  accounts: not what agents look for, but the worst case of the trigram index, so reported on
  their own row rather than left out;
* baseline: what a Django admin search does, ``name__icontains`` on both tables, first page,
  with index and bitmap scans switched off by ``SET LOCAL`` inside a transaction (nothing is
  changed permanently), so PostgreSQL scans the tables.

The figures go to the ``search`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import time

from bench._db import use_bench_database
from bench._report import summary_ms, write_section

BENCH_DB = "orion_bench"
DATASET_MARKER = "bench-dataset-v2"  # an inactive Partner row: change it to force a reload
SEED = 20261124

N_ENTERPRISES = 250_000
N_CUSTOMERS = 750_000  # each enterprise has 1-5 customers, 3 on average
N_ACCOUNTS = N_ENTERPRISES + N_CUSTOMERS
# Dropped before COPY and built once after it (see orion.accounts.models.name_search_indexes).
SEARCH_INDEXES = tuple(f"{table}_{kind}" for table in ("enterprise", "customer")
                       for kind in ("name_prefix", "partner_name_prefix", "name_trgm"))

INDEXED_RUNS = 320  # query strings in each user's mix
BASELINE_RUNS = 32  # each scan is slow: every 10th query of the same mix
COMMON_RUNS = 3  # each common word, per user
WARMUP_RUNS = 20
TARGET_P95_MS = 20.0
TARGET_RATIO = 50.0

# Partners of very different sizes: the partner user belongs to the second one.
PARTNERS = [
    ("Summit Voice Partners", 0.40),
    ("Bluewave Communications", 0.25),
    ("Keystone Telecom Solutions", 0.15),
    ("Redline Networks", 0.12),
    ("Harbor IT Group", 0.08),
]
SCOPED_PARTNER = 1

BRANDS = [
    "Acme", "Globex", "Northwind", "Initech", "Umbrella", "Contoso", "Fabrikam", "Hooli",
    "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Gringotts",
    "Dunder Mifflin", "Sterling Cooper", "Oceanic", "Pinnacle", "Vertex", "Apex", "Zenith",
    "Nimbus", "Quantum", "Ironclad", "Evergreen", "Silverline", "Redwood", "Bluestone",
    "Keystone", "Brightpath", "Clearview", "Trident", "Falcon", "Horizon", "Liberty", "Patriot",
    "Frontier", "Heritage", "Sapphire", "Cobalt", "Granite", "Meridian", "Paragon", "Sentinel",
    "Orbit", "Nova", "Lumen", "Atlas", "Beacon", "Cascade", "Crescent", "Emerald", "Fairway",
    "Gateway", "Harmony", "Juniper", "Landmark", "Monarch",
]
SURNAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Kowalski", "Okafor", "Lindqvist", "Fitzgerald", "O'Brien", "Schneider", "Yamamoto",
]
GEO = [
    "Pacific", "Atlantic", "Summit", "Blue Ridge", "Lakeside", "Riverside", "Mountain View",
    "Valley", "Coastal", "Prairie", "Golden Gate", "Bayview", "Northshore", "Southside",
    "Midwest", "Great Lakes", "Front Range", "Desert Sun", "Gulf Coast", "Tri-County",
    "Metro", "Capitol", "Harbor", "Pine Creek", "Cedar Hill", "Oak Park", "Willow Creek",
    "Rocky Mountain", "Sunbelt", "Piedmont",
]
INDUSTRIES = [
    "Dental", "Logistics", "Plumbing", "Law", "Realty", "Insurance", "Medical", "Construction",
    "Auto", "Veterinary", "Accounting", "Consulting", "Roofing", "Landscaping", "Hospitality",
    "Manufacturing", "Software", "Freight", "Pharmacy", "Bakery", "Electric", "HVAC",
    "Orthodontics", "Chiropractic", "Pediatrics", "Dermatology", "Title", "Mortgage",
    "Staffing", "Marketing", "Printing", "Catering", "Fitness", "Imaging", "Surgical",
    "Engineering", "Architecture", "Storage", "Moving", "Towing", "Flooring", "Cabinetry",
    "Solar", "Security", "Cleaning", "Pest Control", "Optometry", "Therapy", "Wealth",
    "Financial", "Capital", "Foods", "Brewing", "Farms", "Dairy", "Hardware", "Lumber",
    "Motors", "Aviation", "Marine",
]
SUFFIXES = [
    "Holdings", "Corporation", "Inc", "Inc.", "LLC", "Group", "Partners", "Associates", "Co.",
    "Services", "Solutions", "Company", "Ltd", "Enterprises", "Industries", "Systems",
    "International", "of America", "PLLC", "LLP",
]
CITIES = [
    ("Denver", "CO", "America/Denver"), ("Boulder", "CO", "America/Denver"),
    ("Phoenix", "AZ", "America/Phoenix"), ("Tucson", "AZ", "America/Phoenix"),
    ("Dallas", "TX", "America/Chicago"), ("Austin", "TX", "America/Chicago"),
    ("Houston", "TX", "America/Chicago"), ("San Antonio", "TX", "America/Chicago"),
    ("Chicago", "IL", "America/Chicago"), ("Naperville", "IL", "America/Chicago"),
    ("Minneapolis", "MN", "America/Chicago"), ("St. Louis", "MO", "America/Chicago"),
    ("Kansas City", "MO", "America/Chicago"), ("Omaha", "NE", "America/Chicago"),
    ("Nashville", "TN", "America/Chicago"), ("Memphis", "TN", "America/Chicago"),
    ("New Orleans", "LA", "America/Chicago"), ("Atlanta", "GA", "America/New_York"),
    ("Miami", "FL", "America/New_York"), ("Tampa", "FL", "America/New_York"),
    ("Orlando", "FL", "America/New_York"), ("Charlotte", "NC", "America/New_York"),
    ("Raleigh", "NC", "America/New_York"), ("Richmond", "VA", "America/New_York"),
    ("Baltimore", "MD", "America/New_York"), ("Philadelphia", "PA", "America/New_York"),
    ("Pittsburgh", "PA", "America/New_York"), ("Newark", "NJ", "America/New_York"),
    ("New York", "NY", "America/New_York"), ("Buffalo", "NY", "America/New_York"),
    ("Boston", "MA", "America/New_York"), ("Hartford", "CT", "America/New_York"),
    ("Columbus", "OH", "America/New_York"), ("Cleveland", "OH", "America/New_York"),
    ("Detroit", "MI", "America/Detroit"), ("Indianapolis", "IN", "America/Indiana/Indianapolis"),
    ("Louisville", "KY", "America/Kentucky/Louisville"), ("Seattle", "WA", "America/Los_Angeles"),
    ("Spokane", "WA", "America/Los_Angeles"), ("Portland", "OR", "America/Los_Angeles"),
    ("San Francisco", "CA", "America/Los_Angeles"), ("San Jose", "CA", "America/Los_Angeles"),
    ("Sacramento", "CA", "America/Los_Angeles"), ("Los Angeles", "CA", "America/Los_Angeles"),
    ("San Diego", "CA", "America/Los_Angeles"), ("Las Vegas", "NV", "America/Los_Angeles"),
    ("Salt Lake City", "UT", "America/Denver"), ("Boise", "ID", "America/Boise"),
    ("Albuquerque", "NM", "America/Denver"), ("Anchorage", "AK", "America/Anchorage"),
]
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Maria", "Wei", "Priya", "Ahmed", "Olga", "Kenji", "Amara",
]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Broadway", "Market St", "Elm St", "Park Blvd",
           "Lake Rd", "Hill St", "Commerce Way", "Industrial Pkwy", "Cedar Ln"]

# Words that match a large share of the accounts (2-8 % each): reported on their own row.
COMMON_WORDS = [
    "Holdings", "LLC", "Group", "Inc", "Services", "Dental", "Solutions", "Corporation",
    "Partners", "Smith", "Denver", "Logistics", "Company", "Medical", "Associates",
]
# Typed by mistake or looked up in vain: match next to nothing.
NO_MATCHES = ["Zyxel Quantum", "qzx", "xylophone", "Okafor Title Agcy", "Lindqvist Brewng"]


# --------------------------------------------------------------------------------- database


def _use_bench_database() -> None:
    use_bench_database(BENCH_DB, "bench_search")


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _dataset_present() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_enterprise),"
            "       (SELECT count(*) FROM accounts_customer),"
            "       EXISTS (SELECT 1 FROM accounts_partner WHERE name = %s)",
            [DATASET_MARKER],
        )
        enterprises, customers, marked = cursor.fetchone()
    return marked and enterprises == N_ENTERPRISES and customers == N_CUSTOMERS


def _company_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        name = f"{rng.choice(BRANDS)} {rng.choice(INDUSTRIES)} {rng.choice(SUFFIXES)}"
    elif roll < 0.45:
        name = f"{rng.choice(SURNAMES)} {rng.choice(INDUSTRIES)}"
        if rng.random() < 0.5:
            name += f" {rng.choice(SUFFIXES)}"
    elif roll < 0.60:
        name = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)} {rng.choice(SUFFIXES)}"
    elif roll < 0.75:
        name = f"{rng.choice(GEO)} {rng.choice(INDUSTRIES)} {rng.choice(SUFFIXES)}"
    elif roll < 0.85:
        name = f"{rng.choice(SURNAMES)} & Sons {rng.choice(INDUSTRIES)}"
    else:
        name = f"{rng.choice(BRANDS)} {rng.choice(SUFFIXES)}"
    if rng.random() < 0.2:
        name += f" - {rng.choice(CITIES)[0]}"
    return name[:80]


def _customer_counts(rng: random.Random) -> list[int]:
    counts = [rng.randint(1, 5) for _ in range(N_ENTERPRISES)]
    diff = N_CUSTOMERS - sum(counts)
    while diff:
        i = rng.randrange(N_ENTERPRISES)
        if diff > 0 and counts[i] < 5:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def _copy(cursor, sql: str, lines) -> None:
    chunk: list[str] = []
    with cursor.copy(sql) as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))


def _load_dataset() -> None:
    """Replace the accounts of the bench database by the generated million, with COPY."""
    from django.db import connection, transaction

    from orion.accounts.models import Partner

    rng = random.Random(SEED)
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE accounts_customer, accounts_domain, accounts_enterprise,"
                " accounts_partner RESTART IDENTITY CASCADE"
            )
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
                [list(SEARCH_INDEXES)],
            )
            search_indexes = dict(cursor.fetchall())
            missing = set(SEARCH_INDEXES) - set(search_indexes)
            if missing:
                raise SystemExit(f"bench_search: index(es) {sorted(missing)} not found; "
                                 "update SEARCH_INDEXES to the models' search indexes")
            # Building an index once is far faster than growing it row by row.
            cursor.execute("DROP INDEX " + ", ".join(search_indexes))
        partner_ids = [Partner.objects.create(name=name).pk for name, _ in PARTNERS]
        Partner.objects.create(name=DATASET_MARKER, is_active=False)
        weights = [share for _, share in PARTNERS]
        enterprise_partner = rng.choices(partner_ids, weights=weights, k=N_ENTERPRISES)
        enterprise_names = [_company_name(rng) for _ in range(N_ENTERPRISES)]
        counts = _customer_counts(rng)

        def enterprise_lines():
            for i in range(N_ENTERPRISES):
                eid = i + 1
                yield (f"{eid}\t{enterprise_partner[i]}\t{enterprise_names[i]}\t"
                       f"ent{eid:07d}\t2024-{1 + eid % 12:02d}-{1 + eid % 28:02d} 12:00:00+00\n")

        def customer_lines():
            cid = 0
            for i in range(N_ENTERPRISES):
                eid = i + 1
                base = enterprise_names[i].split(" - ")[0]
                slug = "".join(ch for ch in base.lower() if ch.isalnum())[:30] or "site"
                for n in range(counts[i]):
                    cid += 1
                    city, state, tz = rng.choice(CITIES)
                    if n == 0 and rng.random() < 0.6:
                        name = base  # the enterprise's own main site
                    elif rng.random() < 0.45:
                        name = f"{base} - {city}"[:80]  # another site of the enterprise
                    else:
                        name = _company_name(rng)  # an end customer of a reseller
                    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                    service = "trunking" if rng.random() < 0.2 else "hosted"
                    activated = (f"2025-{1 + cid % 12:02d}-{1 + cid % 28:02d} 09:00:00+00"
                                 if rng.random() < 0.8 else "\\N")
                    billing = activated[:10] if activated != "\\N" else "\\N"
                    yield (
                        f"{cid}\t{eid}\t{enterprise_partner[i]}\t{name}\tgrp{n + 1:02d}\t"
                        f"{service}\t"
                        f"{rng.randint(1, 9999)} {rng.choice(STREETS)}\t\t{city}\t{state}\t"
                        f"{rng.randint(10000, 99999)}\t{first} {last}\t"
                        f"+1 {rng.randint(201, 989)} 555 {rng.randint(0, 9999):04d}\t"
                        f"{first.lower()}.{last.lower().replace(chr(39), '')}@{slug}.example\t"
                        f"{slug}.example\t{tz}\t{billing}\t{activated}\t"
                        f"2025-{1 + cid % 12:02d}-{1 + cid % 28:02d} 08:00:00+00\n"
                    )

        connection.ensure_connection()
        with connection.connection.cursor() as raw:
            raw.execute("SET LOCAL synchronous_commit = off")
            raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
            _copy(raw, "COPY accounts_enterprise (id, partner_id, name, bw_service_provider_id,"
                       " created_at) FROM STDIN", enterprise_lines())
            print(f"   enterprises loaded ({time.perf_counter() - started:.0f} s)", flush=True)
            _copy(raw, "COPY accounts_customer (id, enterprise_id, partner_id, name, bw_group_id,"
                       " service_type, address_line1, address_line2, city, state, zip_code,"
                       " contact_name, contact_phone, contact_email, domain, time_zone,"
                       " billing_start_date, activated_at, created_at) FROM STDIN",
                  customer_lines())
            print(f"   customers loaded ({time.perf_counter() - started:.0f} s)", flush=True)
            for table in ("accounts_enterprise", "accounts_customer"):
                raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            # Django's foreign keys are deferred: check them now, CREATE INDEX refuses to run
            # on a table with pending trigger events.
            raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for indexdef in search_indexes.values():
                raw.execute(indexdef)
            print(f"   search indexes built ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        for table in ("accounts_partner", "accounts_enterprise", "accounts_customer"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _users():
    from orion.accounts.models import Partner, User

    partner = Partner.objects.get(name=PARTNERS[SCOPED_PARTNER][0])
    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "partner": None}
    )
    agent, _ = User.objects.get_or_create(
        username="bench-agent", defaults={"is_staff": False, "partner": partner}
    )
    if agent.partner_id != partner.pk:
        agent.partner = partner
        agent.save(update_fields=["partner"])
    return staff, agent, partner


# ----------------------------------------------------------------------------- query mix


def _mixed_case(rng: random.Random, text: str) -> str:
    style = rng.randrange(3)
    if style == 0:
        return text.lower()
    if style == 1:
        return text.upper()
    return "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text)


def _visible_names(rng: random.Random, partner_id: int | None, count: int) -> list[str]:
    """Names of ``count`` accounts (a quarter enterprises) the user can see, fixed by the seed."""
    from orion.accounts.models import Customer, Enterprise

    names: list[str] = []
    for model, share in ((Enterprise, 0.25), (Customer, 0.75)):
        queryset = model.objects.all()
        if partner_id is not None:
            queryset = queryset.filter(partner_id=partner_id)
        ids = list(queryset.order_by("id").values_list("id", flat=True))
        picked = rng.sample(ids, round(count * share))
        by_id = dict(model.objects.filter(pk__in=picked).values_list("id", "name"))
        names += [by_id[pk] for pk in picked]
    rng.shuffle(names)
    return names


def _first_word_and_part(rng: random.Random, name: str) -> str:
    words = [w for w in name.split() if w not in ("&", "-")]
    if len(words) < 2:
        return name
    second = words[1]
    return f"{words[0]} {second[:rng.randint(2, max(2, len(second) - 1))]}"


def _distinctive_part(rng: random.Random, name: str) -> str:
    """Part of the name's first word (a brand, surname or region: what tells accounts apart)."""
    word = name.split()[0]
    if len(word) <= 4:
        return word
    size = rng.randint(4, min(7, len(word)))
    if rng.random() < 0.7:
        return word[:size]  # the beginning, as people type
    start = rng.randint(1, len(word) - size) if len(word) > size else 0
    return word[start:start + size]  # a remembered piece


def _typo(rng: random.Random, name: str) -> str:
    if rng.random() < 0.3:
        return rng.choice(NO_MATCHES)
    text = name.split(" - ")[0]
    i = rng.randrange(1, max(2, len(text) - 1))
    return text[:i] + text[i + 1:]  # one letter left out


def _query_mix(partner_id: int | None) -> list[tuple[str, str]]:
    """(kind, query string) pairs for a user of ``partner_id`` (None: provider staff)."""
    rng = random.Random(SEED + 1 + (partner_id or 0))
    names = iter(_visible_names(rng, partner_id, INDEXED_RUNS))
    makers = [
        ("full name", 80, lambda name: name),
        ("first word + part of the second", 64, lambda name: _first_word_and_part(rng, name)),
        ("distinctive part of a word", 96, lambda name: _distinctive_part(rng, name)),
        ("mixed case", 48, None),
        ("typo or no match", 32, lambda name: _typo(rng, name)),
    ]
    mix: list[tuple[str, str]] = []
    for kind, count, make in makers:
        for _ in range(count):
            name = next(names)
            if make is None:
                _, _, other = rng.choice(makers[:3])
                mix.append((kind, _mixed_case(rng, other(name))))
            else:
                mix.append((kind, make(name)))
    rng.shuffle(mix)
    assert len(mix) == INDEXED_RUNS
    return mix


def _common_mix() -> list[str]:
    return [word for word in COMMON_WORDS for _ in range(COMMON_RUNS)]


# ------------------------------------------------------------------------------- measuring


def _time_indexed(user, queries) -> list[float]:
    from orion.accounts.search import account_search

    samples = []
    for query in queries:
        started = time.perf_counter()
        account_search(user=user, query=query, page=1, page_size=25)
        samples.append(time.perf_counter() - started)
    return samples


def _time_admin_scan(user, queries) -> list[float]:
    """What the Django admin's search does: icontains on both tables, first page, no index."""
    from django.db import connection, transaction

    from orion.accounts.models import Customer, Enterprise

    samples = []
    for query in queries:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL enable_indexonlyscan = off")
            started = time.perf_counter()
            list(Enterprise.objects.visible_to(user).filter(name__icontains=query)
                 .select_related("partner")[:25])
            list(Customer.objects.visible_to(user).filter(name__icontains=query)
                 .select_related("enterprise__partner")[:25])
            samples.append(time.perf_counter() - started)
    return samples


def _explain(user, query: str) -> str:
    from orion.accounts.search import search_plans

    plans = search_plans(user=user, query=query, analyze=True)
    return "\n\n".join(f"-- statement: {name}\n{plan}" for name, plan in plans.items())


def _match_count(query: str) -> int:
    from django.db import connection

    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_enterprise WHERE name ILIKE %s)"
            "     + (SELECT count(*) FROM accounts_customer WHERE name ILIKE %s)",
            [pattern, pattern],
        )
        return cursor.fetchone()[0]


def _server_note() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    where = "DATABASE_URL server" if os.environ.get("DATABASE_URL") else "embedded server"
    return (f"PostgreSQL {version} ({where}, same machine, Unix socket or local TCP; "
            + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")")


def _row(label: str, runs: int, stats: dict[str, float]) -> str:
    return (f"| {label} | {runs} | {stats['p50']:.2f} | {stats['p95']:.2f} | "
            f"{stats['mean']:.2f} |")


# ------------------------------------------------------------------------------------ main


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    wall = time.perf_counter()
    _use_bench_database()
    _migrate()
    if _dataset_present():
        print(f"   reusing the {N_ACCOUNTS:,} accounts already in {BENCH_DB}", flush=True)
        loaded = "reused from an earlier run"
    else:
        print(f"   loading {N_ACCOUNTS:,} accounts into {BENCH_DB} ...", flush=True)
        started = time.perf_counter()
        _load_dataset()
        loaded = f"loaded by this run in {time.perf_counter() - started:.0f} s (COPY)"
        print(f"   {loaded}", flush=True)

    from django.db import connection

    from orion.accounts.search import account_search

    staff, agent, partner = _users()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_enterprise WHERE partner_id = %s),"
            "       (SELECT count(*) FROM accounts_customer WHERE partner_id = %s)",
            [partner.pk, partner.pk])
        partner_enterprises, partner_customers = cursor.fetchone()

    mixes = {"staff": _query_mix(None), "partner": _query_mix(partner.pk)}
    users = {"staff": staff, "partner": agent}
    common = _common_mix()

    # Warm the caches (plans, index and heap pages) before timing anything.
    for label, user in users.items():
        for _, query in mixes[label][:WARMUP_RUNS]:
            account_search(user=user, query=query)

    results = {}
    for label, user in users.items():
        mix = mixes[label]
        print(f"   {label}: {len(mix)} realistic + {len(common)} common-word queries, "
              f"{BASELINE_RUNS} + {len(COMMON_WORDS)} scans ...", flush=True)
        samples = _time_indexed(user, [query for _, query in mix])
        common_samples = _time_indexed(user, common)
        step = len(mix) // BASELINE_RUNS
        baseline_queries = [query for _, query in mix[::step][:BASELINE_RUNS]]
        scans = _time_admin_scan(user, baseline_queries)
        common_scans = _time_admin_scan(user, COMMON_WORDS)
        results[label] = {
            "samples": samples, "common": common_samples,
            "s": summary_ms(samples), "s_common": summary_ms(common_samples),
            "s_subset": summary_ms(samples[::step][:BASELINE_RUNS]),
            "s_scan": summary_ms(scans), "s_common_scan": summary_ms(common_scans),
            "n_scan": len(scans),
        }
        r = results[label]
        r["ratio"] = r["s_scan"]["p95"] / r["s"]["p95"]
        r["ratio_common"] = r["s_common_scan"]["p95"] / r["s_common"]["p95"]
        r["met_latency"] = r["s"]["p95"] < TARGET_P95_MS
        r["met_ratio"] = r["ratio"] >= TARGET_RATIO

    kinds = list(dict.fromkeys(kind for kind, _ in mixes["staff"]))
    by_kind_rows = []
    for kind in kinds:
        cells = []
        for label in users:
            picked = [t for (k, _), t in zip(mixes[label], results[label]["samples"]) if k == kind]
            st = summary_ms(picked)
            cells.append(f"{st['p50']:.2f} / {st['p95']:.2f}")
        examples = ", ".join(
            f"`{q}`" for q in list(dict.fromkeys(q for k, q in mixes["partner"] if k == kind))[:3])
        count = sum(1 for k, _ in mixes["staff"] if k == kind)
        by_kind_rows.append(f"| {kind} | {count} | {examples} | {cells[0]} | {cells[1]} |")

    slow_rows = []
    for label in users:
        timed = sorted(zip(results[label]["samples"], mixes[label]), reverse=True)[:4]
        slow_rows += [f"| {label} | `{q}` | {kind} | {t * 1000:.1f} | {_match_count(q):,} |"
                      for t, (kind, q) in timed]
    common_slow = sorted(zip(results["staff"]["common"], common), reverse=True)[:3]
    slow_rows += [f"| staff | `{q}` | common word | {t * 1000:.1f} | {_match_count(q):,} |"
                  for t, q in common_slow]

    full_name = next(q for k, q in mixes["partner"] if k == "full name")
    explain_full = _explain(agent, full_name)
    explain_common = _explain(staff, "Corporation")
    st, ag = results["staff"], results["partner"]
    met_all = all(r["met_latency"] and r["met_ratio"] for r in results.values())

    md = [
        "## Account search (issue 3)",
        "",
        f"**Dataset**: {N_ACCOUNTS:,} accounts in the `{BENCH_DB}` database "
        f"({loaded}): {N_ENTERPRISES:,} enterprises with 1-5 customers each "
        f"({N_CUSTOMERS:,} customers), under {len(PARTNERS)} partners of 8-40 % each. Names "
        "are combinations of word lists (brands such as Acme, Globex, Northwind; surnames; "
        "regions; industries; Holdings, Corporation, LLC ...; 20 % with a city suffix such as "
        "` - Denver`; many customers are the enterprise's name or `<enterprise> - <city>`). "
        f"The partner user's partner ({partner.name}) has {partner_enterprises:,} enterprises "
        f"and {partner_customers:,} customers.",
        "",
        f"**Machine**: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}; {_server_note()}. Warm cache "
        f"({WARMUP_RUNS} untimed queries per user first); times are wall-clock around the "
        "Python call, so they include Django's cursor, every statement and row fetching.",
        "",
        "**Design** (`orion.accounts.selectors.account_search`): tiers run one after another "
        "until the page is full: exact and prefix matches from a `lower(name) "
        "text_pattern_ops` B-tree (index-only), then names with the query at a word start, "
        "then anywhere, from the `(partner_id, name gin_trgm_ops)` GIN index (btree_gin) "
        "narrowed by two uncommon-looking trigrams per query word and checked exactly on the "
        "candidates. Each tier ranks only whole windows of its index stream that the page "
        "needs; enterprise, partner and city are joined for the page's rows only. Customers "
        "carry `partner_id` (kept equal to the enterprise's by a composite foreign key), so "
        "a partner's search never joins.",
        "",
        f"**Realistic mix**: {INDEXED_RUNS} query strings per user (fixed seed), drawn from "
        "accounts that user can see, page 1 of 25:",
        "",
        "| kind | count | examples (partner user) | staff p50 / p95 ms | partner p50 / p95 ms |",
        "|---|---:|---|---:|---:|",
        *by_kind_rows,
        "",
        "### Results",
        "",
        "| statement | runs | p50 ms | p95 ms | mean ms |",
        "|---|---:|---:|---:|---:|",
        _row("`account_search`, realistic mix, staff (all partners)", INDEXED_RUNS, st["s"]),
        _row("`account_search`, realistic mix, partner user (scoped)", INDEXED_RUNS, ag["s"]),
        _row("`account_search`, staff, only the baseline's queries", st["n_scan"],
             st["s_subset"]),
        _row("`account_search`, partner user, only the baseline's queries", ag["n_scan"],
             ag["s_subset"]),
        _row("baseline: admin-style `name__icontains` scan, staff", st["n_scan"], st["s_scan"]),
        _row("baseline: admin-style `name__icontains` scan, partner user", ag["n_scan"],
             ag["s_scan"]),
        _row("`account_search`, common words, staff", len(common), st["s_common"]),
        _row("`account_search`, common words, partner user", len(common), ag["s_common"]),
        _row("baseline: admin-style scan, common words, staff", len(COMMON_WORDS),
             st["s_common_scan"]),
        _row("baseline: admin-style scan, common words, partner user", len(COMMON_WORDS),
             ag["s_common_scan"]),
        "",
        f"The baseline runs every {len(mixes['staff']) // BASELINE_RUNS}th query of the same "
        "mix, inside a transaction with `SET LOCAL enable_bitmapscan = off; SET LOCAL "
        "enable_indexscan = off; SET LOCAL enable_indexonlyscan = off`, so PostgreSQL scans; "
        "nothing is changed permanently. It is two ORM queries (`Enterprise` and `Customer` "
        "filtered by `name__icontains`, first 25 each), as the Django admin runs them. For a "
        "common word the scan stops after 25 rows, so there it is fast.",
        "",
        f"**Ratio p95 scan / p95 indexed (realistic mix)**: staff {st['ratio']:.1f}x, partner "
        f"user {ag['ratio']:.1f}x (target: at least {TARGET_RATIO:.0f}x - "
        f"{_verdict(st['met_ratio'] and ag['met_ratio'])}).",
        "",
        f"**Indexed p95 (realistic mix)**: staff {st['s']['p95']:.2f} ms, partner user "
        f"{ag['s']['p95']:.2f} ms (target: under {TARGET_P95_MS:.0f} ms - "
        f"{_verdict(st['met_latency'] and ag['met_latency'])}).",
        "",
        f"**Common words** (not in the targets): p95 staff {st['s_common']['p95']:.2f} ms, "
        f"partner user {ag['s_common']['p95']:.2f} ms; the admin-style scan stops early on "
        f"them (p95 {st['s_common_scan']['p95']:.1f} / {ag['s_common_scan']['p95']:.1f} ms), "
        f"ratio {st['ratio_common']:.1f}x / {ag['ratio_common']:.1f}x.",
        "",
        "Slowest queries and how many accounts (all partners) their pattern matches:",
        "",
        "| user | query | kind | ms | matching accounts |",
        "|---|---|---|---:|---:|",
        *slow_rows,
        "",
        f"### EXPLAIN ANALYZE of `account_search(query={full_name!r})`, partner user",
        "",
        "Every statement this query can run (the search stops after the one that fills the "
        "page): `prefix` reads `customer_partner_name_prefix` / "
        "`enterprise_partner_name_prefix` (Index Only Scan); the others are Bitmap Index "
        "Scans on the GIN indexes `enterprise_name_trgm` and `customer_name_trgm`.",
        "",
        "```",
        explain_full,
        "```",
        "",
        "### EXPLAIN ANALYZE of `account_search(query='Corporation')`, staff",
        "",
        "```",
        explain_common,
        "```",
    ]
    total = time.perf_counter() - wall
    md += ["", f"_Benchmark wall time: {total:.0f} s._"]
    write_section("search", "\n".join(md))

    for label in users:
        r = results[label]
        print(f"   {label}: realistic p50/p95 {r['s']['p50']:.2f}/{r['s']['p95']:.2f} ms, "
              f"scan p95 {r['s_scan']['p95']:.1f} ms, ratio {r['ratio']:.1f}x; common words "
              f"p50/p95 {r['s_common']['p50']:.2f}/{r['s_common']['p95']:.2f} ms", flush=True)
    print(f"   targets {'met' if met_all else 'MISSED'}; "
          f"mean of all realistic {statistics.fmean(st['samples'] + ag['samples']) * 1000:.2f} "
          f"ms; wrote docs/benchmarks.md section 'search' ({total:.0f} s)", flush=True)
