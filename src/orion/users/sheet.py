"""The users sheet: an order's users as CSV, to download, edit in a spreadsheet and upload.

Columns (documented in docs/users.md): ``user`` (1, 2, ...: which user of the order the row
is), ``seat`` (the seat package), ``first_name``, ``last_name``, ``extension``, ``number``
(one of the order's numbers, any common form, or empty), ``email``, ``device_type`` (a name
of the list, or empty), ``mac_address`` and ``user_id`` (read only: given at Save Order).
Cells a spreadsheet would run as a formula are neutralised on download as the billing export
does (``orion.billing.export.spreadsheet_safe``); that leading ``'`` is taken off again on
upload, so a sheet goes round unchanged.
"""

from __future__ import annotations

import csv
import io

from orion.billing.export import FORMULA_TRIGGERS, spreadsheet_safe
from orion.numbers.nanp import display
from orion.users.exceptions import UserError
from orion.users.models import OrderUser
from orion.users.services import SHEET_FIELDS

COLUMNS: tuple[str, ...] = (*SHEET_FIELDS, "user_id")
MAX_SHEET_BYTES = 2_000_000
MAX_SHEET_ROWS = 10_000


def users_sheet_csv(users: list[OrderUser]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for u in users:
        row = {
            "user": u.position, "seat": u.line.package.name, "first_name": u.first_name,
            "last_name": u.last_name, "extension": u.extension,
            "number": display(u.number.e164) if u.number else "", "email": u.email,
            "device_type": u.device_label if u.device_type else "",
            "mac_address": u.mac_display, "user_id": u.user_id,
        }
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue()


def _unquote(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def users_sheet_parse(data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded users sheet; refused as a whole when it is not one."""
    if not data:
        raise UserError("Choose the users sheet (a .csv file) to upload.", code="sheet_empty",
                        field="sheet")
    if len(data) > MAX_SHEET_BYTES:
        raise UserError("The users sheet is too large (at most 2 MB).", code="sheet_too_large",
                        field="sheet")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError("The users sheet is not a UTF-8 CSV file; save it as \"CSV UTF-8\" and "
                        "upload it again.", code="sheet_not_csv", field="sheet") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in SHEET_FIELDS if c not in header]
    if missing:
        raise UserError(f"The users sheet has no column {', '.join(missing)}; download the sheet "
                        "and keep its first row.", code="sheet_columns", field="sheet")
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for raw in reader:
            if len(rows) >= MAX_SHEET_ROWS:
                raise UserError(f"The users sheet has more than {MAX_SHEET_ROWS:,} rows.",
                                code="sheet_too_large", field="sheet")
            row = {k: _unquote(str(v or "").strip()) for k, v in raw.items()
                   if k in SHEET_FIELDS}
            rows.append(row)
    except csv.Error as exc:
        raise UserError(f"The users sheet is not valid CSV ({exc}).", code="sheet_not_csv",
                        field="sheet") from None
    while rows and not any(rows[-1].values()):
        rows.pop()  # the empty lines a spreadsheet leaves at the end
    return rows
