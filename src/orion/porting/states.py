"""Port request states (as Kazoo names them), the one table of allowed moves and who may make
each move. A leaf: no models, no services."""

from __future__ import annotations

from django.db import models


class PortState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed (draft)"
    SUBMITTED = "submitted", "Submitted"
    PENDING = "pending", "Pending (sent to the carrier)"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"
    CANCELED = "canceled", "Canceled"


S = PortState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.UNCONFIRMED: frozenset({S.SUBMITTED, S.CANCELED}),
    S.SUBMITTED: frozenset({S.PENDING, S.REJECTED, S.CANCELED}),
    S.PENDING: frozenset({S.SCHEDULED, S.REJECTED, S.CANCELED}),
    # The carrier may still reject after the FOC (Bandwidth: a late rejection).
    S.SCHEDULED: frozenset({S.COMPLETED, S.REJECTED, S.CANCELED}),
    # The partner fixes what the carrier refused and submits again.
    S.REJECTED: frozenset({S.SUBMITTED, S.CANCELED}),
    S.COMPLETED: frozenset(),
    S.CANCELED: frozenset(),
}

# Who makes each move. The partner submits (attesting the signed LOA) and may cancel until
# the carrier has scheduled the port; staff deal with the carrier and may cancel always.
PARTNER_MOVES: frozenset[tuple[str, str]] = frozenset({
    (S.UNCONFIRMED, S.SUBMITTED), (S.REJECTED, S.SUBMITTED),
    (S.UNCONFIRMED, S.CANCELED), (S.SUBMITTED, S.CANCELED), (S.PENDING, S.CANCELED),
    (S.REJECTED, S.CANCELED),
})
STAFF_MOVES: frozenset[tuple[str, str]] = frozenset({
    (S.SUBMITTED, S.PENDING), (S.PENDING, S.SCHEDULED), (S.SCHEDULED, S.COMPLETED),
    (S.SUBMITTED, S.REJECTED), (S.PENDING, S.REJECTED), (S.SCHEDULED, S.REJECTED),
    (S.UNCONFIRMED, S.CANCELED), (S.SUBMITTED, S.CANCELED), (S.PENDING, S.CANCELED),
    (S.SCHEDULED, S.CANCELED), (S.REJECTED, S.CANCELED),
})

# A request whose numbers nobody else may put in a port request (the database's partial
# unique constraint on PortedNumber.is_open follows it).
CLOSED_STATES = frozenset({S.COMPLETED, S.CANCELED})
OPEN_STATES = frozenset(set(PortState.values) - CLOSED_STATES)
# The partner may change the request's details, numbers and LOA.
EDITABLE_STATES = frozenset({S.UNCONFIRMED, S.REJECTED})
# The order of the staff queue: what needs staff action first.
QUEUE_ORDER = [S.SCHEDULED, S.SUBMITTED, S.PENDING, S.REJECTED, S.UNCONFIRMED]
