"""Numbers adopted from an existing BroadWorks: the import (``orion.adoption``) records the
numbers a group already holds as assigned to its customer, with no order (none of Orion's
assigned them). Kept apart from the order paths so the moves stay one table away."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.numbers.models import DID, E164_NANP
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
    existing = {d.e164: (d.pk, d.state, d.customer_id, d.get_state_display())
                for d in DID.objects.select_for_update().filter(
                    e164__in=[number for _, number in valid]).only("pk", "e164", "state",
                                                                   "customer_id")}
    now = timezone.now()
    moved: list[int] = []
    new: dict[str, int] = {}  # number -> the customer it is created for
    for index, number in valid:
        customer, result = wanted[index][0], results[index]
        held = existing.get(number)
        if held is None and number not in new:
            new[number] = customer.pk
            result.created.append(number)
            continue
        pk, state, holder, label = held or (None, NumberState.ASSIGNED, new[number], "")
        if state == NumberState.ASSIGNED and holder == customer.pk:
            result.unchanged.append(number)
        elif state == NumberState.AVAILABLE and pk is not None:
            moved.append(pk)
            existing[number] = (pk, NumberState.ASSIGNED, customer.pk, label)
            DID.objects.filter(pk=pk, state=NumberState.AVAILABLE).update(
                state=NumberState.ASSIGNED, customer=customer, updated_at=now)
            result.adopted.append(number)
        else:  # a number two groups list is the first one's
            where = "another customer" if state == NumberState.ASSIGNED else \
                f"{label.lower()} in Orion's inventory"
            result.refused.append((number, f"{where}: not moved"))
    # One INSERT for the new numbers and one for their history (and the moved ones'): an
    # adopted system holds tens of thousands, and building a model object per row and
    # field cost more than the database's work.
    by_id = by.pk if by is not None else None
    with connection.cursor() as cursor:
        created: list[int] = []
        if new:
            cursor.execute(_INSERT_SQL, [list(new), list(new.values())])
            created = [row[0] for row in cursor.fetchall()]
        for ids, from_state in ((created, ""), (moved, NumberState.AVAILABLE)):
            if ids:
                cursor.execute(_EVENT_SQL, [ids, from_state, NumberState.ASSIGNED, by_id,
                                            ADOPTED_NOTE])
    return results


_INSERT_SQL = """
INSERT INTO numbers_did (e164, npa, nxx, rate_center, region, state, customer_id,
                         is_for_trunking, created_at, updated_at)
SELECT e, substr(e, 3, 3), substr(e, 6, 3), '', '', 'assigned', c, false, now(), now()
  FROM unnest(%s::text[], %s::bigint[]) AS t(e, c)
RETURNING id
"""
_EVENT_SQL = """
INSERT INTO numbers_didevent (did_id, from_state, to_state, changed_by_id, changed_at, note)
SELECT unnest(%s::bigint[]), %s, %s, %s, now(), %s
"""
