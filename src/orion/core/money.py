"""Money as people read it: the amount with its currency, everywhere Orion shows one (pages,
the trunking PDF, e-mails, exports). One currency per installation (``ORION_CURRENCY``, ISO
4217, USD by default): prices are data in that currency, and every page says which it is."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

# Currencies written with their own sign; any other is written with its ISO code.
_SIGNS = {"USD": "$"}


def currency() -> str:
    return str(getattr(settings, "ORION_CURRENCY", "USD") or "USD").upper()


def format_money(amount: object, *, code: str | None = None) -> str:
    """``Decimal("1234.5")`` -> ``"$1,234.50"`` (USD) or ``"EUR 1,234.50"``; a negative
    amount keeps its sign in front (``"-$5.00"``). Not a number: returned as text."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(amount)
    code = (code or currency()).upper()
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    symbol = _SIGNS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{code} {digits}"
