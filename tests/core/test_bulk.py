"""``rows_update`` writes what ``bulk_update`` would, in one plain statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orion.core.bulk import rows_update
from orion.provisioning.models import ProvisioningStep, StepStatus
from orion.provisioning.queue import steps_create
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_many_rows_and_columns_in_one_statement(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    steps_create(order=order)
    steps = list(order.provisioning_steps.order_by("position")[:3])
    now = timezone.now()
    for n, step in enumerate(steps):
        step.status = StepStatus.DONE
        step.attempts = n + 2
        step.finished_at = now if n else None
        step.error = "it's <broken> = \"quoted\"; DROP TABLE x" if n == 1 else ""
        step.created = [f"user {n}@x.example", "o'brien"] if n else []
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(steps, ["status", "attempts", "finished_at", "error", "created"]) == 3
    assert len(queries) == 1
    again = {s.pk: s for s in ProvisioningStep.objects.filter(pk__in=[s.pk for s in steps])}
    for n, step in enumerate(steps):
        got = again[step.pk]
        assert (got.status, got.attempts, got.finished_at, got.error, got.created) == (
            StepStatus.DONE, n + 2, now if n else None, step.error, step.created)
    untouched = order.provisioning_steps.exclude(pk__in=[s.pk for s in steps])
    assert set(untouched.values_list("status", flat=True)) == {StepStatus.PENDING}


def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert rows_update([], ["status"]) == 0
    assert len(queries) == 0
