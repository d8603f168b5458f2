"""Writes on webhooks: endpoints (add, modify, delete, rotate the secret, ping) and the
sending of one delivery (``delivery_send``, run by the job).

Only a partner's own users manage its endpoints; another partner's endpoint is a 404. The
secret is returned by ``endpoint_add`` and ``endpoint_rotate_secret`` for the page to show
once; it never goes into an audit row or a log line.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound, PermissionDenied
from orion.core.throttle import require_allowed, throttle_hit
from orion.webhooks import transport
from orion.webhooks.events import event_id_new, payload_build
from orion.webhooks.exceptions import AddressRefused, DeliveryRetry, WebhookError
from orion.webhooks.guard import url_clean
from orion.webhooks.models import (
    ERROR_MAX_LENGTH,
    SUBSCRIBABLE_EVENTS,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EventType,
)
from orion.webhooks.signing import secret_new, signature

logger = logging.getLogger(__name__)

MAX_ENDPOINTS = 10  # per partner
RETRY_STATUSES = frozenset({408, 429})  # and every 5xx; any other answer is final
USER_AGENT = "Orion-Webhooks/1"


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: Endpoint
    secret: str  # shown once on the page


def _require_partner(user: User) -> int:
    if not user.partner_id:
        raise PermissionDenied("Webhooks belong to a partner: log in as one of its users.",
                               code="webhooks_partner_only")
    return user.partner_id


def _endpoint_for(user: User, endpoint_id: int, *, lock: bool = False) -> Endpoint:
    partner_id = _require_partner(user)
    qs = Endpoint.objects.filter(partner_id=partner_id, pk=endpoint_id)
    if lock:
        qs = qs.select_for_update()
    endpoint = qs.first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def events_clean(events: list[str] | tuple[str, ...] | None) -> list[str]:
    allowed = [e.value for e in SUBSCRIBABLE_EVENTS]
    chosen = [e for e in allowed if e in set(events or ())]
    unknown = set(events or ()) - set(allowed)
    if unknown:
        raise WebhookError(f"Unknown event {sorted(unknown)[0]!r}; choose from "
                           f"{', '.join(allowed)}.", code="webhook_unknown_event",
                           field="events")
    if not chosen:
        raise WebhookError("Choose at least one event to send.", code="webhook_no_events",
                           field="events")
    return chosen


def endpoint_add(*, user: User, url: str, events: list[str], via: str | None = None
                 ) -> EndpointWithSecret:
    """Register a URL for the partner's events; the new secret is in the result only."""
    partner_id = _require_partner(user)
    url = url_clean(url)
    chosen = events_clean(events)
    secret = secret_new()
    with transaction.atomic():
        existing = Endpoint.objects.select_for_update().filter(partner_id=partner_id)
        if len(existing) >= MAX_ENDPOINTS:
            raise WebhookError(f"A partner may have {MAX_ENDPOINTS} endpoints; delete one "
                               "first.", code="webhook_too_many")
        if any(e.url == url for e in existing):
            raise WebhookError("This URL is already registered; edit its events instead.",
                               code="webhook_duplicate_url", field="url")
        endpoint = Endpoint.objects.create(partner_id=partner_id, url=url, events=chosen,
                                           secret=secret, created_by=user)
        audit_record(actor=user, action="webhook.add", obj=endpoint, via=via,
                     changes={"url": url, "events": chosen})
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


def endpoint_modify(*, user: User, endpoint_id: int, url: str | None = None,
                    events: list[str] | None = None, is_active: bool | None = None,
                    via: str | None = None) -> Endpoint:
    """Change the URL, the events or whether the endpoint receives anything."""
    new_url = url_clean(url) if url is not None else None
    chosen = events_clean(events) if events is not None else None
    with transaction.atomic():
        endpoint = _endpoint_for(user, endpoint_id, lock=True)
        changes: dict[str, Any] = {}
        if new_url is not None and new_url != endpoint.url:
            if Endpoint.objects.filter(partner_id=endpoint.partner_id, url=new_url).exists():
                raise WebhookError("This URL is already registered.",
                                   code="webhook_duplicate_url", field="url")
            changes["url"] = [endpoint.url, new_url]
            endpoint.url = new_url
        if chosen is not None and chosen != endpoint.events:
            changes["events"] = [endpoint.events, chosen]
            endpoint.events = chosen
        if is_active is not None and is_active != endpoint.is_active:
            changes["is_active"] = [endpoint.is_active, is_active]
            endpoint.is_active = is_active
        if changes:
            endpoint.save(update_fields=["url", "events", "is_active", "updated_at"])
            audit_record(actor=user, action="webhook.modify", obj=endpoint, via=via,
                         changes=changes)
    return endpoint


def endpoint_delete(*, user: User, endpoint_id: int, via: str | None = None) -> Endpoint:
    """Delete the endpoint and its log; its waiting jobs find nothing and end. Returns the
    endpoint as it was (its ``pk`` kept, for the answer)."""
    with transaction.atomic():
        endpoint = _endpoint_for(user, endpoint_id, lock=True)
        audit_record(actor=user, action="webhook.delete", obj=endpoint, via=via,
                     changes={"url": endpoint.url})
        pk = endpoint.pk
        endpoint.delete()
        endpoint.pk = pk
    return endpoint


def endpoint_rotate_secret(*, user: User, endpoint_id: int, via: str | None = None
                           ) -> EndpointWithSecret:
    """A new secret at once (the old one stops working): shown once, like the first."""
    secret = secret_new()
    with transaction.atomic():
        endpoint = _endpoint_for(user, endpoint_id, lock=True)
        endpoint.secret = secret
        endpoint.secret_rotated_at = timezone.now()
        endpoint.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
        audit_record(actor=user, action="webhook.rotate_secret", obj=endpoint, via=via,
                     changes={"secret": "rotated"})
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


def endpoint_ping(*, user: User, endpoint_id: int) -> Delivery:
    """The "Send test ping" button: a signed ``ping`` sent now, once, and logged like any
    delivery, so the partner sees at once what the receiver answered."""
    endpoint = _endpoint_for(user, endpoint_id)
    if not endpoint.is_active:
        raise WebhookError("The endpoint is deactivated; activate it to send a ping.",
                           code="webhook_inactive")
    require_allowed(throttle_hit("webhook_ping", str(endpoint.partner_id)),
                    "Too many test pings; wait a minute and try again.")
    event_id = event_id_new()
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_id=event_id, event=EventType.PING,
        payload=payload_build(event_id=event_id, event=EventType.PING,
                              data={"message": "Test ping from Orion.",
                                    "endpoint": endpoint.url}))
    delivery_send(delivery_id=delivery.pk, final=True)
    delivery.refresh_from_db()
    return delivery


def deliveries_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Forget settled deliveries (delivered or failed) older than the retention period; a
    pending one stays until its job ends it."""
    days = settings.ORION_WEBHOOKS_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = (Delivery.objects.filter(created_at__lt=cutoff)
                  .exclude(status=DeliveryStatus.PENDING).delete())
    if deleted:
        logger.info("webhook deliveries: %s older than %s days purged", deleted, days)
    return deleted


def payload_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed (the same on every attempt)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def delivery_send(*, delivery_id: int, final: bool = True) -> str:
    """One attempt of one delivery: sign, POST, log the answer.

    Success is any 2xx. A 5xx, 408, 429 or no answer raises ``DeliveryRetry`` for the job
    queue to try again later, unless ``final``; any other answer (a 4xx: the receiver refused
    it) and a refused address are final at once. Returns the delivery's status.
    """
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"  # the endpoint was deleted meanwhile
    if delivery.status != DeliveryStatus.PENDING:
        return str(delivery.status)  # a repeated job: already settled
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _record(delivery, status=DeliveryStatus.FAILED, error="The endpoint is deactivated.",
                attempted=False)
        return DeliveryStatus.FAILED
    body = payload_body(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=endpoint.secret, msg_id=delivery.event_id,
                                       timestamp=timestamp, body=body),
    }
    try:
        answer = transport.post(url=endpoint.url, body=body, headers=headers,
                                timeout=settings.ORION_WEBHOOKS_TIMEOUT_SECONDS)
    except AddressRefused as exc:
        logger.warning("webhook delivery %s (endpoint %s): refused: %s", delivery.pk,
                       endpoint.pk, exc.message)
        _record(delivery, status=DeliveryStatus.FAILED, error=exc.message)
        return DeliveryStatus.FAILED
    except (OSError, http.client.HTTPException) as exc:
        error = f"No answer: {exc.__class__.__name__}: {exc}".strip()
        logger.info("webhook delivery %s (endpoint %s): %s", delivery.pk, endpoint.pk, error)
        status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
        _record(delivery, status=status, error=error)
        if not final:
            raise DeliveryRetry(error) from exc
        return status
    code = answer.status
    if 200 <= code < 300:
        _record(delivery, status=DeliveryStatus.SUCCEEDED, code=code, excerpt=answer.excerpt)
        return DeliveryStatus.SUCCEEDED
    retryable = code >= 500 or code in RETRY_STATUSES
    status = DeliveryStatus.PENDING if retryable and not final else DeliveryStatus.FAILED
    logger.info("webhook delivery %s (endpoint %s): answered %s", delivery.pk, endpoint.pk,
                code)
    _record(delivery, status=status, code=code, excerpt=answer.excerpt,
            error=f"The receiver answered {code}.")
    if status == DeliveryStatus.PENDING:
        raise DeliveryRetry(f"answered {code}")
    return status


def _record(delivery: Delivery, *, status: str, code: int | None = None, excerpt: str = "",
            error: str = "", attempted: bool = True) -> None:
    now = timezone.now()
    delivery.status = status
    if attempted:
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_code = code if code is not None and 100 <= code <= 599 else None
        delivery.response_excerpt = excerpt
    delivery.error = error.replace("\x00", "")[:ERROR_MAX_LENGTH]
    if status == DeliveryStatus.SUCCEEDED:
        delivery.delivered_at = now
    # An update, not save(): the endpoint (and so this row) may have been deleted meanwhile.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=delivery.status, attempts=delivery.attempts,
        last_attempt_at=delivery.last_attempt_at, response_code=delivery.response_code,
        response_excerpt=delivery.response_excerpt, error=delivery.error,
        delivered_at=delivery.delivered_at)
