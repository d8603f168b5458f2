"""The order state machine at work: the one function that changes an order's state, and the
one that records its activation. A leaf of ``orders`` (models, states, exceptions only), so
that provisioning and numbers can move orders without importing the order use cases.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from orion.accounts.models import User
from orion.accounts.validators import clean_text
from orion.audit.models import REASON_MAX_LENGTH
from orion.core.compiled import fetch
from orion.orders.exceptions import InvalidTransition, OrderError, StaleOrderState
from orion.orders.models import Order, OrderStateChange
from orion.orders.states import TRANSITIONS, OrderState
from orion.porting.models import PortRequest
from orion.porting.states import OPEN_STATES as OPEN_PORT_STATES
from orion.webhooks.events import order_state_changed, subscribed_sql
from orion.webhooks.models import EventType


def order_transition(*, order: Order, to: str, by: User | None, note: str = "") -> Order:
    """The one function that changes an order's state; refuses moves not in TRANSITIONS.

    Compare-and-set: the row is updated only if it is still in the state ``order`` was read
    in, so a move decided on stale data (a worker starting an order that staff cancelled a
    moment ago) is refused with ``StaleOrderState`` instead of overwriting the other move.
    """
    expected = order.state
    if to not in TRANSITIONS.get(expected, frozenset()):
        raise InvalidTransition(
            f"Order {order} cannot go from {OrderState(expected).label} to "
            f"{OrderState(to).label}.")
    # Within a caller's transaction, no savepoint (two statements fewer on every move): the
    # refusal is raised after the block, having written nothing, so the caller's transaction
    # goes on; any other failure in the block fails the caller's transaction with it.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        moved, endpoint_ids = _move(order=order, expected=expected, to=to, by=by,
                                    note=note[:REASON_MAX_LENGTH], now=now)
        if moved:
            # Partners' webhooks hear of the move in its transaction (a rollback sends none).
            order_state_changed(order=order, from_state=expected, to_state=to,
                                endpoint_ids=endpoint_ids)
    if not moved:
        current = Order.objects.filter(pk=order.pk).values_list("state", flat=True).first()
        label = OrderState(current).label if current else "gone"
        raise StaleOrderState(
            f"Order {order} was changed meanwhile (it is now {label}); reload the order "
            "and try again.")
    order.state = to
    order.updated_at = now
    return order


_MOVE_SQL = """
WITH moved AS (
    UPDATE "{order}" SET state = %s, updated_at = %s WHERE id = %s AND state = %s RETURNING id
), logged AS (
    INSERT INTO "{change}" (order_id, from_state, to_state, changed_by_id, changed_at, note)
    SELECT id, CAST(%s AS varchar), CAST(%s AS varchar), CAST(%s AS bigint),
           CAST(%s AS timestamptz), CAST(%s AS varchar)
    FROM moved
)
SELECT EXISTS (SELECT 1 FROM moved),
       CASE WHEN %s AND EXISTS (SELECT 1 FROM moved) THEN {subscribed} END
"""


def _move(*, order: Order, expected: str, to: str, by: User | None, note: str,
          now: datetime) -> tuple[bool, list[int] | None]:
    """The compare-and-set, its history row and the partner's subscribed webhook endpoints
    in one statement (three round trips were a third of a provisioning run's state
    changes). Returns whether the row moved, and the endpoint ids (None: not read, a draft
    has no number to announce)."""
    subscribed, subscribed_params = subscribed_sql(EventType.ORDER_STATE_CHANGED)
    sql = _MOVE_SQL.format(order=Order._meta.db_table, change=OrderStateChange._meta.db_table,
                           subscribed=subscribed)
    with connection.cursor() as cursor:
        cursor.execute(sql, [to, now, order.pk, expected,
                             expected, to, by.pk if by is not None else None, now, note,
                             bool(order.number), order.partner_id, *subscribed_params])
        moved, endpoint_ids = cursor.fetchone()
    return bool(moved), (list(endpoint_ids) if endpoint_ids is not None else None)


def order_activate(*, order: Order) -> None:
    """Record that the order's services are live (once): the order's activation date, and the
    customer's on its first activated order. Fixes the Billing Start Date for partners.

    One statement for both (a completion's transaction is most of a provisioning run's
    statements); each date is written only where none is recorded yet."""
    now = timezone.now()
    customer = order.customer
    assert customer is not None  # a saved order has its account
    if order.activated_at is not None and customer.activated_at is not None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH o AS (UPDATE "{Order._meta.db_table}" SET activated_at = %s '  # noqa: S608
            "WHERE id = %s AND activated_at IS NULL) "
            f'UPDATE "{type(customer)._meta.db_table}" SET activated_at = %s '
            "WHERE id = %s AND activated_at IS NULL", [now, order.pk, now, customer.pk])
    if order.activated_at is None:
        order.activated_at = now
    if customer.activated_at is None:
        customer.activated_at = now


def order_open_ports(order: Order) -> list[str]:
    """The references of the order's port requests still open (their numbers are not ours
    yet): the service is not live before the last one completes."""
    pks = fetch("open_ports", lambda pk: (
        PortRequest.objects.filter(order_id=pk, state__in=OPEN_PORT_STATES)
        .order_by("pk").values_list("pk", flat=True)), order.pk)
    return [f"P-{pk}" for pk in pks]


AWAITING_PORT = "Awaiting port completion"
AWAITING_TURN_UP = "Awaiting turn-up"


def order_activation_waits(order: Order) -> list[str]:
    """What a provisioned order waits for before it is live (its activation), as the order
    page and the API name it: open ports, a turn-up outside Orion."""
    if order.activated_at is not None or order.state in (OrderState.DRAFT,
                                                         OrderState.CANCELLED):
        return []
    waits = []
    if order_open_ports(order):
        waits.append(AWAITING_PORT)
    if order.awaiting_turn_up:
        waits.append(AWAITING_TURN_UP)
    return waits


def clean_reason(reason: str | None) -> str:
    """A reason a person typed for a state change or a correction (staff cancellations,
    billing corrections): plain text, ``REASON_MAX_LENGTH`` characters at most."""
    try:
        return clean_text(reason or "", max_length=REASON_MAX_LENGTH, label="The reason",
                          required=False)
    except ValidationError as exc:
        raise OrderError(exc.messages[0], code="invalid_reason", field="reason") from None
