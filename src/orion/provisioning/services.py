"""Provisioning an order into BroadWorks, and the staff actions around it.

``order_provision`` is what the worker runs. It is safe to run any number of times, at any
moment, after any crash: it reads BroadWorks, sends only what is missing (see ``plan``), and
records every step and every OCI-P exchange. Transient failures (connection lost, timeout,
"server busy") propagate so that the job is retried with backoff; permanent ones stop the
order in failed with a message a person can act on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from orion.broadworks.client import BroadWorksClient, OCIExchange
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCIAlreadyExists, OCIConnectionError, OCIError
from orion.broadworks.pool import BroadWorksPool
from orion.core.bulk import rows_insert_sql, rows_update, rows_update_sql
from orion.core.compiled import fetch_one
from orion.numbers.models import Backorder
from orion.numbers.services import change_numbers_give_back
from orion.numbers.services.e911 import e911_held_note, order_e911_defaults_apply
from orion.orders.lifecycle import order_activate, order_open_ports, order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.states import PROVISIONING_STATES, OrderState
from orion.porting.models import PortRequest
from orion.porting.states import OPEN_STATES as OPEN_PORT_STATES
from orion.provisioning import plan, waves
from orion.provisioning.exceptions import (
    ProvisioningBusy,
    ProvisioningConflict,
    ProvisioningStepFailed,
)
from orion.provisioning.fencing import (
    FENCE_GUARD,
    JobFence,
    enterprise_lock,
    enterprise_unlock,
    fence_check,
    fenced_write,
)
from orion.provisioning.models import (
    FINISHED_STEP_STATUSES,
    OciExchangeLog,
    ProvisioningStep,
    StepStatus,
)
from orion.provisioning.notifications import notify_after_commit
from orion.provisioning.queue import (
    TRUNKING_HELD_NOTE,
    effective_start,
    provisioning_job_defer,
    steps_create,
)

logger = logging.getLogger(__name__)
MAX_ROUNDS = 3

def broadworks_config() -> BroadWorksConfig:
    return settings.ORION_BROADWORKS


@dataclass
class _Run:
    order: Order
    steps: dict[str, ProvisioningStep]
    touched: set[str]
    fence: JobFence | None = None
    # The steps with something to check or create (``plan.steps_with_work``), from the last
    # desired state computed; None until the run has computed one.
    with_work: set[str] | None = None
    # The order's users BroadWorks holds, of how many ("creating users (3 of 5)").
    users_done: int = 0
    users_total: int = 0
    # User ids BroadWorks called existing that the group did not list (another group's).
    users_elsewhere: set[str] = field(default_factory=set)
    # The OCI-P session of this run, and (its session id, when) of the last fenced write
    # that proved the run still owns the enterprise (``_record``); see ``before_document``.
    client: BroadWorksClient | None = None
    fence_seen: tuple[str | None, float] | None = None

    def check_fence(self) -> None:
        """Before every write (to BroadWorks or to the steps): still ours?"""
        enterprise_id = self.order.enterprise_id
        assert enterprise_id is not None  # a placed order has its enterprise
        fence_check(enterprise_id=enterprise_id, fence=self.fence)

    def before_document(self) -> None:
        """The client's check before each document: ``check_fence``, unless this run's own
        fenced write proved the same a moment ago on the same OCI-P session (the record of
        the previous document, written just before this one is sent).

        That write is the same statement as the check, so skipping the repeat (one query per
        document) leaves the same window as ever between a check and its send; a new login
        (another session id), a resend or more than ``FENCE_FRESH_SECONDS`` since (a pause)
        checks again. Each proof serves one document only.
        """
        seen, self.fence_seen = self.fence_seen, None
        session = self.client.session_id if self.client is not None else None
        if (seen is not None and session is not None and seen[0] == session
                and time.monotonic() - seen[1] < FENCE_FRESH_SECONDS):
            return
        self.check_fence()


# How long a run's own fenced write stands for the check before its next document.
FENCE_FRESH_SECONDS = 0.25


# One pool of logged-in OCI-P sessions per process and BroadWorks: BroadWorks binds a session
# to its socket and allow-lists provisioning addresses, so a worker keeps a few sessions open
# instead of logging in for every order, and never has more requests in flight than the pool.
_pools: dict[BroadWorksConfig, BroadWorksPool] = {}
_pools_lock = threading.Lock()
# The exchanges of the order this thread is provisioning, written with its step updates.
_audit = threading.local()


def _record_exchange(exchange: OCIExchange) -> None:
    buffer = getattr(_audit, "buffer", None)
    if buffer is not None:
        buffer.append(exchange)


def broadworks_pool(config: BroadWorksConfig) -> BroadWorksPool:
    with _pools_lock:
        pool = _pools.get(config)
        if pool is None:
            pool = _pools[config] = BroadWorksPool(config, on_exchange=_record_exchange)
        return pool


def broadworks_pools_close() -> None:
    """Log out and forget every pooled session of this process.

    For a BroadWorks that is gone for good (a test's emulator, a changed address): its port
    may be reused by another server, which must not receive a dead pool's sessions.
    """
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _exchange_rows(order: Order) -> list[OciExchangeLog]:
    return [OciExchangeLog(order=order, at=x.started_at,
                           commands=", ".join(x.commands)[:2000] or "(none)",
                           request_xml=x.request_xml, response_xml=x.response_xml or "",
                           duration_ms=int(x.duration * 1000), error=x.error or "")
            for x in getattr(_audit, "buffer", None) or []]


def _flush_exchanges(order: Order) -> None:
    if rows := _exchange_rows(order):
        OciExchangeLog.objects.bulk_create(rows)
        _audit.buffer.clear()


def _record(run: _Run, steps: Sequence[ProvisioningStep] = (), *,
            durable: bool = False) -> None:
    """The fence check, the OCI-P exchanges so far and ``steps``, in one statement.

    The bookkeeping after every document is one round trip (not a transaction of five), and
    nothing of it is written once the run lost its enterprise or its job. It commits without
    waiting for the disk (``fenced_write(durable=False)``) unless ``durable``: the first
    record of a run (a retry must know something may have been sent) is durable, and the
    run's end commits durably, flushing every record before it.
    """
    enterprise_id = run.order.enterprise_id
    assert enterprise_id is not None  # a placed order has its enterprise
    statements = []
    if logs := _exchange_rows(run.order):
        statements.append(rows_insert_sql(logs, guard=FENCE_GUARD))
    if steps:
        statements.append(rows_update_sql(steps, _STEP_FIELDS, guard=FENCE_GUARD))
    fenced_write(enterprise_id=enterprise_id, fence=run.fence, statements=statements,
                 durable=durable)
    if run.client is not None:
        run.fence_seen = (run.client.session_id, time.monotonic())
    if logs:
        _audit.buffer.clear()


def _step_update(step: ProvisioningStep, **fields: object) -> None:
    _set(step, **fields)
    step.save(update_fields=list(fields))


def _set(step: ProvisioningStep, **fields: object) -> None:
    for name, value in fields.items():
        setattr(step, name, value)


_STEP_FIELDS = ["status", "attempts", "started_at", "finished_at", "error_code", "error",
                "created", "label"]


def _steps_save(steps: list[ProvisioningStep]) -> None:
    """Write several steps in one statement (a run's bookkeeping is a handful of queries)."""
    rows_update(steps, _STEP_FIELDS)


def _order_read(pk: int) -> QuerySet[Order]:
    """The order a run works on, with the relations it reads (compiled once, ``fetch_one``)."""
    return Order.objects.select_related("customer", "enterprise").filter(pk=pk).order_by(
        "pk")[:1]


def order_provision(*, order_id: int, config: BroadWorksConfig | None = None,
                    fence: JobFence | None = None) -> str:
    """Provision (or continue provisioning) one order. Returns the order's state after it.

    A session-level advisory lock on the enterprise makes sure two workers never work on the
    same BroadWorks enterprise (its groups, service packs, authorizations) at once; a killed
    worker's lock dies with its connection, and a frozen worker's is taken over once its job
    was handed to another worker (see ``fencing``). Jobs carry a Procrastinate lock per
    enterprise too, so an enterprise's orders run one after the other, in the order saved.
    ``fence`` names the job that owns this run; every write is preceded by a check that it
    still does.
    """
    order = fetch_one("provisioning_order", _order_read, order_id)
    if order is None:
        logger.warning("order id %s: no such order; nothing to provision", order_id)
        return "missing"
    if order.state not in PROVISIONING_STATES:
        return order.state
    enterprise_id = order.enterprise_id
    # a placed order has its account (the order_placed_is_complete constraint)
    assert order.customer is not None and enterprise_id is not None
    if order.customer.is_trunking:
        order_transition(order=order, to=OrderState.HELD, by=None, note=TRUNKING_HELD_NOTE)
        return order.state
    if order.kind == OrderKind.CHANGE and (start := effective_start(order)) is not None:
        # Queued early (the lost-job sweep, a retry): back to the effective date, never
        # before; BroadWorks is not touched.
        provisioning_job_defer(order=order, schedule_at=start)
        return order.state
    _wait_for_earlier_orders(order)
    enterprise_lock(enterprise_id=enterprise_id, fence=fence)
    try:
        # Read again now that the lock is ours (the same relations, so none is read twice).
        order = fetch_one("provisioning_order", _order_read, order_id)
        if order is None:
            return "missing"  # deleted meanwhile (a test's teardown; Orion never deletes one)
        if order.state not in PROVISIONING_STATES:
            return order.state
        if not _e911_hold_or_start(order):
            return order.state
        run = _Run(order=order, steps={s.key: s for s in steps_create(order=order)},
                   touched=set(), fence=fence)
        _audit.buffer = []
        try:
            pool = broadworks_pool(config or broadworks_config())
            with pool.connection() as client:
                run.client = client
                client.before_send = run.before_document  # before every document and resend
                try:
                    _converge(run, client, pool)
                finally:
                    client.before_send = None
                    run.client, run.fence_seen = None, None
        except (ProvisioningConflict, ProvisioningStepFailed) as exc:
            _flush_exchanges(order)
            run.check_fence()
            return _fail(run, exc.step, _with_drift(order, exc), code=exc.code)
        finally:
            try:
                _flush_exchanges(order)
            finally:
                _audit.buffer = None
        return _complete(run)  # its first write checks the fence
    finally:
        enterprise_unlock(enterprise_id=enterprise_id)


def _change_complete(order: Order) -> None:
    """A change reached BroadWorks (in the completion's transaction): its given-back numbers
    age in quarantine, its removed users stop being live, and the audit log says so."""
    from orion.audit.services import audit_record
    from orion.users.models import OrderUser
    from orion.users.removals import order_removals

    removals = order_removals(order)
    numbers = change_numbers_give_back(order=order, did_ids=[d.pk for d in removals.numbers],
                                       note=f"Given back with change {order.number}.")
    users = OrderUser.objects.filter(pk__in=[u.pk for u in removals.users],
                                     is_live=True).update(is_live=False)
    audit_record(actor=None, action="order.change_complete", obj=order, via="worker",
                 changes={"customer": order.customer_id,
                          "effective_date": order.effective_date,
                          "numbers_given_back": numbers, "users_removed": users,
                          "lines": {line.package.name: [line.previous_quantity, line.quantity]
                                    for line in order.lines.select_related("package")}})


def _wait_for_earlier_orders(order: Order) -> None:
    """A change order diffs against what the customer's earlier orders put in BroadWorks:
    while one of them is still being provisioned, the change waits (ProvisioningBusy brings
    the job back later) rather than racing it."""
    if order.kind != OrderKind.CHANGE or order.customer_id is None:
        return
    earlier = (Order.objects.filter(customer_id=order.customer_id, pk__lt=order.pk,
                                    state__in=PROVISIONING_STATES)
               .values_list("number", flat=True).first())
    if earlier is not None:
        raise ProvisioningBusy(f"waiting for the customer's earlier order {earlier} to be "
                               "provisioned first")


def _e911_hold_or_start(order: Order) -> bool:
    """Hold the order while one of its hosted numbers has no dispatchable location (after the
    customer's service address was given to those without one): a 911 call from it could not
    be routed. Giving the last one queues the order again (``numbers.services.e911``).

    Otherwise the order is in progress from here (it may be already, on a retry); the
    locations, the surcharge and that state change are one transaction, one commit. Returns
    whether provisioning goes on."""
    with transaction.atomic():
        missing = order_e911_defaults_apply(order=order)
        if not missing:
            if order.state == OrderState.ACKNOWLEDGED:
                order_transition(order=order, to=OrderState.IN_PROGRESS, by=None,
                                 note="Provisioning into BroadWorks started.")
            return True
        order_transition(order=order, to=OrderState.HELD, by=None,
                         note=e911_held_note(missing))
        notify_after_commit(order)
    logger.info("order %s: held for %s number(s) without an E911 location", order.number,
                len(missing))
    return False


def _converge(run: _Run, client: BroadWorksClient, pool: BroadWorksPool) -> None:
    """Read, diff, write; again if BroadWorks said "already exists" (to verify it).

    Step bookkeeping and the OCI-P log are written in one statement per phase (``_record``,
    with the fence check), not row by row: a run costs a handful of statements, not dozens.
    """
    check = run.steps["check"]
    for _ in range(MAX_ROUNDS):
        now = timezone.now()
        unread = check.attempts == 0 and _nothing_sent_yet(run.order)
        _set(check, status=StepStatus.RUNNING, started_at=check.started_at or now,
             attempts=check.attempts + 1)
        _record(run, [check], durable=True)  # before anything is sent: a retry reads first
        desired = plan.desired_for(run.order)
        run.with_work = plan.steps_with_work(desired)
        if unread and desired.creates_enterprise:
            seen = plan.assumed_new(desired)  # nothing of it can exist yet: no read document
        else:
            seen = plan.parse_reads(client.batch(plan.read_requests(desired)))
            if user_reads := plan.user_reads(desired, seen):
                plan.parse_user_reads(desired, seen, client.batch(user_reads))
        seen.users_elsewhere = set(run.users_elsewhere)
        actions = plan.plan_actions(desired, seen)  # a conflict raises here (reads logged)
        run.users_total = len(desired.users)
        run.users_done = sum(1 for u in desired.users if u.user_id in seen.users)
        _set(check, status=StepStatus.DONE, finished_at=timezone.now(), error="",
             error_code="")
        changed = [check]
        for key in dict.fromkeys(a.step for a in actions):
            step = run.steps[key]
            run.touched.add(key)
            _set(step, status=StepStatus.RUNNING, started_at=step.started_at or now,
                 attempts=step.attempts + 1)
            changed.append(step)
        _label_users(run)
        _record(run, changed)  # with the reads' exchanges
        if not actions:
            return
        recheck = False
        # One document at a time, recorded as it returns, so the page follows long steps
        # ("creating users (15 of 50)") and a failure stops what depends on it; then the
        # new users' documents, several at a time (``waves``).
        docs = waves.documents(actions)
        chunks = [*docs.ordered, *docs.concurrent]
        laters: list[set[str]] = []  # the steps with commands after each document
        after: set[str] = set()
        for chunk in reversed(chunks):
            laters.insert(0, set(after))
            after |= {a.step for a in chunk}
        ordered = docs.ordered if waves.MAX_AT_ONCE > 1 else chunks
        for n, chunk in enumerate(ordered):
            # client.before_send re-checks the fence immediately before each document.
            results = client.batch([a.request for a in chunk])
            again, failure = _record_results(run, chunk, results, later=laters[n])
            recheck = recheck or again
            if failure is not None:
                raise failure
        if docs.concurrent and waves.MAX_AT_ONCE > 1:
            again = _send_concurrently(run, client, pool, docs.concurrent,
                                       laters[len(docs.ordered):])
            recheck = recheck or again
        if not recheck:
            return
    raise ProvisioningStepFailed(
        "BroadWorks keeps answering 'already exists' for objects Orion cannot read back; "
        "check the enterprise in BroadWorks.", step="check")


def _send_concurrently(run: _Run, client: BroadWorksClient, pool: BroadWorksPool,
                       chunks: list[list[plan.Action]], laters: list[set[str]]) -> bool:
    """The new users' documents in bursts over the run's session and the pool's free ones,
    each burst behind one fence check; recorded in order once the burst is back. Returns
    whether a re-read must verify "already exists"; raises the first failure after the
    burst that met it (later bursts are not sent)."""
    recheck = False
    buffer = _audit.buffer

    @contextmanager
    def in_thread() -> Iterator[None]:
        _audit.buffer = buffer  # the run's OCI-P log, whichever thread sends
        try:
            yield
        finally:
            _audit.buffer = None

    with pool.spare(min(len(chunks), waves.MAX_AT_ONCE) - 1) as spares:
        clients = [client, *spares]
        index = 0
        for burst in waves.bursts(chunks, len(clients)):
            run.check_fence()  # one check, on the run's database session, for the burst
            outcomes = waves.send_burst(clients, burst, in_thread=in_thread)
            failure: BaseException | None = None
            for chunk, outcome in zip(burst, outcomes, strict=True):
                later = laters[index]
                index += 1
                if isinstance(outcome, waves.NotSent) and failure is None:
                    # A spare session could not log in: nothing went; the run's own sends it.
                    outcome = client.batch([a.request for a in chunk])
                if isinstance(outcome, BaseException):
                    failure = failure or outcome
                    continue
                again, refused = _record_results(run, chunk, outcome, later=later)
                recheck = recheck or again
                failure = failure or refused
            if failure is not None:
                raise failure
    return recheck


def _nothing_sent_yet(order: Order) -> bool:
    """A new enterprise's order before any provisioning of its enterprise started: the
    enterprise (made by this order's Save Order) and its group cannot be in BroadWorks yet,
    so the first attempt skips the read document (``plan.assumed_new``)."""
    enterprise_id = order.enterprise_id
    return (order.kind == OrderKind.NEW_ENTERPRISE and enterprise_id is not None
            and not ProvisioningStep.objects.filter(order__enterprise_id=enterprise_id,
                                                    attempts__gt=0).exists())


def _label_users(run: _Run) -> None:
    """"creating users (3 of 5)": the users step counts what BroadWorks holds."""
    step = run.steps.get("users")
    if step is not None and run.users_total:
        step.label = f"{plan.STEP_LABELS['users']} ({run.users_done} of {run.users_total})"


def _record_results(run: _Run, actions: list[plan.Action], results: list, *,
                    later: set[str] | None = None) -> tuple[bool, Exception | None]:
    """Mark what worked. Returns (a re-read must verify "already exists", first failure).

    ``later`` names the steps that still have commands in the next documents: they stay
    running.
    """
    recheck = False
    failure: Exception | None = None
    unfinished: set[str] = set(later or ())
    existed: set[str] = set()  # user ids this document's UserAddRequest17sp4 found taken
    for action, result in zip(actions, results, strict=True):
        name, fields = action.request
        if result.ok:
            step = run.steps[action.step]
            step.created = [*step.created, action.creates]
            if name == "UserAddRequest17sp4":
                run.users_done += 1
            continue
        unfinished.add(action.step)
        error = result.error
        if isinstance(error, OCIAlreadyExists):
            recheck = True  # verified by the next round's reads, never assumed
            if name == "UserAddRequest17sp4":
                run.users_elsewhere.add(fields["user_id"])  # unless the re-read finds it
                existed.add(fields["user_id"])
        elif name == "UserServiceAssignListRequest" and fields.get("user_id") in existed:
            # Its user was not created by this document (the id exists, perhaps in another
            # group): whatever BroadWorks answered about that user's packs, the re-read
            # decides (the order's own user, or the "used elsewhere" conflict).
            continue
        elif failure is not None:
            continue  # later commands fail because of the first failure
        elif isinstance(error, OCIConnectionError) or (error and error.retryable):
            failure = error
        else:
            failure = ProvisioningStepFailed(_readable(action, error), step=action.step,
                                             oci_code=error.code if error else None)
    for key in dict.fromkeys(a.step for a in actions):
        if key not in unfinished:
            _set(run.steps[key], status=StepStatus.DONE, finished_at=timezone.now(), error="",
                 error_code="")
    _label_users(run)
    # This document's exchange and its steps, behind the fence, in one statement.
    _record(run, [run.steps[key] for key in dict.fromkeys(a.step for a in actions)])
    return recheck, failure


def _readable(action: plan.Action, error: OCIError | None) -> str:
    what = plan.STEP_LABELS[action.step]
    if error is None:
        return f"BroadWorks refused {what}."
    return f"BroadWorks refused {what} ({action.creates}): {error.message}"


def _finish_steps(run: _Run) -> None:
    now = timezone.now()
    finished: list[ProvisioningStep] = []
    for key, step in run.steps.items():
        if key == "check" or step.status in FINISHED_STEP_STATUSES:
            continue
        if key in run.touched:
            status = StepStatus.DONE
        elif run.with_work is not None and key not in run.with_work:
            status = StepStatus.NOT_NEEDED  # not "already in BroadWorks": there was nothing
        else:
            status = StepStatus.SKIPPED
        _set(step, status=status, finished_at=now, error="", error_code="")
        finished.append(step)
    _record(run, finished)


def _complete(run: _Run) -> str:
    order = run.order
    _finish_steps(run)
    with transaction.atomic():
        # What the completion waits for comes with the locked row (one statement, not three):
        # backordered numbers still pending, and whether a port request is still open.
        order = (Order.objects.select_for_update(of=("self",), no_key=True)
                 .select_related("customer")
                 .annotate(backordered=Coalesce(Subquery(
                               Backorder.objects.filter(order=OuterRef("pk"))
                               .values("order")
                               .annotate(n=Sum(F("quantity") - F("filled"))).values("n")),
                               0),
                           porting=Exists(PortRequest.objects.filter(
                               order=OuterRef("pk"), state__in=OPEN_PORT_STATES)))
                 .get(pk=order.pk))
        pending: int = order.backordered  # type: ignore[attr-defined]  # annotated above
        if order.kind == OrderKind.CHANGE:
            _change_complete(order)
        # Live means live: not while numbers are still porting in, nor while the customer's
        # circuit or PBX awaits its turn-up (then "Mark live" activates it).
        porting: bool = order.porting  # type: ignore[attr-defined]  # annotated above
        ports = order_open_ports(order) if porting else []
        if not ports and not order.awaiting_turn_up:
            order_activate(order=order)
        waits = []
        if ports:
            waits.append(f"awaiting port completion ({', '.join(ports)})")
        if pending:
            waits.append(f"{pending} backordered DID(s) still pending")
        if waits:
            order_transition(order=order, to=OrderState.PARTIAL, by=None,
                             note=f"Provisioned; {'; '.join(waits)}.")
        else:
            order_transition(order=order, to=OrderState.COMPLETED, by=None,
                             note="Provisioned into BroadWorks.")
        notify_after_commit(order)
    logger.info("order %s: provisioning finished in state %s", order.number, order.state)
    return order.state


def _with_drift(order: Order, exc: ProvisioningConflict | ProvisioningStepFailed) -> str:
    """A change made outside Orion is recorded as the customer's drift entry (the nightly
    audit may have found it already), and the failure names it: staff accept it or
    re-provision from the order page or the drift page."""
    drift = getattr(exc, "drift", None)
    if drift is None or order.customer_id is None:
        return exc.message
    from orion.adoption.conflicts import drift_record

    kind, name, expected, actual = drift
    entry = drift_record(customer_id=order.customer_id, kind=kind, name=name,
                         expected=expected, actual=actual)
    return f"{exc.message.removesuffix('.')} (drift #{entry.pk})."


def _fail(run: _Run, step_key: str, message: str, *, code: str) -> str:
    order = run.order
    step = run.steps.get(step_key) or run.steps["check"]
    _step_update(step, status=StepStatus.FAILED, finished_at=timezone.now(), error=message,
                 error_code=code)
    # Steps whose commands did not complete because of this failure wait for the retry.
    order.provisioning_steps.filter(status=StepStatus.RUNNING).exclude(pk=step.pk).update(
        status=StepStatus.PENDING)
    with transaction.atomic():
        order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
        if order.state in PROVISIONING_STATES:
            order_transition(order=order, to=OrderState.FAILED, by=None, note=message)
            notify_after_commit(order)
    logger.warning("order %s: step %s failed: %s", order.number, step_key, message)
    return order.state


def order_fail_after_retries(*, order_id: int, error: Exception) -> None:
    """The job ran out of retries on a transient error: say so, and stop in failed."""
    if isinstance(error, DatabaseError):
        message = (f"Orion's database kept failing while provisioning ({_first_line(error)}). "
                   "Check PostgreSQL, then press Retry: the order continues where it stopped.")
        code = "database_unavailable"
    else:
        message = (f"BroadWorks could not be reached reliably after several attempts "
                   f"({error}). Check the connection to BroadWorks, then press Retry.")
        code = "broadworks_unreachable"
    order_fail_stopped(order_id=order_id, message=message, code=code)


def order_fail_unexpected(*, order_id: int, error: BaseException) -> None:
    """A bug or an unforeseen answer stopped the run: the order must not stay in progress."""
    order_fail_stopped(
        order_id=order_id, code="unexpected_error",
        message=(f"Provisioning stopped on an unexpected error ({type(error).__name__}: "
                 f"{_first_line(error)}). Operations have been told; once it is fixed, press "
                 "Retry and the order continues where it stopped."))


def order_fail_stopped(*, order_id: int, message: str, code: str) -> None:
    """End a run that cannot go on in failed, at its running step (or the check)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.state not in PROVISIONING_STATES:
        return
    running = order.provisioning_steps.filter(status=StepStatus.RUNNING).first()
    key = running.key if running else "check"
    steps_create(order=order)
    run = _Run(order=order, steps={s.key: s for s in order.provisioning_steps.all()},
               touched=set())
    _fail(run, key, message, code=code)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
