"""``steps_create``: the plan's steps once, in plan order, and the ones it returns are the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orion.provisioning.plan.desired import STEPS
from orion.provisioning.queue import steps_create
from tests import factories as f

pytestmark = pytest.mark.django_db


def _rows(order) -> list[tuple[int, int, str]]:
    return list(order.provisioning_steps.order_by("position")
                .values_list("pk", "position", "key"))


def test_the_steps_are_created_once_and_returned_as_stored(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with CaptureQueriesContext(connection) as queries:
        created = steps_create(order=order)
    assert len(queries) == 2  # what is there, then the missing ones in one INSERT
    assert [(s.pk, s.position, s.key) for s in created] == _rows(order)
    assert [s.key for s in created] == [key for key, _ in STEPS]
    with CaptureQueriesContext(connection) as queries:
        again = steps_create(order=order)
    assert len(queries) == 1
    assert [(s.pk, s.position, s.key) for s in again] == _rows(order)


def test_an_order_saved_before_a_step_was_added_gets_it_in_plan_order(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    steps_create(order=order)
    kept = {key: pk for pk, _, key in _rows(order)}
    order.provisioning_steps.filter(key__in=[STEPS[-1][0], STEPS[3][0]]).delete()
    steps = steps_create(order=order)
    assert [(s.pk, s.position, s.key) for s in steps] == _rows(order)
    assert [s.key for s in steps] == [key for key, _ in STEPS]
    assert [s.position for s in steps] == list(range(1, len(STEPS) + 1))
    # the steps that were there are the same rows; only the missing two are new
    assert sum(kept[s.key] == s.pk for s in steps) == len(STEPS) - 2
