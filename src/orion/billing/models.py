"""Invoice runs: what a monthly export billed, kept as it was exported.

Charges themselves are not stored: they are derived, deterministically, from the order lines
(prices frozen at Save Order) by ``orion.billing.charges``. A run is the record that billing
staff trust afterwards: every line of the export, its amounts and a digest of the file, so a
later re-run of the same month can be compared with what was sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InvoiceRun(models.Model):
    month = models.CharField(max_length=7, help_text="YYYY-MM")
    partner = models.ForeignKey("accounts.Partner", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text="Empty: every partner.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    via = models.CharField(max_length=10, default="cli")
    line_count = models.PositiveIntegerField(default=0)
    total_mrc = models.DecimalField(max_digits=14, decimal_places=2)
    total_nrc = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the CSV export.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
                                   name="invoice_run_month_format"),
            models.CheckConstraint(condition=Q(total=models.F("total_mrc") +
                                               models.F("total_nrc")),
                                   name="invoice_run_total_adds_up"),
        ]

    def __str__(self) -> str:
        return f"Invoice run {self.month} #{self.pk}"


class InvoiceRunLine(models.Model):
    """One exported charge, copied as it was billed (names and prices as of the run)."""

    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT,
                                   related_name="+")
    customer_name = models.CharField(max_length=80)
    order_number = models.CharField(max_length=20)
    package = models.CharField(max_length=120)
    charge_type = models.CharField(max_length=3)
    # Negative on a change order's decrease (a credit line: the delta it bills); never 0.
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="invoice_line_quantity_not_0"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="invoice_line_period_order"),
            models.UniqueConstraint(fields=["run", "order_line"], name="invoice_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_name}: {self.package} {self.amount}"
