"""Webhook endpoints (a partner's URL and the events it wants) and their deliveries (the log).

The signing secret is stored as given to the partner: Orion must sign with it, so a hash would
not do. It never appears in a log, an audit row or a page other than the one that creates or
rotates it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from orion.accounts.models import Partner, User

URL_MAX_LENGTH = 2048
EXCERPT_MAX_LENGTH = 1000  # characters of the receiver's answer kept in the log
ERROR_MAX_LENGTH = 300


class EventType(models.TextChoices):
    ORDER_STATE_CHANGED = "order.state_changed", "Order state changed"
    BACKORDER_FILLED = "backorder.filled", "Backorder filled"
    PORT_STATE_CHANGED = "port.state_changed", "Port request state changed"
    PING = "ping", "Test ping"


# What a partner may subscribe to; a ping goes to the one endpoint whose button was pressed.
SUBSCRIBABLE_EVENTS = (EventType.ORDER_STATE_CHANGED, EventType.BACKORDER_FILLED,
                       EventType.PORT_STATE_CHANGED)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class EndpointQuerySet(models.QuerySet["Endpoint"]):
    def visible_to(self, user: User | AnonymousUser) -> EndpointQuerySet:
        """A partner user sees the partner's endpoints; provider staff see every partner's
        (to help with a receiver that fails) but change none: the services take partner
        users only."""
        if isinstance(user, AnonymousUser):
            return self.none()
        if user.is_provider_staff:
            return self.all()
        if not user.partner_id:
            return self.none()
        return self.filter(partner_id=user.partner_id)


class Endpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE,
                                related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=URL_MAX_LENGTH)
    events = ArrayField(models.CharField(max_length=40, choices=EventType.choices))
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "url"],
                                    name="webhook_endpoint_unique_url_per_partner"),
            models.CheckConstraint(condition=Q(events__len__gt=0),
                                   name="webhook_endpoint_has_events"),
            models.CheckConstraint(
                condition=Q(events__contained_by=[e.value for e in SUBSCRIBABLE_EVENTS]),
                name="webhook_endpoint_known_events"),
            models.CheckConstraint(condition=Q(secret__startswith="whsec_"),
                                   name="webhook_endpoint_secret_format"),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a receiver holds, never enough to sign."""
        return self.secret[:10] + "…"


class Delivery(models.Model):
    """One event for one endpoint: what was sent, how often, and what the receiver said."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The ``webhook-id`` header: the same on every attempt, so receivers can drop repeats.
    event_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, max_length=EXCERPT_MAX_LENGTH)
    error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"],
                                name="webhook_delivery_endpoint")]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_code__isnull=True)
                | Q(response_code__gte=100, response_code__lte=599),
                name="webhook_delivery_response_code_range"),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(delivered_at__isnull=False),
                name="webhook_delivery_succeeded_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
