"""The monthly export as CSV or JSON: one row per customer line, then the totals.

The CSV's first column, ``row``, says what a row is: ``charge`` (a customer line),
``customer_total`` (after each customer's lines) or ``total`` (the last row), so a
spreadsheet can filter the totals out. Amounts are plain decimals (for spreadsheets and
programs); every row, and the JSON, names their currency (``currency``, ``ORION_CURRENCY``).

CSV cells are neutralised against formula injection (OWASP "CSV injection"): a text cell that
a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading ``'``. The staff export mixes every partner's customers, so a
company named ``=HYPERLINK(...)`` would otherwise run in the provider's spreadsheet. Amounts
(``-12.50``) are numbers, not formulas, and stay as they are. The JSON export is exact.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from typing import Any

from orion.billing.charges import Charge
from orion.billing.selectors import Invoice
from orion.core.money import currency

COLUMNS = ["row", "month", "partner", "enterprise", "customer", "customer_id", "order",
           "package", "charge_type", "quantity", "unit_price", "period", "period_start",
           "period_end", "days", "days_in_month", "amount", "currency"]


def _charge_row(charge: Charge) -> dict[str, Any]:
    s = charge.subscription
    return {
        "row": "charge", "month": str(charge.month), "partner": s.partner_name,
        "enterprise": s.enterprise_name, "customer": s.customer_name,
        "customer_id": s.customer_id, "order": s.order_number, "package": s.package,
        "charge_type": s.charge_type, "quantity": s.quantity, "unit_price": str(s.unit_price),
        "period": charge.period, "period_start": charge.period_start.isoformat(),
        "period_end": charge.period_end.isoformat(),
        "days": charge.days if s.charge_type == "MRC" else "",
        "days_in_month": charge.month.days if s.charge_type == "MRC" else "",
        "amount": str(charge.amount), "currency": currency(),
    }


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet evaluates: formulas get a leading ``'``."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class _SafeDictWriter(csv.DictWriter):
    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: spreadsheet_safe(v) for k, v in rowdict.items()})


def export_csv(invoice: Invoice) -> str:
    """The CSV text (``\\r\\n`` line ends, as the csv module and spreadsheets expect)."""
    out = io.StringIO()
    writer = _SafeDictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    by_customer = {c.customer_id: c for c in invoice.totals.customers}
    current = None
    for charge in invoice.charges:
        customer_id = charge.subscription.customer_id
        if current is not None and customer_id != current:
            _write_customer_total(writer, invoice, by_customer[current])
        current = customer_id
        writer.writerow(_charge_row(charge))
    if current is not None:
        _write_customer_total(writer, invoice, by_customer[current])
    writer.writerow({"row": "total", "month": str(invoice.month),
                     "amount": str(invoice.totals.total), "currency": currency()})
    return out.getvalue()


def _write_customer_total(writer: csv.DictWriter, invoice: Invoice, row: Any) -> None:
    writer.writerow({"row": "customer_total", "month": str(invoice.month),
                     "partner": row.partner_name, "customer": row.customer_name,
                     "customer_id": row.customer_id, "amount": str(row.total),
                     "currency": currency()})


def export_json(invoice: Invoice) -> dict[str, Any]:
    t = invoice.totals
    return {
        "month": str(invoice.month), "currency": currency(),
        "lines": [{k: v for k, v in _charge_row(c).items() if k != "row"}
                  for c in invoice.charges],
        "customers": [{"customer_id": c.customer_id, "customer": c.customer_name,
                       "partner": c.partner_name, "mrc": str(c.mrc), "nrc": str(c.nrc),
                       "total": str(c.total)} for c in t.customers],
        "totals": {"mrc": str(t.mrc), "nrc": str(t.nrc), "total": str(t.total)},
    }


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
