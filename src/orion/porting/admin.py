"""Port requests in the admin: read-only facts for support; the PIN is never shown, and state
changes go through the pages (``port_transition``), not the admin."""

from __future__ import annotations

from django.contrib import admin

from orion.porting.models import PortComment, PortedNumber, PortRequest, PortStateChange


class PortedNumberInline(admin.TabularInline):
    model = PortedNumber
    extra = 0
    readonly_fields = ("e164", "is_open")
    can_delete = False


@admin.register(PortRequest)
class PortRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "partner", "account_name", "state", "desired_date", "foc_at")
    list_filter = ("state",)
    search_fields = ("account_name", "numbers__e164")
    exclude = ("pin",)
    readonly_fields = ("partner", "customer", "order", "created_by", "state", "foc_at",
                       "loa_file", "loa_size", "loa_uploaded_at", "submitted_at",
                       "rejection_reason")
    inlines = [PortedNumberInline]


@admin.register(PortStateChange)
class PortStateChangeAdmin(admin.ModelAdmin):
    list_display = ("port", "from_state", "to_state", "changed_by", "changed_at")
    readonly_fields = ("port", "from_state", "to_state", "changed_by", "note")


@admin.register(PortComment)
class PortCommentAdmin(admin.ModelAdmin):
    list_display = ("port", "author", "created")
    readonly_fields = ("port", "author")
