from __future__ import annotations

import re

import pytest
from django.db import connection

from orion.accounts.search import (
    ONE_TRIP,
    SEARCH_STATEMENTS,
    account_search,
    search_plans,
)
from tests import factories as f


@pytest.mark.django_db
def test_customer_name_finds_enterprise_and_customers(tenant_a):
    page = account_search(user=tenant_a.user, query="acme corp")
    roles = [(hit.role, hit.name) for hit in page.hits]
    # An enterprise always has a customer of the same name: at least two rows, both roles.
    assert ("Enterprise", "Acme Corporation") in roles
    assert ("Customer", "Acme Corporation") in roles
    assert ("Customer", "Acme Corporation - Denver") in roles
    # Exact matches rank before longer names.
    assert {roles[0][1], roles[1][1]} == {"Acme Corporation"}
    denver = next(h for h in page.hits if h.name.endswith("Denver"))
    assert denver.city == "Denver" and denver.enterprise_name == "Acme Corporation"
    assert denver.url == f"/customers/{tenant_a.second_customer.pk}/"


@pytest.mark.django_db
def test_partial_word_any_case_and_wildcards_are_literal(tenant_a):
    assert {h.name for h in account_search(user=tenant_a.user, query="ORPOR").hits} >= {
        "Acme Corporation"}
    assert account_search(user=tenant_a.user, query="%").hits == []
    assert account_search(user=tenant_a.user, query="_cme").hits == []
    assert account_search(user=tenant_a.user, query="   ").hits == []


@pytest.mark.django_db
def test_search_is_scoped_to_the_partner(tenant_a, tenant_b, staff):
    west = f.make_enterprise(partner=tenant_b.partner, name="Acme West")
    f.make_customer(enterprise=west, name="Acme West")
    assert account_search(user=tenant_b.user, query="Acme Corp").hits == []
    assert {h.name for h in account_search(user=tenant_b.user, query="acme").hits} == {
        "Acme West"}
    assert {h.partner_name for h in account_search(user=tenant_a.user, query="acme").hits} == {
        "Partner A"}
    for query in ("acme", "cme"):  # prefix tier, contains tiers
        assert {h.partner_name for h in account_search(user=staff, query=query).hits} == {
            "Partner A", "Partner B"}


@pytest.mark.django_db
def test_pagination_without_counting(tenant_a):
    for n in range(30):
        f.make_customer(enterprise=tenant_a.enterprise, name=f"Zeta Branch {n:02d}")
    first = account_search(user=tenant_a.user, query="zeta", page_size=25)
    second = account_search(user=tenant_a.user, query="zeta", page=2, page_size=25)
    assert len(first.hits) == 25 and first.has_next and not first.has_previous
    assert len(second.hits) == 5 and not second.has_next and second.has_previous
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


@pytest.mark.django_db
def test_postgres_uses_the_trigram_index(tenant_a, staff):
    """With a realistic table size, the planner serves each tier from its index: the prefix
    tier from the lower(name) B-trees, the contains tiers from the pg_trgm GIN indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_enterprise (partner_id, name, bw_service_provider_id,
                                                created_at)
               SELECT %(p)s, 'Company ' || md5(g::text), 'bench_' || g, now()
                 FROM generate_series(1, 20000) g""", {"p": tenant_a.partner.pk})
        cursor.execute(
            """INSERT INTO accounts_customer (enterprise_id, partner_id, name, bw_group_id,
                   service_type, address_line1, address_line2, city, state, zip_code,
                   contact_name, contact_phone, contact_email, domain, time_zone, created_at)
               SELECT e.id, e.partner_id, e.name || ' Branch', 'g', 'hosted', 'x', '', 'City',
                      'NY', '10001', 'n', '2125550100', 'a@b.example', '', 'America/New_York',
                      now()
                 FROM accounts_enterprise e WHERE e.bw_service_provider_id LIKE 'bench_%%'""")
        cursor.execute("ANALYZE accounts_customer")
        cursor.execute("ANALYZE accounts_enterprise")
    for user in (staff, tenant_a.user):
        # Two words: every statement, the combined contains one included.
        plans = search_plans(user=user, query="acme corp")
        assert set(plans) == {ONE_TRIP, *SEARCH_STATEMENTS}
        # The first page's one statement: the same indexes, the GIN scans behind the probe.
        for index in ("name_prefix", "customer_name_trgm", "enterprise_name_trgm"):
            assert index in plans[ONE_TRIP], plans[ONE_TRIP]
        assert "Seq Scan" not in plans[ONE_TRIP], plans[ONE_TRIP]
        # Staff: customer_name_prefix, or on PostgreSQL 18 maybe a skip scan of the partner's;
        # PostgreSQL 15 may read it as a bitmap index scan.
        for table in ("customer", "enterprise"):
            assert re.search(rf"Index (Only )?Scan (using|on) {table}_(partner_)?name_prefix",
                             plans["prefix"]), plans["prefix"]
            assert f"Seq Scan on accounts_{table}" not in plans["prefix"], plans["prefix"]
        if user is tenant_a.user:
            assert "customer_partner_name_prefix" in plans["prefix"], plans["prefix"]
        for statement in ("contains", "word", "inside"):
            assert "customer_name_trgm" in plans[statement], plans[statement]
            assert "enterprise_name_trgm" in plans[statement], plans[statement]
            assert "Seq Scan" not in plans[statement], plans[statement]
        if user is tenant_a.user:  # the partner condition is inside the GIN index scan
            assert "Index Cond: ((partner_id = " in plans["word"], plans["word"]
    assert [h.name for h in account_search(user=tenant_a.user, query="acme").hits][:2] == [
        "Acme Corporation", "Acme Corporation"]
