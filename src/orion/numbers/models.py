"""The DID inventory: one row per number, its history, and backorders on orders.

A number is one row with one ``order`` foreign key, and check constraints tie that key to the
state (reserved and assigned numbers have an order; available and quarantined ones have none),
so the database itself guarantees that a number never sits on two orders at once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr

from orion.accounts.models import Customer
from orion.numbers.nanp import display
from orion.numbers.states import NumberState
from orion.orders.models import Order

E164_NANP = r"^\+1[2-9][0-9]{2}[2-9][0-9]{6}$"

# Most numbers one request reserves on a draft: ticked numbers per Order press, or a
# reserve-by-quantity. More is a backorder (or an import). The service, the page and the API
# schemas (``le=``, ``max_length=``) read this; tests/orders/test_limits.py proves they agree.
MAX_SELECTION = 200
# Most DIDs one backorder (one NPA-NXX of one order) may ask for.
MAX_BACKORDER_QUANTITY = 1000


class DID(models.Model):
    """A phone number in the provider's inventory (E.164, North American numbering plan)."""

    e164 = models.CharField("number", max_length=12, unique=True)
    npa = models.CharField("NPA", max_length=3)
    nxx = models.CharField("NXX", max_length=3)
    rate_center = models.CharField(max_length=40, blank=True)
    region = models.CharField("state", max_length=2, blank=True)
    state = models.CharField(max_length=12, choices=NumberState.choices,
                             default=NumberState.AVAILABLE)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="dids")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="dids")
    backorder = models.ForeignKey("numbers.Backorder", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="dids")
    is_for_trunking = models.BooleanField("Is For Trunking", default=False)
    reserved_until = models.DateTimeField(null=True, blank=True)
    quarantined_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "DID"
        ordering = ["e164"]
        indexes = [
            # The NPA/NXX search: free numbers of one NPA (and NXX) in number order. Only
            # available rows are indexed, so the index stays small as the inventory sells.
            models.Index(fields=["npa", "nxx", "e164"], condition=Q(state="available"),
                         name="did_available_npa_nxx"),
            models.Index(fields=["npa", "nxx", "state"], name="did_npa_nxx_state"),
            models.Index(fields=["reserved_until"], condition=Q(state="reserved"),
                         name="did_reservation_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(e164__regex=E164_NANP), name="did_e164_nanp"),
            models.CheckConstraint(
                condition=Q(npa=Substr("e164", 3, 3), nxx=Substr("e164", 6, 3))
                & ~Q(npa__endswith="11") & ~Q(nxx__endswith="11"),
                name="did_npa_nxx_match_and_not_n11"),
            models.CheckConstraint(
                condition=Q(state__in=["available", "reserved", "assigned", "quarantined"]),
                name="did_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="available") | Q(order__isnull=True, customer__isnull=True,
                                                    reserved_until__isnull=True),
                name="did_available_is_free"),
            models.CheckConstraint(
                condition=~Q(state="reserved") | Q(order__isnull=False,
                                                   reserved_until__isnull=False,
                                                   customer__isnull=True),
                name="did_reserved_has_order_and_expiry"),
            # An assigned number has its customer, and the order that assigned it, except a
            # number adopted from BroadWorks by the import (``orion.adoption``): no order
            # of Orion's assigned it, so its history row says "imported from BroadWorks".
            models.CheckConstraint(
                condition=~Q(state="assigned") | Q(customer__isnull=False),
                name="did_assigned_has_customer"),
            models.CheckConstraint(
                condition=~Q(state="quarantined") | Q(order__isnull=True, customer__isnull=True,
                                                      quarantined_until__isnull=False),
                name="did_quarantined_is_free_with_end"),
        ]

    def __str__(self) -> str:
        return display(self.e164)

    @property
    def display(self) -> str:
        return display(self.e164)


class DIDEvent(models.Model):
    """History: every state change of a number, who made it, on which order, and why."""

    did = models.ForeignKey(DID, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, blank=True)  # empty: added to the inventory
    to_state = models.CharField(max_length=12, choices=NumberState.choices)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["did", "changed_at"], name="did_event_did_time")]

    def __str__(self) -> str:
        return f"{self.did_id}: {self.from_state or 'new'} -> {self.to_state}"


class BackorderStatus(models.TextChoices):
    """Derived from quantity and filled, named as Bandwidth names order states."""

    BACKORDERED = "Backordered", "Backordered"
    PARTIAL = "Partial", "Partial"
    COMPLETE = "Complete", "Complete"


class BackorderQuerySet(models.QuerySet["Backorder"]):
    def open(self) -> BackorderQuerySet:
        """Backorders of placed orders still waiting for numbers (the staff queue)."""
        from orion.orders.states import LIVE_STATES

        return self.filter(filled__lt=models.F("quantity"),
                           order__state__in=LIVE_STATES - {"draft"})


class Backorder(models.Model):
    """DIDs ordered for an NPA (and NXX) that the inventory could not supply yet."""

    MAX_QUANTITY = MAX_BACKORDER_QUANTITY

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="did_backorders")
    npa = models.CharField("NPA", max_length=3)
    nxx = models.CharField("NXX", max_length=3, blank=True)
    quantity = models.PositiveIntegerField()
    filled = models.PositiveIntegerField(default=0)
    is_for_trunking = models.BooleanField("Is For Trunking", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = BackorderQuerySet.as_manager()
    # Not a column: the free numbers matching it, set by selectors.backorders_free_now.
    free_now: int

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_BACKORDER_QUANTITY),
                name=f"backorder_quantity_1_to_{MAX_BACKORDER_QUANTITY}"),
            models.CheckConstraint(condition=Q(filled__gte=0) & Q(filled__lte=models.F(
                "quantity")), name="backorder_filled_within_quantity"),
            models.CheckConstraint(condition=Q(npa__regex=r"^[2-9][0-9]{2}$"),
                                   name="backorder_npa_format"),
            models.CheckConstraint(condition=Q(nxx="") | Q(nxx__regex=r"^[2-9][0-9]{2}$"),
                                   name="backorder_nxx_format"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.prefix}"

    @property
    def prefix(self) -> str:
        return f"{self.npa}-{self.nxx}" if self.nxx else self.npa

    def matching_numbers(self) -> models.QuerySet[DID]:
        """The inventory rows this backorder can be filled from (its NPA, and NXX if given)."""
        rows = DID.objects.filter(npa=self.npa)
        return rows.filter(nxx=self.nxx) if self.nxx else rows

    @property
    def pending(self) -> int:
        return self.quantity - self.filled

    @property
    def status(self) -> str:
        if self.filled == 0:
            return BackorderStatus.BACKORDERED
        if self.filled < self.quantity:
            return BackorderStatus.PARTIAL
        return BackorderStatus.COMPLETE


class NumberBlock(models.Model):
    """What the industry's routing guide (the LERG) says about one NPA-NXX: its rate center,
    locality and state, plus the ZIP codes it serves. A carrier searches by these, so they live
    once per block rather than on every number; the import fills them in."""

    npa = models.CharField("NPA", max_length=3)
    nxx = models.CharField("NXX", max_length=3)
    rate_center = models.CharField(max_length=40, blank=True)  # LERG abbreviation, upper case
    locality = models.CharField("city", max_length=40, blank=True)
    region = models.CharField("state", max_length=2, blank=True)
    zip_codes = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["npa", "nxx"]
        indexes = [
            models.Index(fields=["rate_center"], name="block_rate_center"),
            models.Index(fields=["region", "locality"], name="block_region_locality"),
            GinIndex(fields=["zip_codes"], name="block_zip_codes"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["npa", "nxx"], name="block_one_per_npa_nxx"),
            models.CheckConstraint(condition=Q(npa__regex=r"^[2-9][0-9]{2}$")
                                   & Q(nxx__regex=r"^[2-9][0-9]{2}$"),
                                   name="block_npa_nxx_format"),
            models.CheckConstraint(condition=Q(region="") | Q(region__regex=r"^[A-Z]{2}$"),
                                   name="block_region_format"),
        ]

    def __str__(self) -> str:
        return f"{self.npa}-{self.nxx}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# Rejected rows kept on an import for its report; the count beyond this is still exact.
MAX_REPORTED_REJECTIONS = 1000


class NumberImport(models.Model):
    """One CSV uploaded by staff (page or API), imported in chunks by a job. The page polls
    this row for the progress bar and shows the report from it when the job is done."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    via = models.CharField(max_length=10, default="web")
    content = models.TextField()  # the CSV text; in the database so any worker can read it
    status = models.CharField(max_length=8, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)  # lines in the file
    done = models.PositiveIntegerField(default=0)  # lines read so far
    added = models.PositiveIntegerField(default=0)
    already_present = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # [[line, text, reason], ...]
    open_backorders = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")),
                                   name="number_import_done_within_total"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="number_import_status_valid"),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.filename or 'upload'})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    def summary(self) -> str:
        """The same words as ``orion numbers import`` prints."""
        return import_summary(added=self.added, already_present=self.already_present,
                              rejected=self.rejected_count,
                              open_backorders=self.open_backorders)


def import_summary(*, added: int, already_present: int, rejected: int,
                   open_backorders: int) -> str:
    """One line for an import, the same for the command, the page and the API."""
    text = (f"{added} added, {already_present} already in the inventory, {rejected} rejected")
    if open_backorders:
        text += f"; {open_backorders} open backorders match: fill them on the queue"
    return text


# The E911 rules the model's constraints hold too (the service says why, by field).
E911_STATE_RE = r"^[A-Z]{2}$"
E911_ZIP_RE = r"^[0-9]{5}(-[0-9]{4})?$"
E911_HOUSE_NUMBER_RE = r"^[0-9]"


class E911Location(models.Model):
    """The dispatchable location of one number (Kari's Law, RAY BAUM'S Act): where a 911
    call from it is sent. Checked as an E911 provisioning API checks it (``services.e911``):
    a US state or territory code, a 5 or 9 digit ZIP, a street that starts with a house
    number and is not a P.O. box. One per number; it goes when the number leaves the
    customer (released, aged, returned to stock)."""

    did = models.OneToOneField(DID, on_delete=models.CASCADE, related_name="e911")
    address_line1 = models.CharField("street (house number and street name)", max_length=80)
    address_line2 = models.CharField("building / floor / suite", max_length=60, blank=True)
    city = models.CharField(max_length=50)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP", max_length=10)
    # True while it is the customer's service address copied by default (not typed for the
    # number): the page says "customer's address".
    is_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "E911 location"
        constraints = [
            models.CheckConstraint(condition=Q(state__regex=E911_STATE_RE),
                                   name="e911_state_format"),
            models.CheckConstraint(condition=Q(zip_code__regex=E911_ZIP_RE),
                                   name="e911_zip_format"),
            models.CheckConstraint(condition=Q(address_line1__regex=E911_HOUSE_NUMBER_RE),
                                   name="e911_street_has_house_number"),
            models.CheckConstraint(condition=~Q(city=""), name="e911_city_given"),
        ]

    def __str__(self) -> str:
        return self.one_line

    @property
    def one_line(self) -> str:
        street = ", ".join(p for p in (self.address_line1, self.address_line2) if p)
        return f"{street}, {self.city}, {self.state} {self.zip_code}"
