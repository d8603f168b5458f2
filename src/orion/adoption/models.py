"""Adopting an existing BroadWorks: the import runs (a job with progress and its report) and
the baseline of what each imported group held when Orion adopted it.

Orion computes the quantities a group should hold from its own orders. A group typed in by
hand through CommPilot holds quantities no order explains, so each adopted customer keeps an
``ImportBaseline``: the quantities per service pack, user service and group service that
BroadWorks showed at the import, which ``provisioning.plan.desired_for`` adds to the earlier
orders' share. The next order then diffs against reality instead of tripping over it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orion.accounts.models import Customer, Partner
from orion.catalog.models import Package


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One import (command or staff page). The page polls this row for the progress bar and
    shows ``report`` once the run is done; the command fills it too, so both leave a record."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    service_providers = models.JSONField(default=list, blank=True)  # empty: every enterprise
    dry_run = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    via = models.CharField(max_length=10, default="web")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)  # groups to read (known after the lists)
    done = models.PositiveIntegerField(default=0)  # groups read and applied
    report = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")),
                                   name="adoption_run_done_within_total"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="adoption_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"BroadWorks import {self.pk}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class ImportBaseline(models.Model):
    """What an adopted customer's group held in BroadWorks beyond Orion's own orders."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE,
                                    related_name="import_baseline")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    user_count = models.PositiveIntegerField(
        default=0, help_text="Users the group held in BroadWorks at the import.")
    # Their user ids (and any a drift Accept added): users Orion knows of without an order.
    user_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"baseline of {self.customer_id}"


class BaselineKind(models.TextChoices):
    """The three kinds of quantity the plan tracks (``catalog.BroadWorksKind`` without none)."""

    SERVICE_PACK = "service_pack", "Service pack"
    USER_SERVICE = "user_service", "User service"
    GROUP_SERVICE = "group_service", "Group service"


class BaselineQuantity(models.Model):
    """One authorized quantity of the baseline, matched to a catalog package by the catalog's
    BroadWorks mapping (``Package.bw_kind``/``bw_name``). Unmatched names are reported by the
    import and never stored here: the plan only knows the catalog's names."""

    baseline = models.ForeignKey(ImportBaseline, on_delete=models.CASCADE,
                                 related_name="quantities")
    bw_kind = models.CharField(max_length=16, choices=BaselineKind.choices)
    bw_name = models.CharField(max_length=80)
    quantity = models.PositiveIntegerField()
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["bw_kind", "bw_name"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "bw_kind", "bw_name"],
                                    name="baseline_quantity_unique"),
            models.CheckConstraint(
                condition=Q(bw_kind__in=["service_pack", "user_service", "group_service"]),
                name="baseline_quantity_kind_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="baseline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bw_name} x{self.quantity}"


class DriftKind(models.TextChoices):
    GROUP_MISSING = "group_missing", "Group missing"
    NUMBER_MISSING = "number_missing", "Number missing"
    NUMBER_EXTRA = "number_extra", "Extra number"
    QUANTITY = "quantity", "Authorization quantity"
    USER_MISSING = "user_missing", "User missing"
    USER_EXTRA = "user_extra", "Extra user"
    PACK_MISSING = "pack_missing", "Service pack missing"
    PACK_EXTRA = "pack_extra", "Extra service pack"
    GS_UNASSIGNED = "gs_unassigned", "Group service unassigned"
    GS_ASSIGNED = "gs_assigned", "Group service assigned"
    # Not a difference Orion can settle alone: another group holds the number, another
    # group (or enterprise) the user id.
    NUMBER_ELSEWHERE = "number_elsewhere", "Number held by another group"
    USER_ELSEWHERE = "user_elsewhere", "User id used elsewhere"
    # Orion's user or phone, edited by hand (names, extension, number; type, MAC).
    USER_CHANGED = "user_changed", "User changed by hand"
    PHONE_CHANGED = "phone_changed", "Phone changed by hand"


#: Kinds whose BroadWorks value Accept can take (the others say why on the page).
ACCEPTABLE_KINDS = frozenset({DriftKind.QUANTITY, DriftKind.NUMBER_EXTRA, DriftKind.USER_EXTRA,
                              DriftKind.PACK_MISSING, DriftKind.PACK_EXTRA,
                              DriftKind.GS_ASSIGNED, DriftKind.USER_CHANGED,
                              DriftKind.PHONE_CHANGED})


#: Why a number or user id another customer holds has neither Accept nor Re-provision.
ELSEWHERE_WHY = {
    DriftKind.NUMBER_ELSEWHERE: (
        "Another group holds this number in BroadWorks: re-provisioning would take it from "
        "that customer, and accepting would take it from this one's records (and bill). "
        "Free it in BroadWorks or give it back on a change order; the next audit closes it."),
    DriftKind.USER_ELSEWHERE: (
        "This user id is used outside the group in BroadWorks: re-provisioning would take "
        "it from someone else, and Orion cannot record another group's user as this "
        "customer's. Free the id in BroadWorks or change it on the order; the next audit "
        "closes it."),
}


class DriftEntry(models.Model):
    """One difference the drift audit found between what Orion's records say a customer's
    group holds and what BroadWorks holds. Open until staff act on it or an audit no longer
    finds it (``resolution`` says which)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="drift")
    kind = models.CharField(max_length=16, choices=DriftKind.choices)
    name = models.CharField(max_length=120)  # the number, or "service_pack:<name>" ...
    # What Orion's records say and what BroadWorks holds; a user's is
    # "first|last|extension|number", a phone's "type|MAC" (``adoption.conflicts``).
    expected = models.CharField(max_length=120, blank=True)
    actual = models.CharField(max_length=120, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=14, blank=True)  # accepted | reprovisioned | gone
    # Staff pressed Re-provision: the job is queued (cleared with its error if it fails).
    reprovision_queued_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # why the last re-provision failed
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["customer_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "name"],
                                    condition=Q(resolved_at__isnull=True),
                                    name="drift_one_open_entry"),
            models.CheckConstraint(
                condition=Q(kind__in=["group_missing", "number_missing", "number_extra",
                                      "quantity", "user_missing", "user_extra",
                                      "pack_missing", "pack_extra", "gs_unassigned",
                                      "gs_assigned", "number_elsewhere", "user_elsewhere",
                                      "user_changed", "phone_changed"]),
                name="drift_kind_valid"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False,
                    resolution__in=["accepted", "reprovisioned", "gone"]),
                name="drift_resolution_with_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def label(self) -> str:
        """The name as staff read it: "user service Call Forwarding Always", a number."""
        kind, _, name = self.name.partition(":")
        return f"{kind.replace('_', ' ')} {name}" if self.kind == DriftKind.QUANTITY else self.name

    @property
    def can_accept(self) -> bool:
        return self.kind in ACCEPTABLE_KINDS

    @property
    def can_reprovision(self) -> bool:
        """Whether Re-provision can make BroadWorks match (``drift._reprovision_refusal``)."""
        if self.kind == DriftKind.QUANTITY:
            return self.expected != "0"
        return self.kind in (DriftKind.NUMBER_MISSING, DriftKind.PACK_MISSING,
                             DriftKind.PACK_EXTRA, DriftKind.GS_UNASSIGNED,
                             DriftKind.GS_ASSIGNED, DriftKind.USER_CHANGED,
                             DriftKind.PHONE_CHANGED)

    @property
    def why_not(self) -> str:
        """For a number or user id another customer holds: why there is neither Accept nor
        Re-provision (``drift._ELSEWHERE``, shown with the entry); empty otherwise."""
        return ELSEWHERE_WHY.get(DriftKind(self.kind), "")

    @property
    def shown(self) -> tuple[str, str]:
        """(expected, actual) as staff read them: a user's or phone's fields spelled out."""
        if self.kind == DriftKind.USER_CHANGED:
            return tuple(_user_text(v) for v in (self.expected, self.actual))  # type: ignore[return-value]
        if self.kind == DriftKind.PHONE_CHANGED:
            return tuple(_phone_text(v) for v in (self.expected, self.actual))  # type: ignore[return-value]
        return self.expected, self.actual


def _user_text(value: str) -> str:
    if value.count("|") != 3:
        return value
    first, last, extension, number = value.split("|")
    return f'"{first} {last}", extension {extension or "none"}, number {number or "none"}'


def _phone_text(value: str) -> str:
    if "|" not in value:
        return value
    device_type, mac = value.split("|", 1)
    return f"{device_type}, MAC {mac or 'none'}"
