"""Orion never sends an invalid request: the client checks, the order form says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.broadworks import BroadWorksClient, OCIInvalidRequest, ocip_request
from orion.broadworks.emulator import EmulatorServer
from orion.orders.forms import OrderDetailsForm
from tests import factories as f
from tests.broadworks.helpers import DOMAIN, GROUP, SP, add_enterprise


def _group_add(email: str) -> object:
    return ocip_request(
        "GroupAddRequest",
        service_provider_id=SP,
        group_id=GROUP,
        default_domain=DOMAIN,
        user_limit=5,
        contact={"contact_name": "Jane Doe", "contact_email": email},
    )


def test_client_refuses_a_schema_invalid_request_before_sending_anything(
    bw_client: BroadWorksClient, emulator: EmulatorServer
) -> None:
    """The 90-character contactEmail the emulator once said Success to."""
    add_enterprise(bw_client)
    before = emulator.stats.documents
    long_email = "a" * 78 + "@example.com"
    first = ocip_request("SystemDomainAddRequest", domain="other.example.com")
    with pytest.raises(OCIInvalidRequest) as caught:
        bw_client.batch([first, _group_add(long_email)])
    error = caught.value
    assert error.command == "GroupAddRequest" and not error.retryable
    assert error.detail.startswith("GroupAddRequest/contact/contactEmail: cvc-maxLength-valid")
    assert "a bug in Orion" in str(error)
    assert emulator.stats.documents == before  # not even the valid first command went out
    assert "other.example.com" not in emulator.dump()["system_domains"]
    # The same request within the limit goes through.
    bw_client.request(
        "GroupAddRequest",
        **{
            "service_provider_id": SP,
            "group_id": GROUP,
            "default_domain": DOMAIN,
            "user_limit": 5,
            "contact": {"contact_email": "jane@example.com"},
        },
    )


def test_empty_strings_are_caught_by_the_client(bw_client: BroadWorksClient) -> None:
    with pytest.raises(OCIInvalidRequest, match="GroupAddRequest/groupName"):
        bw_client.request(
            "GroupAddRequest",
            service_provider_id=SP,
            group_id=GROUP,
            default_domain=DOMAIN,
            user_limit=5,
            group_name="",
        )


def _form(order: object, **overrides: str) -> OrderDetailsForm:
    data = {
        "billing_start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "company_name": "Fresh Customer",
        "address_line1": "1 Broad St",
        "city": "Boston",
        "state_code": "MA",
        "zip_code": "02108",
        "contact_name": "Pat",
        "contact_phone": "6175550199",
        "contact_email": "pat@fresh.example",
        "domain": "fresh.example",
        "time_zone": "America/New_York",
        "service_type": "hosted",
    }
    data.update(overrides)
    return OrderDetailsForm(data, order=order)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("contact_email", "p" * 69 + "@fresh.example", 80),  # 83 characters
        ("contact_name", "Patricia Alexandra Montgomery-Smythe", 30),
    ],
)
def test_order_form_enforces_broadworks_limits_with_the_reason(
    tenant_a, field: str, value: str, limit: int
) -> None:
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    form = _form(order, **{field: value})
    assert not form.is_valid()
    message = form.errors[field][0]
    assert f"at most {limit} characters (it has {len(value)})" in message
    assert f"BroadWorks keeps at most {limit} characters" in message
    ok = _form(
        order, **{field: value[:limit] if field == "contact_name" else "p" * 66 + "@fresh.example"}
    )
    assert field not in ok.errors
