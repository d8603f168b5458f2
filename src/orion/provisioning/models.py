"""What provisioning did for an order: its steps with status and times, and every OCI-P
exchange (passwords redacted), so staff can see exactly what reached BroadWorks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orion.orders.models import Order


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Already in BroadWorks"
    NOT_NEEDED = "not_needed", "Nothing to do"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# A step in one of these needs nothing more from a retry.
FINISHED_STEP_STATUSES = (StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NOT_NEEDED)


class ProvisioningStep(models.Model):
    """One step of an order's BroadWorks plan ("step 4 of 11: assigning numbers")."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="provisioning_steps")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=StepStatus.choices,
                              default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    created = models.JSONField(default=list, blank=True,
                               help_text="What this step created in BroadWorks.")

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["order", "key"], name="step_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order} step {self.position}: {self.label} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STEP_STATUSES


class OciExchangeLog(models.Model):
    """One OCI-P document sent for an order and its answer (audit; passwords redacted)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="oci_exchanges")
    at = models.DateTimeField()
    commands = models.CharField(max_length=2000)
    request_xml = models.TextField()
    response_xml = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="oci_exchange_order_at")]
        constraints = [models.CheckConstraint(condition=~Q(commands=""),
                                              name="oci_exchange_has_commands")]

    def __str__(self) -> str:
        return f"{self.order} {self.at:%H:%M:%S} {self.commands}"


class TrunkAuthentication(models.TextChoices):
    REGISTRATION = "registration", "Registration (SIP digest user name and password)"
    IP = "ip", "IP / static (no registration; calls accepted from the addresses)"


class TrunkTransport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
    TLS = "tls", "TLS"


TRUNK_CALL_PATHS_MAX = 9999
E164_NANP_NUMBER = r"^\+1[2-9][0-9]{2}[2-9][0-9]{6}$"


class TrunkFacts(models.Model):
    """What operations need to build a trunking customer's SIP trunk by hand: how many calls
    at once, where the PBX/SBC is, how it authenticates and where calls go when it is down.

    One row per trunking order, typed by the partner on the order's trunking page and printed
    on the trunking order form (PDF). The database refuses what the form refuses.
    """

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="trunk_facts")
    call_paths = models.PositiveIntegerField(help_text="Simultaneous calls, 1 to 9,999.")
    pbx_addresses = models.JSONField(default=list,
                                     help_text="PBX/SBC IP addresses or host names (one or more).")
    authentication = models.CharField(max_length=12, choices=TrunkAuthentication.choices)
    sip_username = models.CharField(max_length=80, blank=True)
    sip_password = models.CharField(max_length=60, blank=True)
    failover_number = models.CharField(max_length=12, help_text="E.164 (+1NPANXXXXXX).")
    transport = models.CharField(max_length=3, choices=TrunkTransport.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    class Meta:
        verbose_name_plural = "trunk facts"
        constraints = [
            models.CheckConstraint(
                condition=Q(call_paths__gte=1, call_paths__lte=TRUNK_CALL_PATHS_MAX),
                name="trunk_call_paths_range"),
            models.CheckConstraint(condition=~Q(pbx_addresses=[]), name="trunk_has_pbx_address"),
            models.CheckConstraint(condition=Q(authentication__in=TrunkAuthentication.values),
                                   name="trunk_authentication_known"),
            models.CheckConstraint(
                condition=(Q(authentication=TrunkAuthentication.IP, sip_username="",
                             sip_password="")
                           | (Q(authentication=TrunkAuthentication.REGISTRATION)
                              & ~Q(sip_username="") & ~Q(sip_password=""))),
                name="trunk_credentials_iff_registration"),
            models.CheckConstraint(condition=Q(failover_number__regex=E164_NANP_NUMBER),
                                   name="trunk_failover_nanp"),
            models.CheckConstraint(condition=Q(transport__in=["", *TrunkTransport.values]),
                                   name="trunk_transport_known"),
        ]

    def __str__(self) -> str:
        return f"{self.order} trunk: {self.call_paths} call paths"


class RollbackStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the worker"
    RUNNING = "running", "Removing from BroadWorks"
    DONE = "done", "Removed from BroadWorks"
    FAILED = "failed", "Failed"


class Rollback(models.Model):
    """Taking a cancelled order's objects out of BroadWorks again (``orion.rollback_order``).

    The order itself is cancelled at once (a terminal state: nothing provisions, retries or
    bills it any more); this row says whether BroadWorks still holds what it created. Its
    numbers stay the order's until the rollback is done, so nobody else can take a number
    BroadWorks still holds; then they go back to available.
    """

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="rollback")
    status = models.CharField(max_length=10, choices=RollbackStatus.choices,
                              default=RollbackStatus.PENDING)
    label = models.CharField(max_length=120, blank=True,
                             help_text='What is being removed ("removing users (2 of 5)").')
    steps = models.JSONField(default=list, blank=True,
                             help_text="Each removal step: key, label, done, total.")
    removed = models.JSONField(default=list, blank=True,
                               help_text="What the rollback removed from BroadWorks.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RollbackStatus.values),
                                   name="rollback_status_known"),
            models.CheckConstraint(
                condition=Q(status="done", finished_at__isnull=False) | ~Q(status="done"),
                name="rollback_done_has_finish"),
        ]

    def __str__(self) -> str:
        return f"{self.order} rollback ({self.status})"
