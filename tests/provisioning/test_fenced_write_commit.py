"""A run's progress between documents commits without waiting for the WAL flush
(``fenced_write(durable=False)``): the rows are there for every session at once, the
session's own setting is untouched, and inside a caller's transaction nothing is weakened."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from orion.core.bulk import rows_insert_sql
from orion.orders.models import OrderKind
from orion.provisioning import fencing
from orion.provisioning.models import OciExchangeLog
from tests.provisioning.helpers import place_order


def _log_row(order, commands: str) -> OciExchangeLog:
    return OciExchangeLog(order=order, at=timezone.now(), commands=commands,
                          request_xml="<BroadsoftDocument/>", response_xml="", duration_ms=1)


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_non_durable_write_is_committed_for_everyone_and_leaves_the_session_setting(
        tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Flush Co", domain="flush.example")
    assert _setting() == "on"
    fencing.enterprise_lock(enterprise_id=order.enterprise_id, fence=None)
    try:
        fencing.fenced_write(enterprise_id=order.enterprise_id, fence=None, durable=False,
                             statements=[rows_insert_sql([_log_row(order, "FastRequest")],
                                                         guard=fencing.FENCE_GUARD)])
        assert _setting() == "on"  # only that statement's transaction skipped the flush
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT commands FROM provisioning_ociexchangelog "
                               "WHERE order_id = %s", [order.pk])
                assert [r[0] for r in cursor.fetchall()] == ["FastRequest"]
        finally:
            other.close()
        with transaction.atomic():  # a caller's transaction keeps its durable commit
            fencing.fenced_write(enterprise_id=order.enterprise_id, fence=None, durable=False,
                                 statements=[rows_insert_sql([_log_row(order, "InRequest")],
                                                             guard=fencing.FENCE_GUARD)])
            assert _setting() == "on"
    finally:
        fencing.enterprise_unlock(enterprise_id=order.enterprise_id)
    assert sorted(OciExchangeLog.objects.filter(order=order)
                  .values_list("commands", flat=True)) == ["FastRequest", "InRequest"]
