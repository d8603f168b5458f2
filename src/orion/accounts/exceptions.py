from __future__ import annotations

from orion.core.exceptions import OrionError


class AccountError(OrionError):
    code = "account_error"


class DomainInUse(AccountError):
    """BroadWorks assigns a domain to one enterprise only."""

    code = "domain_in_use"
