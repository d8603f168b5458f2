from __future__ import annotations

from orion.core.exceptions import OrionError


class BillingError(OrionError):
    code = "billing_error"


class InvalidMonth(BillingError):
    code = "invalid_month"
