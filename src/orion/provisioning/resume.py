"""Orders that waited for something outside provisioning go on: a port request closed (its
numbers are ours now, or will never come), or the last missing E911 location was given.

Why a module of its own: porting and the numbers' E911 service call it inside their own
transactions, and it only moves the order and queues its job (``provisioning.queue``), so it
sits beside the queue, below the provisioning use cases.
"""

from __future__ import annotations

from orion.accounts.models import User
from orion.orders.lifecycle import order_transition
from orion.orders.models import Order
from orion.orders.states import PROVISIONING_STATES, OrderState
from orion.provisioning.models import StepStatus
from orion.provisioning.queue import provisioning_job_defer

# The steps a run re-checks when numbers arrive late (as a filled backorder does).
_NUMBER_STEPS = ("check", "numbers", "assign_numbers", "users")


def order_port_closed(*, order: Order, by: User | None, note: str) -> bool:
    """A port of ``order`` completed or was canceled: provision what it brought and finish
    the order (a partial order goes back to in progress; one still provisioning gets one more
    run, which reads the new numbers). Trunking orders stay on the manual path. Returns
    whether a job was queued."""
    customer = order.customer
    if customer is None or customer.is_trunking:
        return False
    if order.state == OrderState.PARTIAL:
        order_transition(order=order, to=OrderState.IN_PROGRESS, by=by, note=note)
    elif order.state not in PROVISIONING_STATES:
        return False
    order.provisioning_steps.filter(key__in=_NUMBER_STEPS).update(status=StepStatus.PENDING)
    provisioning_job_defer(order=order)
    return True


def order_e911_fixed(*, order: Order, by: User | None) -> None:
    """Every number of an order held for E911 has its location now: provision it."""
    order_transition(order=order, to=OrderState.IN_PROGRESS, by=by,
                     note="E911 locations given; provisioning continues.")
    provisioning_job_defer(order=order)
