"""Webhook endpoints and their deliveries (the same services as the Webhooks page).

A partner's users manage the partner's endpoints; provider staff read every partner's. The
answer that carries a signing secret (create, rotate) is ``no-store``.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from ninja import Path, Query, Router, Schema, Status

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, PageMeta, PageParams, page, text
from orion.webhooks import selectors, services
from orion.webhooks.models import URL_MAX_LENGTH, Delivery, Endpoint

router = Router(tags=["webhooks"])

class EndpointOut(Schema):
    id: int
    partner_id: int
    url: str
    events: list[str]
    is_active: bool
    secret_hint: str
    created_at: datetime
    secret_rotated_at: datetime | None


class EndpointPage(PageMeta):
    items: list[EndpointOut]


class EndpointIn(Schema):
    url: str = text(URL_MAX_LENGTH)
    events: list[str]


class EndpointPatch(Schema):
    url: str | None = text(URL_MAX_LENGTH, default=None)
    events: list[str] | None = None
    is_active: bool | None = None


class EndpointSecretOut(EndpointOut):
    secret: str  # shown only in this answer


class DeliveryOut(Schema):
    id: int
    event_id: str
    event: str
    status: str
    attempts: int
    response_code: int | None
    response_excerpt: str
    error: str
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(PageMeta):
    items: list[DeliveryOut]


def _endpoint(e: Endpoint) -> Json:
    return {"id": e.pk, "partner_id": e.partner_id, "url": e.url, "events": e.events,
            "is_active": e.is_active, "secret_hint": e.secret_hint,
            "created_at": e.created_at, "secret_rotated_at": e.secret_rotated_at}


def _delivery(d: Delivery) -> Json:
    return {"id": d.pk, "event_id": d.event_id, "event": d.event, "status": d.status,
            "attempts": d.attempts, "response_code": d.response_code,
            "response_excerpt": d.response_excerpt, "error": d.error,
            "created_at": d.created_at, "last_attempt_at": d.last_attempt_at,
            "delivered_at": d.delivered_at}


@router.get("/webhooks/endpoints", response=responses(EndpointPage),
            operation_id="webhook_endpoint_list")
def endpoint_list(request: ApiRequest, params: Query[PageParams]) -> Json:
    return page(selectors.endpoints_list(user=request.auth), params, _endpoint)


@router.post("/webhooks/endpoints", response=responses({201: EndpointSecretOut}),
             operation_id="webhook_endpoint_create")
def endpoint_create(request: ApiRequest, response: HttpResponse,
                    payload: EndpointIn) -> Status[Json]:
    """Register a URL; ``secret`` in the answer is the signing secret, shown only now."""
    made = services.endpoint_add(user=request.auth, url=payload.url, events=payload.events,
                                 via="api")
    patch_cache_control(response, no_store=True, private=True)
    return Status(201, {**_endpoint(made.endpoint), "secret": made.secret})


@router.get("/webhooks/endpoints/{endpoint_id}", response=responses(EndpointOut),
            operation_id="webhook_endpoint_get")
def endpoint_get(request: ApiRequest, endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    return _endpoint(selectors.endpoint_get(user=request.auth, endpoint_id=endpoint_id))


@router.patch("/webhooks/endpoints/{endpoint_id}", response=responses(EndpointOut),
              operation_id="webhook_endpoint_modify")
def endpoint_modify(request: ApiRequest, payload: EndpointPatch,
                    endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    return _endpoint(services.endpoint_modify(
        user=request.auth, endpoint_id=endpoint_id, url=payload.url, events=payload.events,
        is_active=payload.is_active, via="api"))


@router.delete("/webhooks/endpoints/{endpoint_id}", response=responses(EndpointOut),
               operation_id="webhook_endpoint_delete")
def endpoint_delete(request: ApiRequest,
                    endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Delete the endpoint and its log; the answer is the endpoint as it was."""
    found = services.endpoint_delete(user=request.auth, endpoint_id=endpoint_id, via="api")
    return _endpoint(found)


@router.post("/webhooks/endpoints/{endpoint_id}/rotate-secret",
             response=responses(EndpointSecretOut), operation_id="webhook_endpoint_rotate")
def endpoint_rotate(request: ApiRequest, response: HttpResponse,
                    endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    made = services.endpoint_rotate_secret(user=request.auth, endpoint_id=endpoint_id,
                                           via="api")
    patch_cache_control(response, no_store=True, private=True)
    return {**_endpoint(made.endpoint), "secret": made.secret}


@router.post("/webhooks/endpoints/{endpoint_id}/ping", response=responses(DeliveryOut),
             operation_id="webhook_endpoint_ping")
def endpoint_ping(request: ApiRequest, endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Send a signed ``ping`` now and answer with its logged delivery."""
    return _delivery(services.endpoint_ping(user=request.auth, endpoint_id=endpoint_id))


@router.get("/webhooks/endpoints/{endpoint_id}/deliveries", response=responses(DeliveryPage),
            operation_id="webhook_delivery_list")
def delivery_list(request: ApiRequest, params: Query[PageParams],
                  endpoint_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """The endpoint's deliveries, newest first."""
    found = selectors.endpoint_get(user=request.auth, endpoint_id=endpoint_id)
    return page(found.deliveries.defer("payload"), params, _delivery)
