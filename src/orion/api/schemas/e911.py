"""The E911 location of a number as the API shows it (order DIDs, customer numbers, the
number's own E911 operation)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from orion.api.schemas.common import Json
from orion.numbers.models import E911Location


class E911LocationOut(Schema):
    address_line1: str = Field(description="House number and street name")
    address_line2: str = Field(description="Building / floor / suite")
    city: str
    state: str = Field(description="US state, DC or territory code")
    zip_code: str = Field(description="12345 or 12345-6789")
    is_default: bool = Field(description="Copied from the customer's service address")
    updated_at: datetime


def e911_out(location: E911Location | None) -> Json | None:
    if location is None:
        return None
    return {"address_line1": location.address_line1, "address_line2": location.address_line2,
            "city": location.city, "state": location.state, "zip_code": location.zip_code,
            "is_default": location.is_default, "updated_at": location.updated_at}
