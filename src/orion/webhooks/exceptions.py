"""Webhook errors: each says what the partner can change."""

from __future__ import annotations

from orion.core.exceptions import OrionError


class WebhookError(OrionError):
    code = "webhook_error"


class AddressRefused(WebhookError):
    """The URL's scheme or address is one Orion will not call (SSRF guard)."""

    code = "webhook_address_refused"


class DeliveryRetry(Exception):
    """A delivery that may succeed later (5xx, 408, 429, no answer): the job is retried.

    Not an ``OrionError``: nobody reads it but the job queue."""
