"""Staff on the inventory: release, quarantine, make available; fill backorders (and have
the filled numbers provisioned); the end of quarantines.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.numbers import conf
from orion.numbers.exceptions import (
    NotEnoughNumbers,
    NumberError,
    NumberInService,
)
from orion.numbers.models import DID, Backorder
from orion.numbers.selectors import require_staff
from orion.numbers.services.moves import _number_transition, dids_move
from orion.numbers.states import NumberState
from orion.orders.states import OrderState
from orion.provisioning.queue import order_numbers_added
from orion.webhooks.events import backorder_filled

logger = logging.getLogger(__name__)

S = NumberState

# --- staff: inventory and backorders ------------------------------------------------------------

def _refuse_in_service(did_id: int, *, what: str) -> Mapping[str, Any] | None:
    """Lock the number and refuse when it is in a customer's BroadWorks group; returns its
    state, customer and order as they were.

    Taking it back from the inventory alone would leave it in BroadWorks, to be resold and
    to fail the next order with "phone number not found". The row is locked first, so a
    number assigned by a Save Order committing at the same moment is seen as assigned.
    """
    row = (DID.objects.select_for_update().filter(pk=did_id)
           .values("state", "customer_id", "order_id").first())
    if row and row["state"] == S.ASSIGNED and row["customer_id"] is not None:
        raise NumberInService(
            "This number is in service with its customer in BroadWorks. Give it back with "
            "a change order for that customer (or cancel its order if it never "
            f"completed); {what} it here alone would leave it in BroadWorks.")
    return row


def number_release(*, user: User, did_id: int, note: str = "") -> DID:
    """Staff: take a number back from its customer; it ages before it is sold again."""
    require_staff(user)
    with transaction.atomic():
        before = _refuse_in_service(did_id, what="releasing")
        did = _number_transition(
            did_id=did_id, to=S.QUARANTINED, by=user, note=note or "Released by staff.",
            order_id=None, customer_id=None, backorder_id=None, is_for_trunking=False,
            quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days()))
        audit_record(actor=user, action="number.release", obj=did, reason=note,
                     changes={"state": [before and before["state"], did.state],
                              "customer": [before and before["customer_id"], None],
                              "order": [before and before["order_id"], None]})
        return did


def number_quarantine(*, user: User, did_id: int, days: int | None = None,
                      note: str = "") -> DID:
    """Staff: keep a free number out of sale (a reported bad number, a recent port-out)."""
    require_staff(user)
    days = conf.quarantine_days() if days is None else days
    if not 1 <= days <= 3650:
        raise NumberError("Quarantine for 1 to 3,650 days.")
    with transaction.atomic():
        _refuse_in_service(did_id, what="quarantining")
        did = _number_transition(did_id=did_id, to=S.QUARANTINED, by=user,
                                 note=note or "Quarantined by staff.",
                                 quarantined_until=timezone.now() + timedelta(days=days))
        audit_record(actor=user, action="number.quarantine", obj=did, reason=note,
                     changes={"state": [S.AVAILABLE, did.state], "days": days})
        return did


def number_unquarantine(*, user: User, did_id: int) -> DID:
    """Staff: end a quarantine early."""
    require_staff(user)
    with transaction.atomic():
        did = _number_transition(did_id=did_id, to=S.AVAILABLE, by=user,
                                 note="Made available by staff.", quarantined_until=None)
        audit_record(actor=user, action="number.unquarantine", obj=did,
                     changes={"state": [S.QUARANTINED, did.state]})
        return did


def backorder_fill(*, user: User, backorder_id: int) -> int:
    """Staff: assign free matching numbers to an open backorder, as many as are pending.

    Fills partially when fewer are free (Partial), fully otherwise (Complete).
    """
    require_staff(user)
    with transaction.atomic():
        bo = (Backorder.objects.select_for_update(of=("self",)).select_related("order")
              .filter(pk=backorder_id).first())
        if bo is None:
            raise NotFound("No such backorder.")
        order = bo.order
        if order.state in (OrderState.DRAFT, OrderState.CANCELLED):
            raise NumberError(f"Order {order} is {order.get_state_display().lower()}; its "
                              "backorder cannot be filled.")
        if bo.pending == 0:
            raise NumberError(f"The backorder for {bo.prefix} is already complete.")
        moved = dids_move(queryset=bo.matching_numbers(), to=S.ASSIGNED,
                          from_states=[S.AVAILABLE], by=user, order=order,
                          note=f"Backorder {bo.prefix} filled.", limit=bo.pending,
                          skip_locked=True, lock_order=("npa", "nxx", "e164"), order_id=order.pk,
                          customer_id=order.customer_id,
                          backorder_id=bo.pk, is_for_trunking=bo.is_for_trunking)
        if not moved:
            raise NotEnoughNumbers(f"No free numbers in {bo.prefix} yet; import or add a range "
                                   "first.")
        filled_before = bo.filled
        bo.filled += len(moved)
        bo.save(update_fields=["filled"])
        audit_record(actor=user, action="backorder.fill", obj=bo,
                     changes={"filled": [filled_before, bo.filled],
                              "numbers": [m.e164 for m in moved][:200]})
        backorder_filled(backorder=bo, numbers=[m.e164 for m in moved])
        # The new numbers must reach BroadWorks too: a provisioned order goes back to work.
        order_numbers_added(order=order, by=user)
    logger.info("backorder %s (order %s): %s filled, %s pending", bo.pk, order, len(moved),
                bo.pending)
    return len(moved)



def numbers_end_quarantine(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Numbers whose aging period is over become available again."""
    now = now or timezone.now()
    freed = 0
    while True:
        with transaction.atomic():
            moved = dids_move(
                queryset=DID.objects.filter(quarantined_until__lt=now), to=S.AVAILABLE,
                from_states=[S.QUARANTINED], note="Aging period over.", limit=batch,
                skip_locked=True, quarantined_until=None)
        freed += len(moved)
        if len(moved) < batch:
            break
    return freed


