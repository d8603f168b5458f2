"""The trunking order form, filled from an order, for the manual set-up path.

Every value on the form is data typed by a partner or taken from the catalog, never markup:
it is printed through ``orion.core.pdf`` (``literal``, ``facts_table``).
"""

from __future__ import annotations

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from orion.core.money import format_money
from orion.core.pdf import STYLES, facts_table, literal, pdf_render
from orion.numbers.nanp import display
from orion.orders.models import Order
from orion.orders.selectors import order_quote
from orion.provisioning.models import TrunkAuthentication, TrunkFacts

__all__ = ["literal", "trunking_order_form_pdf"]


BLANK = "(not given: to be filled in)"


def _trunk_rows(order: Order) -> list[tuple[str, str]]:
    """The trunk facts as typed on the order's trunking page; blanks to fill in by hand when
    the partner has not given them yet, so the form always asks for every one."""
    trunk = TrunkFacts.objects.filter(order=order).first()
    if trunk is None:
        return [(label, BLANK) for label in (
            "Call paths", "PBX/SBC addresses", "Authentication", "Failover number",
            "Transport")]
    rows = [("Call paths", str(trunk.call_paths)),
            ("PBX/SBC addresses", "\n".join(trunk.pbx_addresses)),
            ("Authentication", trunk.get_authentication_display())]
    if trunk.authentication == TrunkAuthentication.REGISTRATION:
        rows += [("SIP user name", trunk.sip_username), ("SIP password", trunk.sip_password)]
    rows += [("Failover number", display(trunk.failover_number)),
             ("Transport", trunk.get_transport_display() or "any")]
    return rows


def trunking_order_form_pdf(*, order: Order) -> bytes:
    from orion.numbers.models import DID

    customer, enterprise = order.customer, order.enterprise
    assert customer is not None and enterprise is not None  # a saved order has its account
    styles = STYLES

    def facts(rows: list[tuple[str, str]]) -> Table:
        return facts_table(rows, label_width=1.8)

    numbers = list(DID.objects.filter(order=order).order_by("e164"))
    trunk = [n.display for n in numbers if n.is_for_trunking]
    other = [n.display for n in numbers if not n.is_for_trunking]
    quote = order_quote(order=order)
    story = [
        Paragraph("Trunking Order Form", styles["Title"]),
        Paragraph(literal(f"Order {order.number} · saved {order.submitted_at:%Y-%m-%d} · "
                          f"printed {timezone.localdate():%Y-%m-%d}"), styles["Normal"]),
        Spacer(1, 10),
        Paragraph("Customer", styles["Heading2"]),
        facts([("Company", customer.name), ("Enterprise", enterprise.name),
               ("Address", f"{customer.address_line1} {customer.address_line2}, "
                           f"{customer.city}, {customer.state} {customer.zip_code}"),
               ("Contact", customer.contact_name), ("Phone", customer.contact_phone),
               ("E-mail", customer.contact_email), ("Domain", customer.domain),
               ("Time Zone", customer.time_zone),
               ("Billing Start Date", f"{order.billing_start_date:%Y-%m-%d}")]),
        Paragraph("Numbers", styles["Heading2"]),
        facts([("Is For Trunking", ", ".join(trunk) or "none"),
               ("Other numbers", ", ".join(other) or "none"),
               ("Backordered", ", ".join(f"{b.quantity - b.filled} x {b.prefix}"
                                         for b in order.did_backorders.all()) or "none")]),
        Paragraph("Trunk", styles["Heading2"]),
        facts(_trunk_rows(order)),
        Paragraph("Packages", styles["Heading2"]),
    ]
    rows = [["Package", "Charge", "Qty", "Unit price"]] + [
        [line.package.name, line.charge_type, str(line.quantity), format_money(line.unit_price)]
        for line in quote.lines]
    packages = Table(rows, colWidths=[3.8 * inch, 1 * inch, 0.8 * inch, 1.4 * inch])
    packages.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                  ("FONTSIZE", (0, 0), (-1, -1), 9)]))
    story += [packages, Paragraph("Notes", styles["Heading2"]),
              Paragraph(literal(order.notes or "-"), styles["BodyText"]),
              Spacer(1, 30),
              facts([("Trunk set up by", ""), ("Date", ""), ("Signature", "")])]
    return pdf_render(title=f"Trunking order form {order.number}", story=story)
