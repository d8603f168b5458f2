"""Numbers adopted from an existing BroadWorks: the import (``orion.adoption``) records the
numbers a group already holds as assigned to its customer, with no order (none of Orion's
assigned them). Kept apart from the order paths so the moves stay one table away."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.numbers.models import DID, E164_NANP, DIDEvent
from orion.numbers.states import NumberState

ADOPTED_NOTE = "imported from BroadWorks"


@dataclass
class AdoptedNumbers:
    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # were available in the inventory
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, reason)


def numbers_adopt(*, customer: Customer, numbers: list[str], by: User | None) -> AdoptedNumbers:
    """Record ``numbers`` (E.164) as assigned to ``customer``. New numbers are created
    assigned; available ones move to assigned; a number of another customer, on an order's
    draft or ageing is refused with the reason (never taken away from its holder). Call inside
    the import's transaction."""
    return numbers_adopt_many(wanted=[(customer, numbers)], by=by)[0]


def numbers_adopt_many(*, wanted: list[tuple[Customer, list[str]]],
                       by: User | None) -> list[AdoptedNumbers]:
    """``numbers_adopt`` for several customers at once (the import's groups of one
    enterprise): one read of the inventory and one INSERT for all their new numbers, instead
    of a few statements per group. The results in the order of ``wanted``."""
    pattern = re.compile(E164_NANP)
    results = [AdoptedNumbers() for _ in wanted]
    valid: list[tuple[int, str]] = []
    for index, (_, numbers) in enumerate(wanted):
        for number in numbers:
            if not pattern.match(number):
                results[index].refused.append(
                    (number, "not a North American number Orion can hold"))
            elif number[3:5] == "11" or number[6:8] == "11":
                # BroadWorks holds what was typed; Orion's inventory refuses N11 codes (211,
                # 911, ...) in the database, which would stop the whole import.
                results[index].refused.append(
                    (number, "an N11 service code as its area or exchange code"))
            else:
                valid.append((index, number))
    existing = {d.e164: d for d in DID.objects.select_for_update().filter(
        e164__in=[number for _, number in valid])}
    now = timezone.now()
    events: list[DIDEvent] = []
    new: list[DID] = []
    for index, number in valid:
        customer, result = wanted[index][0], results[index]
        did = existing.get(number)
        if did is None:
            did = DID(e164=number, npa=number[2:5], nxx=number[5:8],
                      state=NumberState.ASSIGNED, customer=customer)
            existing[number] = did  # a number two groups list is the first one's
            new.append(did)
            result.created.append(number)
        elif did.state == NumberState.ASSIGNED and did.customer_id == customer.pk:
            result.unchanged.append(number)
        elif did.state == NumberState.AVAILABLE and did.pk is not None:
            DID.objects.filter(pk=did.pk, state=NumberState.AVAILABLE).update(
                state=NumberState.ASSIGNED, customer=customer, updated_at=now)
            did.state, did.customer = NumberState.ASSIGNED, customer
            events.append(DIDEvent(did=did, from_state=NumberState.AVAILABLE,
                                   to_state=NumberState.ASSIGNED, changed_by=by,
                                   note=ADOPTED_NOTE))
            result.adopted.append(number)
        else:
            holder = "another customer" if did.state == NumberState.ASSIGNED else \
                f"{did.get_state_display().lower()} in Orion's inventory"
            result.refused.append((number, f"{holder}: not moved"))
    # One INSERT for the new numbers (an adopted group may hold thousands), then their history.
    for did in DID.objects.bulk_create(new, batch_size=2000):
        events.append(DIDEvent(did=did, from_state="", to_state=NumberState.ASSIGNED,
                               changed_by=by, note=ADOPTED_NOTE))
    DIDEvent.objects.bulk_create(events, batch_size=2000)
    return results
