"""The audit log: one row per change a person (or a machine) made, never updated or deleted."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

# The longest reason a person may give for a change (cancel an order, correct a Billing Start
# Date after activation, ...). Every reason ends up here and in the order history
# (``OrderStateChange.note``), so the column, the service's ``clean_reason``, the forms'
# ``maxlength``, the API schemas and the pages all read this one number.
REASON_MAX_LENGTH = 500


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True,
                                  help_text="Kept when the user is deleted.")
    partner = models.ForeignKey("accounts.Partner", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    via = models.CharField(max_length=10, default="web", help_text="web, api, cli or worker")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
