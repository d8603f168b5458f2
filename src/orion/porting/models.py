"""Port-in requests: the numbers a customer brings from its losing carrier, the facts on that
carrier's bill that the carrier checks, the letter of authorization, and the history.

The request keeps what completion will need later (items of issue 18 not built yet): the
customer (or the draft order it was started from, whose Save Order creates the customer), the
numbers and the FOC date. ``account_name`` is a copy of the account's name at creation, so a
request started from a draft that is later discarded (``order`` set to NULL) still says whose
it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orion.accounts.models import Customer, Partner, Viewer
from orion.numbers.nanp import display
from orion.orders.models import Order
from orion.porting.states import CLOSED_STATES, PortState

CARRIER_MAX = 80
ACCOUNT_MAX = 40  # carriers' account numbers: at most 20-30 characters in practice
PIN_MAX = 20
NAME_MAX = 80
REASON_MAX = 500
COMMENT_MAX = 2000
MAX_NUMBERS = 1000  # one request; a larger port is split (as carriers ask)


class PortRequestQuerySet(models.QuerySet["PortRequest"]):
    def visible_to(self, user: Viewer) -> PortRequestQuerySet:
        if user.is_provider_staff:
            return self
        if not user.is_authenticated or user.partner_id is None:
            return self.none()
        return self.filter(partner_id=user.partner_id)


class PortRequest(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="port_requests")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="port_requests")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="port_requests",
                              help_text="The order (a draft when started) the port belongs to.")
    account_name = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="port_requests")
    state = models.CharField(max_length=12, choices=PortState.choices,
                             default=PortState.UNCONFIRMED, db_index=True)
    losing_carrier = models.CharField(max_length=CARRIER_MAX)
    account_number = models.CharField("account number", max_length=ACCOUNT_MAX)
    # Stored (the carrier asks for it) but never shown in full again, logged or audited.
    pin = models.CharField("PIN", max_length=PIN_MAX, blank=True)
    billing_telephone_number = models.CharField("billing telephone number", max_length=12)
    address_line1 = models.CharField("service address", max_length=80)
    address_line2 = models.CharField("address line 2", max_length=80, blank=True)
    city = models.CharField(max_length=50)
    region = models.CharField("state", max_length=2)
    zip_code = models.CharField("ZIP", max_length=10)
    authorized_name = models.CharField("authorized person", max_length=NAME_MAX)
    authorized_title = models.CharField("title", max_length=NAME_MAX)
    desired_date = models.DateField("desired port date")
    foc_at = models.DateTimeField("FOC date and time", null=True, blank=True)
    rejection_reason = models.TextField(blank=True, max_length=REASON_MAX)
    # The signed letter of authorization: a random file name under ORION_MEDIA_DIR/loa.
    loa_file = models.CharField(max_length=64, blank=True)
    loa_size = models.PositiveIntegerField(default=0)
    loa_uploaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = PortRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["scheduled", "completed"]) | Q(foc_at__isnull=False),
                name="port_scheduled_has_foc"),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="port_rejected_has_reason"),
            models.CheckConstraint(
                condition=Q(state__in=["unconfirmed", "canceled"]) | ~Q(loa_file=""),
                name="port_submitted_has_loa"),
        ]

    def __str__(self) -> str:
        return f"Port P-{self.pk}"

    @property
    def reference(self) -> str:
        return f"P-{self.pk}"

    @property
    def pin_hint(self) -> str:
        """The PIN as pages show it: its last two characters."""
        if not self.pin:
            return "(none)"
        return "••••" + self.pin[-2:] if len(self.pin) > 2 else "••••"

    @property
    def btn_display(self) -> str:
        return display(self.billing_telephone_number)

    @property
    def service_address(self) -> str:
        street = ", ".join(p for p in (self.address_line1, self.address_line2) if p)
        return f"{street}, {self.city}, {self.region} {self.zip_code}"

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES


class PortedNumber(models.Model):
    """A number of a port request. ``is_open`` mirrors the request's state (kept by
    ``port_transition``) so the database can hold "one open port per number" with a partial
    unique index, which cannot look at the request's row."""

    port = models.ForeignKey(PortRequest, on_delete=models.CASCADE, related_name="numbers")
    e164 = models.CharField("number", max_length=12)
    is_open = models.BooleanField(default=True)
    # The user (seat) of the request's order that gets this number at completion; none: the
    # number goes to the group only.
    user = models.ForeignKey("users.OrderUser", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["e164"]
        constraints = [
            models.UniqueConstraint(fields=["e164"], condition=Q(is_open=True),
                                    name="ported_number_one_open_port"),
            models.UniqueConstraint(fields=["port", "e164"], name="ported_number_once_per_port"),
        ]

    def __str__(self) -> str:
        return self.e164

    @property
    def display(self) -> str:
        return display(self.e164)


class PortStateChange(models.Model):
    port = models.ForeignKey(PortRequest, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=12, choices=PortState.choices)
    to_state = models.CharField(max_length=12, choices=PortState.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.port}: {self.from_state} -> {self.to_state}"


class PortComment(models.Model):
    """A comment on the request's timeline, from the partner or from staff."""

    port = models.ForeignKey(PortRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(max_length=COMMENT_MAX)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.port}: comment {self.pk}"
