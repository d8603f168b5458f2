"""Numbers ported in: when a port request completes, its numbers enter the inventory as
assigned to the customer, on the order the request belongs to, each with its history row.

Why here: a DID's state changes only through the numbers services (``moves.dids_move`` for a
row the inventory already had); a number new to the inventory is created assigned, as the
BroadWorks import creates the numbers it adopts.
"""

from __future__ import annotations

from django.db import transaction

from orion.accounts.models import Customer, User
from orion.numbers.exceptions import NumberInService
from orion.numbers.models import DID, DIDEvent
from orion.numbers.nanp import display
from orion.numbers.services.moves import dids_move
from orion.numbers.states import NumberState
from orion.orders.models import Order


def numbers_port_in(*, numbers: list[str], customer: Customer, order: Order | None,
                    by: User | None, note: str) -> dict[str, DID]:
    """Put the ported ``numbers`` (E.164) in the inventory, assigned to ``customer`` (and
    ``order``). A number the inventory holds free (available or aging) moves to assigned; one
    reserved or assigned meanwhile is refused by name (it was checked when the request was
    made, but the inventory may have taken it since). Returns the rows by number."""
    with transaction.atomic():
        existing = {d.e164: d for d in DID.objects.select_for_update()
                    .filter(e164__in=numbers).order_by("id")}
        taken = [d for d in existing.values()
                 if d.state in (NumberState.RESERVED, NumberState.ASSIGNED)
                 and d.customer_id != customer.pk]
        if taken:
            raise NumberInService(
                "Cannot complete the port: " + ", ".join(display(d.e164) for d in taken)
                + " is now live in Orion on another account; take it out of the request "
                "or sort it out with operations first.", field="numbers")
        trunking = customer.is_trunking
        if existing:
            free = DID.objects.filter(pk__in=[d.pk for d in existing.values()],
                                      state__in=[NumberState.AVAILABLE,
                                                 NumberState.QUARANTINED])
            aging = list(free.filter(state=NumberState.QUARANTINED).values_list("pk", flat=True))
            if aging:  # aging ends early: the number is the porting customer's own
                dids_move(queryset=DID.objects.filter(pk__in=aging), to=NumberState.AVAILABLE,
                          by=by, note=note, quarantined_until=None)
            dids_move(queryset=DID.objects.filter(pk__in=[d.pk for d in existing.values()]),
                      to=NumberState.ASSIGNED, by=by, order=order, note=note,
                      from_states=[NumberState.AVAILABLE], customer=customer,
                      is_for_trunking=trunking)
        new = [DID(e164=n, npa=n[2:5], nxx=n[5:8], state=NumberState.ASSIGNED,
                   customer=customer, order=order, is_for_trunking=trunking)
               for n in numbers if n not in existing]
        created = DID.objects.bulk_create(new)
        DIDEvent.objects.bulk_create(
            DIDEvent(did=did, from_state="", to_state=NumberState.ASSIGNED, order=order,
                     changed_by=by, note=note[:200]) for did in created)
        return {d.e164: d for d in DID.objects.filter(e164__in=numbers)}
