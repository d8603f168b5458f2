"""Port request factories: details a partner would type, a one-page PDF, requests made
through the real services."""

from __future__ import annotations

from io import BytesIO

from reportlab.pdfgen import canvas

from orion.porting import services
from orion.porting.services import PortDetails, earliest_port_date


def details(**overrides: object) -> PortDetails:
    values: dict[str, object] = {
        "numbers": "2125550100-2125550104", "losing_carrier": "Verizon",
        "account_number": "ACC-123", "pin": "9876", "billing_telephone_number": "2125550100",
        "address_line1": "1 Main Street", "address_line2": "", "city": "New York",
        "region": "NY", "zip_code": "10001", "authorized_name": "Pat Doe",
        "authorized_title": "Office manager", "desired_date": earliest_port_date(),
    }
    values.update(overrides)
    return PortDetails(**values)  # type: ignore[arg-type]


def pdf_bytes(text: str = "signed") -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def make_port(tenant, **overrides: object):
    return services.port_create(user=tenant.user, details=details(**overrides),
                                customer_id=tenant.customer.pk)


def submitted_port(tenant, **overrides: object):
    port = make_port(tenant, **overrides)
    services.port_loa_attach(user=tenant.user, port_id=port.pk, content=pdf_bytes())
    return services.port_submit(user=tenant.user, port_id=port.pk)


