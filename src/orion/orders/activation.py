"""When an order's service is live (issue 18, item 5): the "Mark live" action of an order
that awaited a turn-up outside Orion, and the Billing Start Date that follows the port's
completion when the order form left it "on port completion".

Why apart from ``orders.services``: porting's completion calls these inside its own
transaction, and they need only the state machine (``lifecycle``) and the audit log.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.orders.exceptions import OrderError
from orion.orders.lifecycle import order_activate, order_open_ports
from orion.orders.models import Order
from orion.orders.states import PROVISIONED_STATES

logger = logging.getLogger(__name__)


def order_mark_live_problem(order: Order) -> str:
    """Why "Mark live" is not offered (empty: it is)."""
    if not order.awaiting_turn_up:
        return ("This order does not await a turn-up: it is activated when provisioning "
                "completes.")
    if order.activated_at is not None:
        return f"The service is live since {order.activated_at:%Y-%m-%d}."
    if order.state not in PROVISIONED_STATES:
        return "The order can be marked live once it is provisioned."
    ports = order_open_ports(order)
    if ports:
        return (f"Numbers are still porting in ({', '.join(ports)}): the service is live "
                "when the last port completes.")
    return ""


def order_mark_live(*, user: User, order_id: int, via: str = "web") -> Order:
    """The partner or staff say the circuit or PBX is turned up: the order is activated now
    (the Billing Start Date is fixed for partners from here on). Audited."""
    with transaction.atomic():
        order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
                 .select_related("customer").filter(pk=order_id).first())
        if order is None:
            raise NotFound("No such order.")
        problem = order_mark_live_problem(order)
        if problem:
            raise OrderError(problem, code="not_awaiting_turn_up", field="mark_live")
        order_activate(order=order)
        audit_record(actor=user, action="order.mark_live", obj=order, via=via,
                     changes={"activated_at": order.activated_at.isoformat()
                              if order.activated_at else None})
    logger.info("order %s: marked live by %s", order.number, user.username)
    return order


def order_billing_start_on_port(*, order: Order, day: date, by: User | None,
                                port_reference: str) -> bool:
    """The order's last port completed on ``day``: an order whose Billing Start Date was left
    "on port completion" starts billing then (the partner may still move it until the
    service is activated). Returns whether the date changed."""
    if (not order.billing_start_on_port or order.activated_at is not None
            or order.is_draft or order_open_ports(order)):
        return False
    old = order.billing_start_date
    if old == day:
        return False
    order.billing_start_date = day
    order.save(update_fields=["billing_start_date", "updated_at"])
    if order.creates_account and order.customer is not None:
        order.customer.billing_start_date = day
        order.customer.save(update_fields=["billing_start_date"])
    audit_record(actor=by, action="order.billing_start_date_change", obj=order, via="port",
                 reason=f"Port {port_reference} completed",
                 changes={"billing_start_date": [old.isoformat() if old else None,
                                                 day.isoformat()],
                          "activated": False})
    return True
