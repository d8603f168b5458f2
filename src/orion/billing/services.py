"""Writes for billing: recording an invoice run (what a monthly export billed)."""

from __future__ import annotations

from django.db import transaction

from orion.accounts.models import Partner, User
from orion.audit.services import audit_record
from orion.billing.export import digest, export_csv
from orion.billing.models import InvoiceRun, InvoiceRunLine
from orion.billing.selectors import Invoice


def invoice_run_record(*, invoice: Invoice, user: User | None, partner: Partner | None = None,
                       via: str = "cli") -> InvoiceRun:
    """Keep the export of ``invoice`` as it was: its lines, totals and the CSV's digest."""
    t = invoice.totals
    with transaction.atomic():
        run = InvoiceRun.objects.create(
            month=str(invoice.month), partner=partner, created_by=user, via=via,
            line_count=len(invoice.charges), total_mrc=t.mrc, total_nrc=t.nrc, total=t.total,
            digest=digest(export_csv(invoice)))
        InvoiceRunLine.objects.bulk_create([
            InvoiceRunLine(
                run=run, customer_id=c.subscription.customer_id,
                order_line_id=c.subscription.line_id, customer_name=c.subscription.customer_name,
                order_number=c.subscription.order_number, package=c.subscription.package,
                charge_type=c.subscription.charge_type, quantity=c.subscription.quantity,
                unit_price=c.subscription.unit_price, period_start=c.period_start,
                period_end=c.period_end, amount=c.amount)
            for c in invoice.charges])
        audit_record(actor=user, action="billing.invoice_run", obj=run,
                     changes={"month": run.month, "lines": run.line_count,
                              "total": str(run.total), "digest": run.digest}, via=via)
    return run


def invoice_run_previous(*, run: InvoiceRun) -> InvoiceRun | None:
    """The run before ``run`` for the same month and scope (to show what changed)."""
    return (InvoiceRun.objects.filter(month=run.month, partner=run.partner_id, id__lt=run.pk)
            .order_by("-id").first())
