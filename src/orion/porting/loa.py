"""The letter of authorization (LOA), filled from the port request.

The losing carrier ports the numbers only on an LOA signed by the person authorized on the
account. Every value is data typed by a partner: it goes through ``literal`` (orion.core.pdf)
so ``<``, ``&`` and markup print as typed instead of breaking the PDF or
pulling a file from the server's disk into it.
"""

from __future__ import annotations

from django.utils import timezone
from reportlab.platypus import Paragraph, Spacer, Table

from orion.core.pdf import STYLES, facts_table, literal, pdf_render
from orion.numbers.nanp import display
from orion.porting.models import PortRequest

AUTHORIZATION = (
    "I authorize the new service provider named above, and the carriers acting for it, to act "
    "as my agent to port the telephone numbers listed on this letter from the losing carrier. "
    "I am authorized to sign for the account holder and the service address and account "
    "information given are as they appear on the losing carrier's bill. I understand that "
    "porting the numbers ends my service with the losing carrier for them.")


def port_loa_pdf(*, port: PortRequest, provider: str = "Orion") -> bytes:
    """The LOA as a PDF, with the request's numbers, carrier, account, address, authorized
    person, desired date and a signature line. The PIN is never printed: the carrier gets it
    from staff, not from a paper that travels by e-mail."""
    styles = STYLES

    def facts(rows: list[tuple[str, str]]) -> Table:
        return facts_table(rows, label_width=2.0)

    numbers = [display(n.e164) for n in port.numbers.all()]
    story = [
        Paragraph("Letter of Authorization", styles["Title"]),
        Paragraph(literal(f"Port request {port.reference} · printed "
                          f"{timezone.localdate():%Y-%m-%d}"), styles["Normal"]),
        Spacer(1, 10),
        Paragraph("Account on the losing carrier's bill", styles["Heading2"]),
        facts([("Account holder", port.account_name),
               ("Losing carrier", port.losing_carrier),
               ("Account number", port.account_number),
               ("Billing telephone number", port.btn_display),
               ("Service address", port.service_address),
               ("New service provider", provider),
               ("Desired port date", f"{port.desired_date:%Y-%m-%d}")]),
        Paragraph(literal(f"Numbers to port ({len(numbers)})"), styles["Heading2"]),
        Paragraph(literal(", ".join(numbers) or "-"), styles["BodyText"]),
        Paragraph("Authorization", styles["Heading2"]),
        Paragraph(literal(AUTHORIZATION), styles["BodyText"]),
        Spacer(1, 16),
        facts([("Authorized person", port.authorized_name),
               ("Title", port.authorized_title),
               ("Signature", "\n\n"), ("Date", "")]),
    ]
    return pdf_render(title=f"Letter of authorization {port.reference}", story=story)
