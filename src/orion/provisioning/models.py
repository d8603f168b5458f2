"""What provisioning did for an order: its steps with status and times, and every OCI-P
exchange (passwords redacted), so staff can see exactly what reached BroadWorks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orion.orders.models import Order


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped (already in BroadWorks)"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ProvisioningStep(models.Model):
    """One step of an order's BroadWorks plan ("step 4 of 9: assigning numbers")."""

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
        return self.status in (StepStatus.DONE, StepStatus.SKIPPED)


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
