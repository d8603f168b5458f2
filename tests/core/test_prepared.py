"""The kept prepared-statement cursor (orion.core.prepared): one per connection, reused, and
never the cursor of a connection that is gone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orion.core.prepared import prepared_cursor, prepared_execute

pytestmark = pytest.mark.django_db(transaction=True)


def _one(value: int) -> int:
    cursor = prepared_cursor()
    prepared_execute(cursor, "SELECT %s::int + 1", [value])
    return cursor.fetchone()[0]


def test_the_cursor_is_kept_for_its_connection_and_prepares_once():
    first = prepared_cursor()
    assert _one(1) == 2
    assert prepared_cursor() is first
    assert _one(41) == 42
    with connection.cursor() as plain:
        plain.execute("SELECT count(*) FROM pg_prepared_statements "
                      "WHERE statement LIKE %s", ["SELECT $1::int + 1%"])
        assert plain.fetchone()[0] == 1


def test_a_new_connection_gets_a_new_cursor_and_its_statements_work():
    old = prepared_cursor()
    assert _one(1) == 2
    connection.close()  # as after a database restart, CONN_MAX_AGE, or a broken connection
    assert old.connection.closed
    new = prepared_cursor()
    assert new is not old and new.connection is connection.connection
    assert _one(2) == 3


def test_a_closed_cursor_is_replaced():
    old = prepared_cursor()
    old.close()
    assert prepared_cursor() is not old
    assert _one(5) == 6


def test_statements_show_in_the_query_log():
    with CaptureQueriesContext(connection) as queries:
        assert _one(7) == 8
    assert [q["sql"] for q in queries] == ["EXECUTE (prepared) SELECT %s::int + 1"]


def test_errors_are_djangos_and_a_lost_server_is_replaced():
    """A prepared statement's errors are Django's, like its own cursors' (the worker treats a
    django OperationalError as passing); a backend that died marks the connection unusable,
    so Django replaces it and the next statement works."""
    from django.db import DataError, OperationalError, connections

    with pytest.raises(DataError):
        _one(2**31)  # out of range for int
    assert _one(1) == 2  # a statement error leaves the connection usable
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as killer:
            killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for it
    finally:
        other.close()
    with pytest.raises(OperationalError):
        _one(3)
    assert connection.errors_occurred
    connection.close_if_unusable_or_obsolete()  # what Django does at the end of a request
    assert connection.connection is None
    assert _one(4) == 5 and connection.connection.info.backend_pid != pid


def test_positional_numbers_each_name_once_and_keeps_literal_percent():
    from orion.core.prepared import positional

    sql, names = positional("SELECT %(b)s::int + %(a)s::int, %(b)s::int, '100%%'")
    assert sql == "SELECT $1::int + $2::int, $1::int, '100%'"
    assert names == ("b", "a")
    assert positional("SELECT 1") == ("SELECT 1", ())


def test_the_raw_cursor_runs_a_converted_statement_prepared():
    from orion.core.prepared import positional, prepared_raw_cursor

    sql, names = positional("SELECT %(x)s::int * %(y)s::int, %(x)s::int, %(t)s::text")
    params = {"x": 6, "y": 7, "t": "50%'; --"}
    cursor = prepared_raw_cursor()
    prepared_execute(cursor, sql, [params[n] for n in names])
    assert cursor.fetchone() == (42, 6, "50%'; --")
    assert prepared_raw_cursor() is cursor and cursor is not prepared_cursor()
    with connection.cursor() as plain:
        plain.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [sql])
        assert plain.fetchone()[0] == 1
