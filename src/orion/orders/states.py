"""Order states (named as TM Forum TMF622) and the one table of allowed moves."""

from __future__ import annotations

from django.db import models


class OrderState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "inProgress", "In progress"
    PENDING = "pending", "Pending"
    HELD = "held", "Held"
    PARTIAL = "partial", "Partial"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


S = OrderState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.ACKNOWLEDGED, S.CANCELLED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.HELD, S.PENDING, S.CANCELLED, S.REJECTED,
                               S.FAILED}),
    # In progress -> cancelled only for an order whose job was lost (see order_cancel).
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.PARTIAL, S.FAILED, S.HELD, S.PENDING,
                              S.CANCELLED}),
    S.PENDING: frozenset({S.IN_PROGRESS, S.CANCELLED, S.FAILED}),
    S.HELD: frozenset({S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
    S.PARTIAL: frozenset({S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
    S.FAILED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}
LIVE_STATES = frozenset(set(OrderState.values) - {S.CANCELLED, S.REJECTED})
