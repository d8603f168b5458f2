from __future__ import annotations

from typing import TYPE_CHECKING

from orion.core.exceptions import OrionError

if TYPE_CHECKING:
    from orion.accounts.selectors import DuplicateAccount


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


class DuplicateAccountName(OrderValidationError):
    """Save Order of a new customer or enterprise whose name (case and punctuation folded)
    is that of an active account of the same partner: refused until the partner confirms.

    ``duplicate`` is the ``orion.accounts.selectors.DuplicateAccount`` found (pages link it).
    """

    code = "duplicate_account"

    def __init__(self, duplicate: DuplicateAccount):
        where = ("" if duplicate.role == "Enterprise"
                 else f" in the enterprise {duplicate.enterprise_name}")
        super().__init__({"confirm_duplicate": [
            f"{duplicate.role} {duplicate.name}{where} already exists. If this is another "
            f"account, tick \u201cThis is a different {duplicate.role.lower()}, save anyway\u201d "
            f"and press Save Order again."]})
        self.duplicate = duplicate


class NumbersReleased(OrderValidationError):
    """Save Order of a draft that lost numbers (their reservation ran out): refused until the
    partner re-selects them or ticks "Save without them"; saving silently lost them.

    ``released`` holds their E.164 numbers; ``shown`` the same as people read them.
    """

    code = "numbers_released"

    def __init__(self, released: list[str], *, shown: list[str], minutes: int):
        n = len(released)
        one = n == 1
        super().__init__({"save_without_released": [
            f"{n} number{'' if one else 's'} {'was' if one else 'were'} released after "
            f"{minutes} minutes: re-select {'it' if one else 'them'} or save without "
            f"{'it' if one else 'them'} ({', '.join(shown)})."]})
        self.released = released
