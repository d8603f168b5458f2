from __future__ import annotations

from orion.core.exceptions import OrionError


class OrderError(OrionError):
    code = "order_error"


class InvalidTransition(OrderError):
    code = "invalid_transition"


class StaleOrderState(InvalidTransition):
    """The order changed state since it was read; the move was not made."""

    code = "order_changed"


class OrderNotEditable(OrderError):
    code = "order_not_editable"


class OrderValidationError(OrderError):
    """Save Order refused: ``errors`` maps field names to messages."""

    code = "order_invalid"

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0] if errors else "The order is not complete."
        super().__init__(first)
        self.errors = errors


class StaleDraft(OrderError):
    """A draft edit named an older version of the draft: another tab or device changed it."""

    code = "draft_stale"
