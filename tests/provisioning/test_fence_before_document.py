"""The check before each OCI-P document (``_Run.before_document``): the record of the
previous document, a fenced write a moment ago on the same session, stands for it once;
anything else (another session, a second document, a pause) checks the fence again."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from orion.orders.models import OrderKind
from orion.provisioning import fencing, services
from orion.provisioning.exceptions import ProvisioningFenced
from tests.provisioning.helpers import place_order


@pytest.fixture
def gone_run(tenant_a):
    """A run whose job was handed away (no such job), holding its enterprise's lock."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Fresh Fence Co")
    fencing.enterprise_lock(enterprise_id=order.enterprise_id, fence=None)
    run = services._Run(order=order, steps={}, touched=set(),
                        fence=fencing.JobFence(job_id=987654321, worker_id=1))
    run.client = SimpleNamespace(session_id="session-1")  # type: ignore[assignment]
    yield run
    fencing.enterprise_unlock(enterprise_id=order.enterprise_id)


@pytest.mark.django_db
def test_a_fresh_proof_on_the_same_session_serves_one_document(gone_run):
    with pytest.raises(ProvisioningFenced):
        gone_run.before_document()  # no proof: checked, and the job is gone
    gone_run.fence_seen = ("session-1", time.monotonic())
    gone_run.before_document()  # the record just written stands for the check
    with pytest.raises(ProvisioningFenced):
        gone_run.before_document()  # used up: the next document checks again


@pytest.mark.django_db
@pytest.mark.parametrize("seen", [
    ("session-0", 0.0),  # logged in again since (another session id)
    ("session-1", services.FENCE_FRESH_SECONDS + 1),  # too long ago: a pause
])
def test_another_session_or_an_old_proof_checks_again(gone_run, seen):
    session, age = seen
    gone_run.fence_seen = (session, time.monotonic() - age)
    with pytest.raises(ProvisioningFenced):
        gone_run.before_document()
