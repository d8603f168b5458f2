"""Order states (named as TM Forum TMF622), the one table of allowed moves, and the named sets
of states that rules elsewhere ask about. A leaf: no models, no services.

TMF622 also names *pending* and *rejected*; Orion never enters them (a saved order is
acknowledged at once, and a refused order is refused at the form, never saved), so they are
not states here.
"""

from __future__ import annotations

from django.db import models


class OrderState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "inProgress", "In progress"
    HELD = "held", "Held"
    PARTIAL = "partial", "Partial"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


S = OrderState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.ACKNOWLEDGED, S.CANCELLED}),
    # Saved: provisioned (in progress), held for the manual trunking path, stopped before it
    # started (failed: e.g. an unexpected error), or cancelled by staff.
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.HELD, S.CANCELLED, S.FAILED}),
    # In progress -> cancelled only for an order whose job was lost (see order_cancel).
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.PARTIAL, S.FAILED, S.HELD, S.CANCELLED}),
    S.HELD: frozenset({S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
    S.PARTIAL: frozenset({S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
    S.FAILED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Orders that count (for billing, for numbers, for "one live order per number").
LIVE_STATES = frozenset(set(OrderState.values) - {S.CANCELLED})
# A worker is (or should be) provisioning them.
PROVISIONING_STATES = frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS})
# Provisioned into BroadWorks: their quantities are what the group holds.
PROVISIONED_STATES = frozenset({S.COMPLETED, S.PARTIAL})
# Staff may cancel them: not yet provisioned, or stopped (failed, held). An order in
# progress whose job was lost may be cancelled too (see order_cancel).
CANCELLABLE_STATES = frozenset({S.FAILED, S.HELD, S.ACKNOWLEDGED})
# Nobody may move their Billing Start Date any more.
BILLING_START_CLOSED_STATES = frozenset({S.CANCELLED})
