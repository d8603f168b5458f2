"""Reads compiled once per shape (orion.core.compiled): the same rows and relations as the
ORM, each tenancy its own statement, and shapes that depend on the value never kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, F, QuerySet, Value
from django.test.utils import CaptureQueriesContext

from orion.accounts.models import Enterprise
from orion.core import compiled
from orion.core.exceptions import NotFound
from orion.orders import services as order_services
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import order_get

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shapes(monkeypatch):
    monkeypatch.setattr(compiled, "_shapes", {})


def _draft(tenant) -> Order:
    return order_services.order_start(user=tenant.user, kind=OrderKind.ADD_SERVICES,
                                      customer=tenant.customer)


def _with_relations(pk: int) -> QuerySet[Order]:
    return (Order.objects.select_related("customer", "enterprise", "partner")
            .annotate(lines_n=Count("lines")).filter(pk=pk).order_by("pk")[:1])


def test_the_kept_statement_reads_what_the_orm_reads_for_every_value(tenant_a, tenant_b):
    first, second = _draft(tenant_a), _draft(tenant_b)
    for order in (first, second, first):
        expected = _with_relations(order.pk).get()
        with CaptureQueriesContext(connection) as queries:
            got = compiled.fetch_one("test", _with_relations, order.pk)
            # The relations came with it: reading them costs no statement.
            assert (got.customer.name, got.enterprise.name, got.partner.name) == (
                expected.customer.name, expected.enterprise.name, expected.partner.name)
        assert len(queries) == 1 and queries[0]["sql"].startswith("EXECUTE (prepared)")
        assert got.pk == order.pk and got.lines_n == expected.lines_n == 0
        assert {f.attname: getattr(got, f.attname) for f in Order._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Order._meta.concrete_fields}
        got.save(update_fields=["notes"])  # a real model instance, from the database
    assert compiled.fetch_one("test", _with_relations, second.pk + 1000) is None


def test_each_tenancy_has_its_statement_and_no_partner_reads_anothers_order(
        tenant_a, tenant_b, staff):
    mine, theirs = _draft(tenant_a), _draft(tenant_b)
    assert order_get(user=tenant_a.user, order_id=mine.pk).pk == mine.pk
    with pytest.raises(NotFound):
        order_get(user=tenant_a.user, order_id=theirs.pk)  # the kept statement of partner A
    assert order_get(user=tenant_b.user, order_id=theirs.pk).pk == theirs.pk
    with pytest.raises(NotFound):
        order_get(user=tenant_b.user, order_id=mine.pk)
    assert {order_get(user=staff, order_id=o.pk).pk for o in (mine, theirs)} == {
        mine.pk, theirs.pk}
    assert len([k for k in compiled._shapes if k[0] == "order_get"]) == 3


def test_a_shape_that_changes_with_the_value_is_compiled_every_time(tenant_a):
    def by_parity(pk: int) -> QuerySet[Enterprise]:
        rows = Enterprise.objects.filter(pk=pk)
        return rows.filter(name__startswith="A") if pk % 2 else rows  # text depends on pk

    enterprise = tenant_a.customer.enterprise
    assert [e.pk for e in compiled.fetch("parity", by_parity, enterprise.pk)] == (
        [enterprise.pk] if enterprise.pk % 2 == 0 or enterprise.name.startswith("A") else [])
    assert compiled._shapes["parity"] is None
    assert compiled.fetch("none", lambda pk: Enterprise.objects.none(), enterprise.pk) == []


def test_values_list_rows_and_constant_reads_are_built_as_django_builds_them(tenant_a):
    enterprise = tenant_a.customer.enterprise

    def names(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("id", "name")

    def flat(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("created_at", flat=True)

    for _ in range(2):  # compiled, then from the kept statement
        assert compiled.fetch("names", names, enterprise.pk) == list(names(enterprise.pk))
        assert compiled.fetch("flat", flat, enterprise.pk) == [enterprise.created_at]
        assert compiled.fetch_constant("all", lambda: Enterprise.objects.order_by(
            "pk").values_list("name", flat=True)) == list(
            Enterprise.objects.order_by("pk").values_list("name", flat=True))
    assert compiled._shapes["names"].rows == "tuples" and compiled._shapes["all"] is not None


def _pipelined(monkeypatch) -> list[bool]:
    """For each statement ``compiled`` sends: whether it went into a pipeline (queued with
    the others, one sync and one wait for all of them) rather than alone."""
    from psycopg import pq

    sent: list[bool] = []
    execute = compiled.prepared_execute

    def recorded(cursor, sql, params):
        sent.append(cursor.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF)
        execute(cursor, sql, params)

    monkeypatch.setattr(compiled, "prepared_execute", recorded)
    return sent


def test_several_reads_come_back_together_as_the_orm_reads_them(tenant_a, tenant_b,
                                                                monkeypatch):
    first, second = _draft(tenant_a), _draft(tenant_b)
    enterprise = tenant_a.customer.enterprise

    def names(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("id", "name")

    def flat(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("name", flat=True)

    reads = [compiled.Read("orders", _with_relations, first.pk),
             compiled.Read("names", names, enterprise.pk),
             compiled.Read("flat", flat, enterprise.pk + 100_000),  # no such row: []
             compiled.Read("orders", _with_relations, second.pk)]
    compiled.fetch_many(reads)  # compiles and keeps the shapes
    pipelined = _pipelined(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        got = compiled.fetch_many(reads)
    assert len(queries) == 4 and all(q["sql"].startswith("EXECUTE (prepared)")
                                     for q in queries)
    assert pipelined == [True] * 4  # sent together, answered together
    assert [o.pk for o in got[0]] == [first.pk] and [o.pk for o in got[3]] == [second.pk]
    assert got[0][0].customer.name == tenant_a.customer.name  # its relations came with it
    assert got[1] == list(names(enterprise.pk)) and got[2] == []
    assert compiled.fetch_many([]) == []


def test_a_read_that_cannot_be_kept_runs_as_django_runs_it_and_keeps_its_place(tenant_a):
    enterprise = tenant_a.customer.enterprise

    def by_parity(pk: int) -> QuerySet[Enterprise]:
        rows = Enterprise.objects.filter(pk=pk)
        return rows.filter(name__startswith="A") if pk % 2 else rows

    def names(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("name", flat=True)

    got = compiled.fetch_many([compiled.Read("parity", by_parity, enterprise.pk),
                               compiled.Read("names", names, enterprise.pk),
                               compiled.Read("none", lambda pk: Enterprise.objects.none(), 1),
                               compiled.Read("names", names, enterprise.pk)])
    assert [e.pk for e in got[0]] == [e.pk for e in by_parity(enterprise.pk)]
    assert got[1] == got[3] == [enterprise.name] and got[2] == []


def test_a_failing_read_raises_djangos_error_and_the_connection_goes_on(tenant_a):
    from django.db import DatabaseError, transaction

    enterprise = tenant_a.customer.enterprise

    def names(pk: int) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(pk=pk).values_list("name", flat=True)

    def divides_by_zero(pk: int) -> QuerySet[Enterprise]:  # fails on PostgreSQL, for a row
        return (Enterprise.objects.filter(pk=pk).annotate(x=F("pk") / (F("pk") - Value(pk)))
                .values_list("x", flat=True))

    with pytest.raises(DatabaseError), transaction.atomic():
        compiled.fetch_many([compiled.Read("names", names, enterprise.pk),
                             compiled.Read("zero", divides_by_zero, enterprise.pk)])
    # The savepoint rolled back: the same connection reads again, in and out of a transaction.
    assert compiled.fetch_many([compiled.Read("names", names, enterprise.pk)] * 2) == [
        [enterprise.name], [enterprise.name]]
    with transaction.atomic():
        assert compiled.fetch_many([compiled.Read("names", names, enterprise.pk)] * 2) == [
            [enterprise.name], [enterprise.name]]
