"""The worker's sessions never wait on a lock for ever, and lose a transaction left open
(a frozen worker's), so one paused worker cannot stall the others."""

from __future__ import annotations

import copy
import time

import pytest
from django.db import InternalError, OperationalError, connection, connections
from psycopg.errors import IdleInTransactionSessionTimeout

from orion.provisioning.management.commands.worker import _bound_lock_waits
from orion.provisioning.tasks import _session_loss_is_transient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bounded(settings):
    settings.ORION_WORKER_LOCK_TIMEOUT_SECONDS = 0.5
    settings.ORION_WORKER_IDLE_IN_TRANSACTION_SECONDS = 1
    saved = {alias: copy.deepcopy(connections[alias].settings_dict.get("OPTIONS", {}))
             for alias in connections}
    _bound_lock_waits()
    yield connection
    for alias, options in saved.items():
        connections[alias].settings_dict["OPTIONS"] = options
    connections.close_all()


def test_a_worker_statement_gives_up_on_a_lock_a_frozen_session_holds(bounded):
    frozen = connection.copy()  # another worker, paused inside its transaction
    try:
        frozen.set_autocommit(False)
        with frozen.cursor() as cursor:
            cursor.execute("SELECT id FROM procrastinate_workers LIMIT 0")
            cursor.execute("SELECT pg_advisory_xact_lock(4242)")
        with bounded.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "500ms"
            with pytest.raises(OperationalError, match="lock timeout"):
                cursor.execute("SELECT pg_advisory_xact_lock(4242)")
    finally:
        frozen.close()


def test_a_session_idle_in_its_transaction_is_ended(bounded):
    bounded.set_autocommit(False)
    with bounded.cursor() as cursor:
        cursor.execute("SELECT 1")
    time.sleep(2)  # past the idle-in-transaction limit
    with pytest.raises(InternalError) as lost, bounded.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert isinstance(lost.value.__cause__, IdleInTransactionSessionTimeout)
    bounded.close()


def test_a_session_ended_for_idling_counts_as_a_lost_connection(bounded):
    """The provisioning job retries it (transient) instead of failing the order."""
    def frozen_run() -> str:
        bounded.set_autocommit(False)
        with bounded.cursor() as cursor:
            cursor.execute("SELECT 1")
        time.sleep(2)
        with bounded.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "done"

    with pytest.raises(OperationalError, match="idle-in-transaction"):
        _session_loss_is_transient(frozen_run)
    bounded.close()
