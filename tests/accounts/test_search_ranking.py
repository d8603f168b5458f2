"""The search's ranking tiers, windows and pagination, and the customer's partner invariant."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from orion.accounts import search as selectors
from orion.accounts.models import Customer
from orion.accounts.search import account_search
from tests import factories as f


def _names(user, query, **kwargs) -> list[tuple[str, str]]:
    return [(hit.role, hit.name) for hit in account_search(user=user, query=query, **kwargs).hits]


def _all_pages(user, query, page_size) -> list[tuple[str, int]]:
    seen, page = [], 1
    while True:
        result = account_search(user=user, query=query, page=page, page_size=page_size)
        assert len(result.hits) == page_size or not result.has_next
        seen += [(hit.role, hit.id) for hit in result.hits]
        if not result.has_next:
            return seen
        page += 1


@pytest.fixture(autouse=True)
def _probe_small_tables(monkeypatch):
    """The density probe runs here whatever the tables' size (by default only from
    PROBE_MIN_PAGES pages, far more than a test's tables): the probe's paths are the ones
    under test. ``test_small_tables_skip_the_probe`` puts the default back."""
    monkeypatch.setattr(selectors, "PROBE_MIN_PAGES", 0)


@pytest.fixture
def harbor(db):
    """One partner's accounts whose names fall in every tier for the query "harbor"."""
    partner = f.make_partner("Harbor Partner")
    user = f.make_user(partner=partner)
    enterprise = f.make_enterprise(partner=partner, name="Harbor")  # exact
    for name in ("Harborview Dental", "Harbor Inc", "Blue Harbor", "Old Harbor Co",
                 "Shipharbor Ltd", "Bigharbor", "HARBOR", "harbor x"):
        f.make_customer(enterprise=enterprise, name=name)
    return user


@pytest.mark.django_db
def test_tiers_then_shorter_names_then_alphabetical(harbor):
    assert _names(harbor, "harbor") == [
        # 1. equal to the query (any case): Enterprise before Customer on the same name
        ("Enterprise", "Harbor"), ("Customer", "HARBOR"),
        # 2. starting with it: shorter first, then alphabetical
        ("Customer", "harbor x"), ("Customer", "Harbor Inc"), ("Customer", "Harborview Dental"),
        # 3. a later word starts with it
        ("Customer", "Blue Harbor"), ("Customer", "Old Harbor Co"),
        # 4. inside a word
        ("Customer", "Bigharbor"), ("Customer", "Shipharbor Ltd"),
    ]


@pytest.mark.django_db
def test_short_queries_search_prefixes_only(harbor):
    assert [name for _, name in _names(harbor, "ha")] == [
        "Harbor", "HARBOR", "harbor x", "Harbor Inc", "Harborview Dental"]
    assert _names(harbor, "or") == []  # inside words: needs three letters
    inside = _names(harbor, "rbo")  # three letters: every name matches inside a word
    assert inside[:3] == [
        ("Enterprise", "Harbor"), ("Customer", "HARBOR"), ("Customer", "harbor x")]
    assert len(inside) == 9
    assert [name for _, name in _names(harbor, "Old Ha")] == ["Old Harbor Co"]
    assert [name for _, name in _names(harbor, "d har")] == ["Old Harbor Co"]


@pytest.mark.django_db
def test_pages_follow_the_ranking_across_tiers(harbor):
    everything = [(h.role, h.id) for h in
                  account_search(user=harbor, query="harbor", page_size=50).hits]
    assert len(everything) == 9
    for page_size in (1, 2, 3, 4, 8, 9):
        assert _all_pages(harbor, "harbor", page_size) == everything
    assert not account_search(user=harbor, query="harbor", page=2, page_size=9).hits


@pytest.mark.django_db
def test_windows_bound_the_ranking_and_keep_pages_consistent(monkeypatch, harbor):
    """Tiers bigger than a window are ranked per window of their stream, and pages still
    neither overlap nor skip."""
    enterprise = f.make_enterprise(partner=harbor.partner, name="Other")
    for n in range(12):
        f.make_customer(enterprise=enterprise, name=f"Bay Harbor {'x' * (12 - n)}")
        f.make_customer(enterprise=enterprise, name=f"Portharbor {'y' * (12 - n)}")
        f.make_customer(enterprise=enterprise, name=f"Harbor Town {'z' * (12 - n)}")
    monkeypatch.setattr(selectors, "PREFIX_WINDOW", 4)
    monkeypatch.setattr(selectors, "CONTAINS_WINDOW", 4)
    everything = [(h.role, h.id) for h in
                  account_search(user=harbor, query="harbor", page_size=200).hits]
    assert len(everything) == 9 + 36 and len(set(everything)) == len(everything)
    for page_size in (1, 3, 5, 7, 25):
        assert _all_pages(harbor, "harbor", page_size) == everything
    # Tiers stay in order; inside a tier only each window is sorted by length.
    ranked = _names(harbor, "harbor", page_size=200)
    tiers = ["exact" if n.lower() == "harbor" else "prefix" if n.lower().startswith("harbor")
             else "word" if " harbor" in n.lower() else "inside" for _, n in ranked]
    assert tiers == sorted(tiers, key=["exact", "prefix", "word", "inside"].index)


@pytest.mark.django_db
def test_partner_user_never_sees_another_partners_accounts(harbor, tenant_a, staff):
    f.make_customer(enterprise=tenant_a.enterprise, name="Harbor Acme")
    assert all(h.partner_name == "Harbor Partner"
               for h in account_search(user=harbor, query="harbor", page_size=100).hits)
    assert ("Customer", "Harbor Acme") not in _names(harbor, "harbor", page_size=100)
    assert ("Customer", "Harbor Acme") in _names(staff, "harbor", page_size=100)
    assert _names(tenant_a.user, "harbor") == [("Customer", "Harbor Acme")]


@pytest.mark.django_db
def test_search_inside_a_transaction_leaves_its_settings(harbor):
    with transaction.atomic():
        account_search(user=harbor, query="harbor")
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] != "0"


@pytest.mark.django_db
def test_customer_partner_is_the_enterprise_partner(tenant_a, tenant_b):
    assert tenant_a.customer.partner_id == tenant_a.partner.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(
            enterprise=tenant_a.enterprise, partner=tenant_b.partner, name="Mismatch",
            bw_group_id="mismatch", address_line1="1 Main", city="X", state="NY",
            zip_code="10001", contact_name="n", contact_phone="1", contact_email="a@b.example",
            time_zone="America/New_York")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=tenant_a.customer.pk).update(partner=tenant_b.partner)


@pytest.mark.django_db
def test_moving_an_enterprise_moves_its_customers(tenant_a, tenant_b):
    tenant_a.enterprise.partner = tenant_b.partner
    tenant_a.enterprise.save(update_fields=["partner"])
    assert set(Customer.objects.filter(enterprise=tenant_a.enterprise)
               .values_list("partner_id", flat=True)) == {tenant_b.partner.pk}
    assert {h.name for h in account_search(user=tenant_b.user, query="acme corp").hits} == {
        "Acme Corporation", "Acme Corporation - Denver"}
    assert account_search(user=tenant_a.user, query="acme corp").hits == []


def test_density_probe_counts_word_starts_apart():
    """A query found only inside words ("rontier" in "Frontier") has no tier-3 matches on
    the first pages: tier 3 must not be read densely from a prediction made of tier 4."""
    density = selectors._Density(found=(40, 60), word=(0, 3), pages=(500, 1500))
    assert selectors._dense_bounds(density, statement="contains", fetch=100)
    assert selectors._dense_bounds(density, statement="inside", fetch=100)
    assert selectors._dense_bounds(density, statement="word", fetch=100) == {}
    assert density.of("inside") == (40, 57)


@pytest.mark.django_db
def test_word_start_outranks_many_inside_matches(harbor):
    enterprise = f.make_enterprise(partner=harbor.partner, name="Frontier Holdings")
    for n in range(30):
        f.make_customer(enterprise=enterprise, name=f"Frontier Branch {n}")
    f.make_customer(enterprise=enterprise, name="Big Rontier Supply")
    ranked = _names(harbor, "rontier", page_size=5)
    assert ranked[0] == ("Customer", "Big Rontier Supply")
    assert len(_all_pages(harbor, "rontier", 7)) == 32


@pytest.mark.django_db
def test_dense_and_gin_statements_return_the_same_pages(monkeypatch, harbor):
    """The dense form (first pages in physical order) is only a faster way to the rows the
    GIN statement returns first: forced on, every page is the same."""
    enterprise = f.make_enterprise(partner=harbor.partner, name="Dense Harbor Group")
    for n in range(40):
        f.make_customer(enterprise=enterprise, name=f"Bayharbor {n} Marine")
        f.make_customer(enterprise=enterprise, name=f"Old Harbor {n}")
    monkeypatch.setattr(selectors, "CONTAINS_WINDOW", 8)
    monkeypatch.setattr(selectors, "PREFIX_WINDOW", 8)
    used = []
    real = selectors._dense_bounds

    def counted(*args, **kwargs):
        bounds = real(*args, **kwargs)
        used.append(bool(bounds))
        return bounds

    monkeypatch.setattr(selectors, "_dense_bounds", counted)
    # Earlier tests leave pages behind in the tables: the probe and the dense read cover
    # them all here, so where this test's rows land physically does not matter.
    monkeypatch.setattr(selectors, "PROBE_PAGES", 10**6)
    monkeypatch.setattr(selectors, "DENSE_MAX_PAGES", 10**12)
    monkeypatch.setattr(selectors, "DENSE_MATCHES_PER_PAGE", 10**9)  # never dense
    gin = {size: _all_pages(harbor, "arbor", size) for size in (5, 9, 30)}
    assert not any(used)
    monkeypatch.setattr(selectors, "DENSE_MATCHES_PER_PAGE", 0)  # dense whenever it can
    used.clear()
    assert {size: _all_pages(harbor, "arbor", size) for size in (5, 9, 30)} == gin
    assert any(used)
    assert len(gin[30]) == 9 + 80 + 1


@pytest.mark.django_db
def test_prefix_filling_the_page_skips_the_probe(monkeypatch, harbor):
    """The density probe runs only when the name prefixes cannot fill the page."""
    enterprise = f.make_enterprise(partner=harbor.partner, name="Probe Test")
    for n in range(30):
        f.make_customer(enterprise=enterprise, name=f"Harbor Branch {n}")
    monkeypatch.setattr(selectors, "PROBE_PAGES", 10**6)  # every page, wherever rows land
    probes = []
    real = selectors._Density
    monkeypatch.setattr(selectors, "_Density", lambda **kw: probes.append(kw) or real(**kw))
    page = account_search(user=harbor, query="harbor", page_size=10)
    assert len(page.hits) == 10 and page.has_next and probes == []
    assert all(hit.name.lower().startswith("harbor") for hit in page.hits)
    everything = account_search(user=harbor, query="harbor", page_size=100)
    assert len(everything.hits) == 9 + 30 and len(probes) == 1
    assert probes[0]["found"] == (1, 38)
    inside = account_search(user=harbor, query="arbor", page_size=10)
    assert len(probes) == 2 and len(inside.hits) == 10


@pytest.fixture
def crowded(harbor):
    """Besides ``harbor``'s tiers: more matches than a window in tiers 3 and 4, names of other
    partners, a cancelled account, and names with LIKE wildcards and two-letter words."""
    enterprise = f.make_enterprise(partner=harbor.partner, name="Crowded Harbor Holdings")
    for n in range(24):
        f.make_customer(enterprise=enterprise, name=f"Bay Harbor {n:02d} Marine")
        f.make_customer(enterprise=enterprise, name=f"Portharbor {n:02d}")
    for name in ("Harbor 100% Foods", "Harbor_Works", "Of Ha Harbor Co", "Gone Harbor",
                 "O'Harbor \\ Sons", "<b>Harbor</b> & Co"):
        f.make_customer(enterprise=enterprise, name=name)
    Customer.objects.filter(name="Gone Harbor").update(cancelled_at="2026-01-01T00:00:00Z")
    other = f.make_enterprise(partner=f.make_partner("Other Partner"), name="Harbor Elsewhere")
    f.make_customer(enterprise=other, name="Harbor Elsewhere - Boston")
    return harbor


@pytest.mark.django_db
def test_one_trip_pages_equal_the_tier_statements(monkeypatch, crowded, staff):
    """The one-trip first page (``_one_trip``) is only a faster way to the same page: for
    every query, user and page size it returns what the tier statements return, and it is
    what most first pages use."""
    queries = ["harbor", "Harbor", "arbor", "Bay Harbor", "harbor 1", "ha", "Ha Har", "100%",
               "harbor_", "rbo", "Portharbor 07", "Elsewhere", "zzz no match", "of ha ha",
               "HARBOR CO", "x", "O'Harbor \\", "<b>harbor", "harbor & co", "\\"]
    sizes = (1, 5, 10, 25)
    trips = []
    real = selectors._one_trip

    def counted(*args, **kwargs):
        trip = real(*args, **kwargs)
        trips.append(trip.hits is not None)
        return trip

    monkeypatch.setattr(selectors, "_one_trip", counted)
    fast = {(user.pk, q, size, page): account_search(user=user, query=q, page=page,
                                                      page_size=size)
            for user in (crowded, staff) for q in queries for size in sizes for page in (1, 2)}
    assert sum(trips) > len(trips) / 2  # most pages were answered in one trip
    assert not all(trips)  # and some went on with the tier statements
    monkeypatch.setattr(selectors, "one_trip_params", lambda **kwargs: None)
    slow = {key: account_search(user=key_user, query=key[1], page=key[3], page_size=key[2])
            for key_user in (crowded, staff)
            for key in [k for k in fast if k[0] == key_user.pk]}
    assert fast == slow
    assert not any(h.name == "Gone Harbor" for page in fast.values() for h in page.hits)
    assert not any(h.partner_name == "Other Partner" for (pk, *_), page in fast.items()
                   if pk == crowded.pk for h in page.hits)


@pytest.mark.django_db
def test_one_trip_reads_tiers_3_and_4_only_when_the_probe_finds_few(crowded):
    """A probe that finds the query dense keeps the one-trip statement off the tables for
    tiers 3 and 4 (a common word's GIN scan; the tier statements then read the first pages
    instead); a sparse one reads them."""
    def contains_scans(dense_rows):
        plan = _explain_one_trip(crowded, "arbor", dense_rows=dense_rows)
        block = plan.split("\n  CTE contains\n", 1)[1].split("\n  CTE ", 1)[0]
        return [line for line in block.splitlines() if "Scan on accounts_" in line
                or "Scan using" in line]

    dense = contains_scans(0)  # every count is at least 0: dense
    assert dense and all("never executed" in line for line in dense), dense
    sparse = contains_scans(10**9)
    assert sparse and not any("never executed" in line for line in sparse), sparse


def _explain_one_trip(user, query, *, dense_rows: int) -> str:
    params = selectors.one_trip_params(query=query, contains=True, wanted=26, offset=0,
                                       page_size=25, partner_id=user.partner_id)
    assert params is not None
    sql = selectors.one_trip_sql(scoped=True, contains=True, keys=selectors._key_count(params))
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in selectors._ONE_TRIP_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params | {"dense_rows": dense_rows})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


@pytest.mark.django_db(transaction=True)
def test_a_lost_server_during_a_search_is_djangos_error_and_the_next_search_works():
    """The database restarting under the web: the search's pipelined round trips raise
    Django's OperationalError (so the connection is marked unusable and replaced at the end
    of the request), never psycopg's own, and the next search on a new connection works."""
    from django.db import OperationalError, connections

    partner = f.make_partner("Restart Partner")
    user = f.make_user(partner=partner)
    f.make_enterprise(partner=partner, name="Restart Harbor")
    assert _names(user, "harbor") == [("Enterprise", "Restart Harbor")]
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as killer:
            killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        other.close()
    with pytest.raises(OperationalError):
        account_search(user=user, query="harbor")
    connection.close_if_unusable_or_obsolete()  # what Django does at the end of a request
    assert _names(user, "harbor") == [("Enterprise", "Restart Harbor")]
    assert connection.connection.info.backend_pid != pid


@pytest.mark.django_db
def test_small_tables_skip_the_probe_and_rank_the_same(monkeypatch, crowded):
    """Below PROBE_MIN_PAGES the probe never runs (tiers 3 and 4 read the GIN index directly,
    in the one trip and in the tier statements) and every page is the same."""
    queries = ["harbor", "arbor", "Bay Harbor", "Portharbor 07", "zzz no match"]
    probed = {(q, size, page): account_search(user=crowded, query=q, page=page, page_size=size)
              for q in queries for size in (5, 25) for page in (1, 2, 3)}
    monkeypatch.setattr(selectors, "PROBE_MIN_PAGES", 10**9)
    probes = []
    real = selectors._Density
    monkeypatch.setattr(selectors, "_Density", lambda **kw: probes.append(kw) or real(**kw))
    unprobed = {key: account_search(user=crowded, query=key[0], page=key[2], page_size=key[1])
                for key in probed}
    assert unprobed == probed and probes == []
    assert sum(len(page.hits) for page in unprobed.values()) > 100
