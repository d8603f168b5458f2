"""DID states (as Kazoo and Bandwidth name them) and the one table of allowed moves."""

from __future__ import annotations

from django.db import models


class NumberState(models.TextChoices):
    AVAILABLE = "available", "Available"
    RESERVED = "reserved", "Reserved"
    ASSIGNED = "assigned", "Assigned"
    QUARANTINED = "quarantined", "Released (aging)"


S = NumberState
TRANSITIONS: dict[str, frozenset[str]] = {
    # Ordered on a draft; a staff member fills a backorder; staff take a bad number out.
    S.AVAILABLE: frozenset({S.RESERVED, S.ASSIGNED, S.QUARANTINED}),
    # Save Order assigns it; removal, an abandoned draft or expiry frees it.
    S.RESERVED: frozenset({S.ASSIGNED, S.AVAILABLE}),
    # A released number ages before anyone else may get it (no calls for the old owner);
    # one that was never in service (its order cancelled before it completed, and taken out
    # of BroadWorks again) is free at once: nobody ever called it.
    S.ASSIGNED: frozenset({S.QUARANTINED, S.AVAILABLE}),
    S.QUARANTINED: frozenset({S.AVAILABLE}),
}


def sources_of(to: str) -> list[str]:
    """The states from which ``to`` may be reached."""
    return sorted(state for state, targets in TRANSITIONS.items() if to in targets)
