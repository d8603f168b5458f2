"""DID errors: each says what the partner or staff member can do next."""

from __future__ import annotations

from orion.core.exceptions import OrionError


class NumberError(OrionError):
    code = "number_error"


class InvalidNumber(NumberError):
    """Not a North American number Orion can sell (NANP rules)."""

    code = "invalid_number"


class InvalidNumberTransition(NumberError):
    code = "invalid_number_transition"


class NotEnoughNumbers(NumberError):
    """Fewer free numbers than asked for: reserve what there is, or backorder the rest."""

    code = "not_enough_numbers"


class InvalidBackorder(NumberError):
    code = "invalid_backorder"


class InvalidQuantity(NumberError):
    """A count of numbers to reserve that is not a whole number within the limit."""

    code = "invalid_quantity"


class NumberInService(NumberError):
    """The number is in a customer's BroadWorks group: only an order may take it back."""

    code = "number_in_service"


class TollFreeNeedsPackage(NumberError):
    """A toll-free (8XX) number is sold only with the toll-free package, never as a local
    DID."""

    code = "toll_free_needs_package"


class E911Refused(NumberError):
    """A location an E911 provider would refuse (not a US state, a P.O. box, no house
    number, a malformed ZIP); ``field`` names the control to fix."""

    code = "e911_refused"
