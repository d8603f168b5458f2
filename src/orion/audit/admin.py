from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from orion.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is evidence, nobody edits it."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "via"]
    list_filter = ["action", "object_type", "via"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None
                               ) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None
                               ) -> bool:
        return False
