"""Reads on accounts, scoped to the user: the account pages. The search bar's engine is
``orion.accounts.search``."""

from __future__ import annotations

from orion.accounts.models import Customer, Enterprise, User
from orion.core.exceptions import NotFound


def enterprise_get(*, user: User, enterprise_id: int) -> Enterprise:
    """The enterprise if this user may see it; 404 otherwise (never 403: no existence leak)."""
    enterprise = (Enterprise.objects.visible_to(user).select_related("partner")
                  .filter(pk=enterprise_id).first())
    if enterprise is None:
        raise NotFound("No such enterprise.")
    return enterprise


def customer_get(*, user: User, customer_id: int) -> Customer:
    customer = (Customer.objects.visible_to(user).select_related("enterprise__partner")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound("No such customer.")
    return customer
