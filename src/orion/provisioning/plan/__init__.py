"""From an order to BroadWorks: what the customer should look like, what BroadWorks holds,
and the commands that close the gap.

Provisioning is a *diff*, not a script: every run reads BroadWorks first (one document of
Get/List requests), compares it with the desired state computed from Orion's own records,
and sends only what is missing, in dependency order, batched into as few documents as the
15-command limit allows. (The one exception: the first attempt of a new enterprise's order,
before anything of that enterprise was sent, assumes nothing of it exists, ``assumed_new``;
an "already exists" answer sends it back to reading.) Re-running after a crash, a retry or a
partial failure therefore never creates anything twice, and anything in BroadWorks that
differs from what Orion expects is reported as a conflict instead of being overwritten.

Quantities are absolute and deterministic: the group's authorization of a package is the sum
of that customer's completed orders plus this one, so the expected value before this order
("previous") and after it ("target") are both known; any third value means someone changed
BroadWorks outside Orion.
"""

from __future__ import annotations

from orion.provisioning.plan.action import Action
from orion.provisioning.plan.desired import (
    COUNTED_STATES,
    STEP_LABELS,
    STEPS,
    Desired,
    bw_number,
    customer_profile,
    desired_for,
    steps_with_work,
)
from orion.provisioning.plan.diff import plan_actions
from orion.provisioning.plan.reads import (
    Observed,
    assumed_new,
    parse_reads,
    parse_user_reads,
    read_requests,
    user_reads,
)

__all__ = [
    "COUNTED_STATES", "STEPS", "STEP_LABELS", "Action", "Desired", "Observed", "assumed_new",
    "bw_number",
    "customer_profile", "desired_for", "parse_reads", "parse_user_reads", "plan_actions",
    "read_requests", "steps_with_work", "user_reads",
]
