"""A new enterprise's first attempt writes without reading BroadWorks first (issue 20, item
4); anything BroadWorks holds after all sends the run back to reading. And the fence: one
statement that checks and writes, or writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from orion.broadworks.client import BroadWorksClient
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import fencing, services
from orion.provisioning.exceptions import ProvisioningFenced
from orion.provisioning.models import OciExchangeLog, ProvisioningStep, StepStatus
from tests.provisioning.helpers import place_order

LOGIN = {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5", "LogoutRequest"}


def _documents(order) -> list[list[str]]:
    """The command names of every document sent for ``order`` after log-in, in order."""
    docs = [x.commands.split(", ") for x in
            OciExchangeLog.objects.filter(order=order).order_by("at", "id")]
    return [d for d in docs if not set(d) <= LOGIN]


def _reads(doc: list[str]) -> bool:
    return any("Get" in name for name in doc)


@pytest.mark.django_db
def test_a_new_enterprise_is_created_without_a_read_document(tenant_a, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1, "Auto Attendant": 1}, name="Fresh Co",
                        domain="fresh.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    docs = _documents(order)
    assert len(docs) == 1 and not _reads(docs[0])
    assert docs[0][:2] == ["SystemDomainAddRequest", "ServiceProviderAddRequest13mp2"]
    sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
    assert order.customer.bw_group_id in sp["groups"]
    # A second order of that enterprise reads first: its enterprise exists now.
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                         enterprise=order.enterprise, packages={"Power User": 1},
                         name="Fresh Co Two")
    assert services.order_provision(order_id=second.pk, config=bw_config) == "completed"
    assert _reads(_documents(second)[0])


@pytest.mark.django_db
def test_what_broadworks_holds_after_all_sends_the_run_back_to_reading(
        tenant_a, emulator, bw_config):
    with BroadWorksClient(bw_config) as bw:  # the domain exists already, at system level
        bw.request("SystemDomainAddRequest", domain="known.example")
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Known Co", domain="known.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    docs = _documents(order)
    assert not _reads(docs[0]) and "SystemDomainAddRequest" in docs[0]
    assert _reads(docs[1])  # "already exists" is verified by reading, never assumed
    assert "SystemDomainAddRequest" not in [c for d in docs[1:] for c in d]
    check = order.provisioning_steps.get(key="check")
    assert check.attempts == 2 and check.status == StepStatus.DONE
    sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
    assert sp["default_domain"] == "known.example"


@pytest.mark.django_db
def test_a_retry_of_a_new_enterprise_reads_first(tenant_a, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Again Co", domain="again.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    order.provisioning_steps.update(status=StepStatus.PENDING)
    type(order).objects.filter(pk=order.pk).update(state=OrderState.IN_PROGRESS)
    before = len(_documents(order))
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    again = _documents(order)[before:]
    assert again and _reads(again[0]) and all(_reads(d) for d in again)  # nothing re-sent


@pytest.mark.django_db
def test_the_fence_writes_nothing_for_a_job_that_is_not_ours(tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Fence Co")
    from orion.core.bulk import rows_update_sql
    from orion.provisioning.queue import steps_create

    steps_create(order=order)
    step = order.provisioning_steps.get(key="check")
    step.status = StepStatus.DONE
    statement = rows_update_sql([step], ["status"], guard=fencing.FENCE_GUARD)
    enterprise = order.enterprise_id
    with pytest.raises(ProvisioningFenced):  # no lock taken on this session
        fencing.fenced_write(enterprise_id=enterprise, fence=None, statements=[statement])
    fencing.enterprise_lock(enterprise_id=enterprise, fence=None)
    try:
        gone = fencing.JobFence(job_id=987654321, worker_id=1)  # no such job
        with pytest.raises(ProvisioningFenced):
            fencing.fenced_write(enterprise_id=enterprise, fence=gone, statements=[statement])
        assert ProvisioningStep.objects.get(pk=step.pk).status == StepStatus.PENDING
        fencing.fenced_write(enterprise_id=enterprise, fence=None, statements=[statement])
        assert ProvisioningStep.objects.get(pk=step.pk).status == StepStatus.DONE
    finally:
        fencing.enterprise_unlock(enterprise_id=enterprise)
    with pytest.raises(ProvisioningFenced):  # released: no longer ours
        fencing.fence_check(enterprise_id=enterprise, fence=None)


@pytest.mark.django_db(transaction=True)
def test_a_new_session_does_not_hold_the_old_sessions_lock(catalog, tenant_a):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Session Co")
    fencing.enterprise_lock(enterprise_id=order.enterprise_id, fence=None)
    try:
        fencing.fence_check(enterprise_id=order.enterprise_id, fence=None)
        connection.close()  # Django reconnects on the next query: a new session
        with pytest.raises(ProvisioningFenced):
            fencing.fence_check(enterprise_id=order.enterprise_id, fence=None)
    finally:
        fencing.enterprise_unlock(enterprise_id=order.enterprise_id)
