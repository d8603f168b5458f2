"""Reads for the Webhooks page and the API: always through ``Endpoint.objects.visible_to``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from orion.accounts.models import User
from orion.core.exceptions import NotFound
from orion.webhooks.models import Delivery, Endpoint

DELIVERIES_SHOWN = 50


def endpoints_list(*, user: User | AnonymousUser) -> QuerySet[Endpoint]:
    return Endpoint.objects.visible_to(user)


def endpoint_get(*, user: User | AnonymousUser, endpoint_id: int) -> Endpoint:
    endpoint = Endpoint.objects.visible_to(user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def deliveries_list(*, endpoint: Endpoint, limit: int = DELIVERIES_SHOWN) -> list[Delivery]:
    """The endpoint's latest deliveries (the caller got ``endpoint`` through a visible
    query, so tenancy holds)."""
    return list(endpoint.deliveries.defer("payload")[:limit])
