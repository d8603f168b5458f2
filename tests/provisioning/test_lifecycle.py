"""Every order ends where a person can act on it, and Orion and BroadWorks agree (issue 11).

Against the in-process emulator, through the real services: the domain matrix, enterprises of
trunking customers only, cancelled accounts, compare-and-set state changes, lost jobs and
unexpected errors.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from procrastinate import JobContext
from procrastinate.contrib.django import app as procrastinate_app
from procrastinate.jobs import Job

from orion.accounts.models import Domain
from orion.accounts.search import account_search
from orion.numbers.exceptions import NumberInService
from orion.numbers.models import DID
from orion.numbers.services import number_quarantine, number_release
from orion.orders.exceptions import OrderError, StaleOrderState
from orion.orders.lifecycle import order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.services import order_domain_fallback, order_start
from orion.orders.states import OrderState
from orion.provisioning import repair, services
from orion.provisioning.models import StepStatus
from orion.provisioning.selectors import order_job_lost, orders_with_lost_jobs
from orion.provisioning.tasks import provision_order
from tests import factories as f
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db
PACKAGES = {"Enterprise Standard": 2, "Auto Attendant": 1}
ADD = {"Hunt Group": 1, "Enterprise Standard": 1}
SYSTEM = "voip.orion.test"


def _jobs(order_id: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs "
                       "WHERE (args->>'order_id')::bigint = %s ORDER BY id", [order_id])
        return [row[0] for row in cursor.fetchall()]


def _provision(order: Order, bw_config) -> str:
    return services.order_provision(order_id=order.pk, config=bw_config)


@pytest.mark.parametrize("enterprise_domain", ["ent.example", ""])
@pytest.mark.parametrize("customer_domain", ["own.example", ""])
def test_domain_matrix_every_order_completes(tenant_a, emulator, bw_config, settings,
                                             enterprise_domain, customer_domain):
    settings.ORION_BROADWORKS_SYSTEM_DOMAIN = SYSTEM
    numbers = stock_numbers(2125550100, 6)
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        numbers=numbers[:2], name="Matrix Ent", domain=enterprise_domain)
    assert _provision(first, bw_config) == OrderState.COMPLETED
    enterprise = first.enterprise
    enterprise.refresh_from_db()
    assert enterprise.default_domain == (enterprise_domain or SYSTEM)
    draft = order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise)
    assert order_domain_fallback(order=draft) == (enterprise_domain or SYSTEM)
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise,
                         packages=PACKAGES, numbers=numbers[2:4], name="Matrix Branch",
                         domain=customer_domain)
    assert _provision(second, bw_config) == OrderState.COMPLETED, second.state_changes.last()
    adds = [place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=o.customer,
                        packages=ADD, numbers=numbers[4 + i:5 + i])
            for i, o in enumerate((first, second))]
    for order in adds:
        assert _provision(order, bw_config) == OrderState.COMPLETED

    sp = emulator.dump()["service_providers"][enterprise.bw_service_provider_id]
    assert sp["default_domain"] == (enterprise_domain or SYSTEM)
    groups = sp["groups"]
    assert set(groups) == {first.customer.bw_group_id, second.customer.bw_group_id}
    assert groups[first.customer.bw_group_id]["default_domain"] == (enterprise_domain or SYSTEM)
    branch_domain = customer_domain or enterprise_domain or SYSTEM
    assert groups[second.customer.bw_group_id]["default_domain"] == branch_domain
    assert sorted(set(sp["domains"])) == sorted({enterprise_domain or SYSTEM, branch_domain})
    pack = f.package("Enterprise Standard").bw_name
    for order in (first, second):
        group = groups[order.customer.bw_group_id]
        assert group["service_packs"] == {pack: 3}
        assert group["group_services"] == {"Auto Attendant": 1, "Hunt Group": 1}
        assert len(group["dns"]) == 3


def test_hosted_customer_in_an_enterprise_of_trunking_customers_creates_the_enterprise(
        tenant_a, emulator, bw_config):
    numbers = stock_numbers(3125550100, 2)
    trunking = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                           packages=PACKAGES, numbers=numbers[:1], name="Trunk Only",
                           domain="trunkonly.example", service_type="trunking")
    trunking.refresh_from_db()
    assert trunking.state == OrderState.HELD
    hosted = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                         enterprise=trunking.enterprise, packages=PACKAGES,
                         numbers=numbers[1:], name="Hosted Branch", domain="")
    assert _provision(hosted, bw_config) == OrderState.COMPLETED
    sp = emulator.dump()["service_providers"][trunking.enterprise.bw_service_provider_id]
    assert sp["is_enterprise"] and sp["default_domain"] == "trunkonly.example"
    assert list(sp["groups"]) == [hosted.customer.bw_group_id]


def test_a_missing_enterprise_that_orion_provisioned_is_reported_not_recreated(
        tenant_a, emulator, bw_config):
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        name="Gone Corp", domain="gone.example")
    assert _provision(first, bw_config) == OrderState.COMPLETED
    emulator.reset()
    later = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=first.customer, packages=ADD)
    assert _provision(later, bw_config) == OrderState.FAILED
    note = later.state_changes.last().note
    assert "removed outside Orion" in note and "Retry" in note
    assert emulator.dump()["service_providers"] == {}


def test_a_stale_state_change_is_refused_never_overwritten(tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Race Co",
                        domain="")
    worker_copy = Order.objects.get(pk=order.pk)  # what the worker read: acknowledged
    repair.order_cancel(order_id=order.pk, user=staff, reason="customer withdrew")
    with pytest.raises(StaleOrderState, match="changed meanwhile"):
        order_transition(order=worker_copy, to=OrderState.IN_PROGRESS, by=None)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert list(order.state_changes.values_list("to_state", flat=True)) == [
        OrderState.ACKNOWLEDGED, OrderState.CANCELLED]


def test_a_refused_state_change_inside_a_transaction_leaves_it_usable(tenant_a, staff):
    """The move writes nothing before it is refused, so the caller's transaction goes on
    (the move has no savepoint of its own) and what it wrote before still commits."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Keep Co",
                        domain="")
    worker_copy = Order.objects.get(pk=order.pk)
    repair.order_cancel(order_id=order.pk, user=staff, reason="")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(notes="written before the refusal")
        with pytest.raises(StaleOrderState):
            order_transition(order=worker_copy, to=OrderState.IN_PROGRESS, by=None)
        Order.objects.filter(pk=order.pk).update(contact_name="and after it")
    order.refresh_from_db()
    assert (order.state, order.notes, order.contact_name) == (
        OrderState.CANCELLED, "written before the refusal", "and after it")
    assert order.state_changes.count() == 2  # acknowledged, cancelled: nothing of the move


def test_the_worker_loses_the_race_with_cancel_quietly(tenant_a, staff, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Late Co")
    repair.order_cancel(order_id=order.pk, user=staff, reason="")
    assert _provision(order, bw_config) == OrderState.CANCELLED
    assert emulator.stats.writes == 0


def test_a_cancelled_new_customer_is_hidden_and_never_reused(tenant_a, staff):
    numbers = stock_numbers(4155550100, 1)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, numbers=numbers,
                        name="Phoenix Dental", domain="")
    customer = order.customer
    assert [h.name for h in account_search(user=tenant_a.user, query="Phoenix").hits] == [
        "Phoenix Dental"]
    repair.order_cancel(order_id=order.pk, user=staff, reason="duplicate")
    customer.refresh_from_db()
    assert customer.cancelled_at is not None and customer.status == "Cancelled"
    assert account_search(user=tenant_a.user, query="Phoenix").hits == []
    with pytest.raises(OrderError, match="was cancelled"):
        order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=customer)
    again = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES,
                        name="Phoenix Dental", domain="")
    assert again.customer_id != customer.pk
    hits = account_search(user=tenant_a.user, query="Phoenix").hits
    assert [(h.name, h.id) for h in hits] == [("Phoenix Dental", again.customer_id)]


def test_a_cancelled_new_enterprise_frees_its_domain(tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        name="Short Lived", domain="shortlived.example")
    repair.order_cancel(order_id=order.pk, user=staff, reason="")
    order.enterprise.refresh_from_db()
    assert order.enterprise.cancelled_at is not None
    again = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        name="Short Lived", domain="shortlived.example")
    assert again.enterprise_id != order.enterprise_id


def test_a_number_in_service_cannot_be_released_alone(client, tenant_a, staff, emulator,
                                                     bw_config):
    numbers = stock_numbers(6175550100, 1)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, numbers=numbers)
    assert _provision(order, bw_config) == OrderState.COMPLETED
    did = DID.objects.get(e164=numbers[0])
    with pytest.raises(NumberInService, match="change order"):
        number_release(user=staff, did_id=did.pk)
    # Quarantining it (the staff page offers it for free numbers; the API for any) would
    # take it out of the customer's hands the same way while BroadWorks keeps it.
    with pytest.raises(NumberInService, match="change order"):
        number_quarantine(user=staff, did_id=did.pk, days=30)
    did.refresh_from_db()
    assert did.state == "assigned" and did.customer_id == order.customer_id
    assert sorted(emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
                  ["groups"][order.customer.bw_group_id]["dns"]) == [f"+1-{numbers[0][2:]}"]
    # The number's staff page offers no Release for it, and says how to give it back.
    client.force_login(staff)
    page = client.get(f"/numbers/number/?id={did.pk}").content.decode()
    assert 'id="did-release"' not in page and 'id="did-quarantine"' not in page
    assert 'id="did-in-service"' in page and "change order" in page


def test_a_lost_job_is_found_requeued_once_and_retryable(tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Lost Co")
    assert _jobs(order.pk) == ["todo"]
    assert orders_with_lost_jobs(grace_seconds=0) == []  # a waiting job is a live job
    with connection.cursor() as cursor:  # the job ended, the order did not (an outage)
        cursor.execute("UPDATE procrastinate_jobs SET status = 'failed' "
                       "WHERE (args->>'order_id')::bigint = %s", [order.pk])
    assert orders_with_lost_jobs(grace_seconds=0) == [order.pk]
    assert order_job_lost(order=order, grace_seconds=0)
    assert orders_with_lost_jobs(grace_seconds=3600) == []  # just changed: not yet lost

    assert repair.orders_requeue_lost(grace_seconds=0) == [order.pk]
    assert repair.orders_requeue_lost(grace_seconds=0) == []  # at most one job per order
    assert _jobs(order.pk) == ["failed", "todo"]
    with pytest.raises(Exception, match="not failed"):  # it has a live job again
        repair.order_retry(order_id=order.pk, user=staff)
    with connection.cursor() as cursor:  # lost once more: now staff may press Retry
        cursor.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo' "
                       "AND (args->>'order_id')::bigint = %s", [order.pk])
    repair.order_retry(order_id=order.pk, user=staff)
    assert _jobs(order.pk) == ["failed", "todo"]


def test_a_lost_in_progress_order_can_be_cancelled(tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Stuck Co")
    order_transition(order=order, to=OrderState.IN_PROGRESS, by=None)
    with pytest.raises(Exception, match="cannot be cancelled"):
        repair.order_cancel(order_id=order.pk, user=staff)  # its job is still there
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE (args->>'order_id')::bigint = %s",
                       [order.pk])
    result = repair.order_cancel(order_id=order.pk, user=staff, reason="job lost")
    assert result.order.state == OrderState.CANCELLED


def _context(order: Order, *, attempts: int = 0) -> JobContext:
    job = Job(id=None, queue="provisioning", lock=None, queueing_lock=None,
              task_name="orion.provision_order", task_kwargs={"order_id": order.pk},
              attempts=attempts)
    return JobContext(app=procrastinate_app, job=job, start_timestamp=0.0,
                      abort_reason=lambda: None)


def test_an_unexpected_error_ends_the_order_in_failed_and_retry_continues(
        tenant_a, staff, emulator, bw_config, monkeypatch):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Buggy Co")
    monkeypatch.setattr(services, "broadworks_config", lambda: bw_config)

    def broken_plan(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(services.plan, "plan_actions", broken_plan)
    assert provision_order(_context(order), order_id=order.pk) == "failed"
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    assert "unexpected error (KeyError" in order.state_changes.last().note
    assert order.provisioning_steps.get(key="check").status == StepStatus.FAILED
    monkeypatch.undo()
    repair.order_retry(order_id=order.pk, user=staff)
    assert services.order_provision(order_id=order.pk, config=bw_config) == (
        OrderState.COMPLETED)


def test_a_database_error_is_retried_then_fails_with_a_reason(tenant_a, emulator, bw_config,
                                                             monkeypatch):
    from django.db import OperationalError

    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Flaky DB")
    monkeypatch.setattr(services, "broadworks_config", lambda: bw_config)

    def lost(*args, **kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(services.plan, "desired_for", lost)
    with pytest.raises(OperationalError):  # retried by Procrastinate (a retry exception)
        provision_order(_context(order), order_id=order.pk)
    assert OperationalError in provision_order.retry_strategy.retry_exceptions
    last = settings.ORION_PROVISIONING_MAX_ATTEMPTS - 1
    assert provision_order(_context(order, attempts=last), order_id=order.pk) == "failed"
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    assert "database kept failing" in order.state_changes.last().note


def test_an_answer_lost_after_broadworks_applied_it_converges(tenant_a, emulator, bw_config):
    numbers = stock_numbers(2025550100, 3)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        numbers=numbers, name="Lossy Link", domain="lossy.example")
    emulator.set_faults(lose_answer_next=1)  # the first write document: done, answer lost
    # The client resends the document on the new session; BroadWorks answers "already
    # exists" for what the lost document did, and the next read verifies it.
    assert services.order_provision(order_id=order.pk, config=bw_config) == (
        OrderState.COMPLETED)
    assert emulator.faults.lose_answer_next == 0  # the fault did happen
    sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
    group = sp["groups"][order.customer.bw_group_id]
    assert sorted(group["dns"]) == sorted(f"+1-{n[2:]}" for n in numbers)
    assert group["service_packs"] == {f.package("Enterprise Standard").bw_name: 2}


def test_closing_the_pools_logs_their_sessions_out_and_the_next_order_logs_in_afresh(
        tenant_a, emulator, bw_config):
    # A pool outliving its BroadWorks (a test's emulator, a changed address) must not hand
    # a stale session to whatever listens on that port next.
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                        numbers=stock_numbers(2025550100, 1), name="First", domain="first.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == OrderState.COMPLETED
    assert emulator.stats.sessions_open == 1
    services.broadworks_pools_close()
    deadline = time.monotonic() + 5
    while emulator.stats.sessions_open and time.monotonic() < deadline:
        time.sleep(0.01)
    assert emulator.stats.sessions_open == 0
    logins = emulator.stats.sessions_total
    emulator.set_faults(lose_answer_next=1)  # the one resend is still there to recover it
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                         numbers=stock_numbers(2025550200, 1), name="Second",
                         domain="second.example")
    assert services.order_provision(order_id=second.pk, config=bw_config) == OrderState.COMPLETED
    assert emulator.stats.sessions_total == logins + 2  # a fresh login, then the resend's


def test_staff_see_lost_orders_on_the_dashboard_and_the_order_page(client, tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Orphan Co")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE (args->>'order_id')::bigint = %s",
                       [order.pk])
        cursor.execute("UPDATE orders_order SET updated_at = now() - interval '5 minutes' "
                       "WHERE id = %s", [order.pk])
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert 'id="lost-orders"' in page and order.number in page
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="job-lost"' in detail and 'id="retry"' in detail and 'id="cancel-order"' in detail
    client.force_login(tenant_a.user)  # partners are not shown the operations view
    assert 'id="lost-orders"' not in client.get("/").content.decode()


def test_the_order_form_says_which_domain_an_empty_field_gives(client, tenant_a, settings):
    settings.ORION_BROADWORKS_SYSTEM_DOMAIN = SYSTEM
    enterprise = tenant_a.enterprise
    enterprise.default_domain = "branch-parent.example"
    enterprise.save(update_fields=["default_domain"])
    client.force_login(tenant_a.user)
    branch = order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise)
    page = client.get(f"/orders/{branch.pk}/form/").content.decode()
    hint = page.split('id="domain-fallback"', 1)[1].split("</small>", 1)[0]
    assert "<strong>branch-parent.example</strong> (its enterprise's)" in hint
    new = order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    page = client.get(f"/orders/{new.pk}/form/").content.decode()
    hint = page.split('id="domain-fallback"', 1)[1].split("</small>", 1)[0]
    assert f"<strong>{SYSTEM}</strong>" in hint and "enterprise" not in hint


def test_a_cancel_that_commits_while_the_worker_starts_wins(tenant_a, staff, emulator,
                                                            bw_config, monkeypatch):
    """The worker read the order (acknowledged), staff cancel it, then the worker moves it to
    in progress: the move is refused, the job ends quietly, BroadWorks gets nothing."""
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages=PACKAGES, name="Photo Finish")
    monkeypatch.setattr(services, "broadworks_config", lambda: bw_config)
    hold = services._e911_hold_or_start

    def cancel_meanwhile(read: Order) -> bool:  # runs after the worker re-read the order
        repair.order_cancel(order_id=read.pk, user=staff, reason="changed their mind")
        return hold(read)

    monkeypatch.setattr(services, "_e911_hold_or_start", cancel_meanwhile)
    assert provision_order(_context(order), order_id=order.pk) == "changed"
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert list(order.state_changes.values_list("to_state", flat=True)) == [
        OrderState.ACKNOWLEDGED, OrderState.CANCELLED]
    assert emulator.stats.writes == 0


def test_the_system_domain_typed_as_a_domain_stays_every_enterprises(
        tenant_a, tenant_b, emulator, bw_config, settings):
    """BroadWorks shares the system domain with every enterprise: typing it claims nothing,
    so another partner typing it too is not told it belongs to someone else."""
    settings.ORION_BROADWORKS_SYSTEM_DOMAIN = SYSTEM
    orders = [place_order(user=tenant.user, kind=OrderKind.NEW_ENTERPRISE, packages=PACKAGES,
                          name=f"System {n}", domain=SYSTEM)
              for n, tenant in enumerate((tenant_a, tenant_b))]
    for order in orders:
        assert _provision(order, bw_config) == OrderState.COMPLETED
        sp = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id]
        assert sp["default_domain"] == SYSTEM
        assert sp["groups"][order.customer.bw_group_id]["default_domain"] == SYSTEM
    assert not Domain.objects.filter(name__iexact=SYSTEM).exists()
