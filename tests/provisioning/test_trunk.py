"""Trunk facts of a trunking order: each rule at the field, the database's own checks, the
partner scope, and the PDF printing them as typed (issue 15, item 6)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from orion.core.exceptions import NotFound, OrionError
from orion.orders import services as order_services
from orion.orders.states import OrderState
from orion.provisioning.models import TrunkFacts
from orion.provisioning.trunk import (
    TrunkFactsInput,
    TrunkFactsInvalid,
    clean_pbx_addresses,
    trunk_facts_save,
    trunk_facts_validate,
)
from tests import factories as f

from .test_pdf import _trunking_order, pdf_text_of

GOOD = {"call_paths": "12", "pbx_addresses": "203.0.113.10\nsbc.acme.example",
        "authentication": "registration", "sip_username": "acme.pbx",
        "sip_password": "long-enough-1", "failover_number": "212 555 0199", "transport": ""}


def facts(**changes: object) -> TrunkFactsInput:
    return TrunkFactsInput(**{**GOOD, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("call_paths", "0", "from 1 to 9,999"),
    ("call_paths", "10000", "from 1 to 9,999"),
    ("call_paths", "12.5", "whole number"),
    ("call_paths", "", "Enter the number of call paths"),
    ("pbx_addresses", "", "at least one"),
    ("pbx_addresses", "127.0.0.1", "not an address"),
    ("pbx_addresses", "999.1.1.1", "not a valid IPv4"),
    ("pbx_addresses", "sip:pbx.example.com:5060", "host name"),
    ("pbx_addresses", "<b>x</b>.example", "host name"),
    ("authentication", "digest", "registration or IP/static"),
    ("sip_username", "", "SIP user name"),
    ("sip_username", "a b", "SIP user name"),
    ("sip_password", "short", "8 to 60"),
    ("sip_password", "has a space in it", "no spaces"),
    ("failover_number", "555-0199", "10 digits"),
    ("failover_number", "112 555 0199", "10 digits"),
    ("transport", "sctp", "UDP, TCP or TLS"),
])
def test_each_wrong_fact_is_refused_at_its_field(field, value, message):
    with pytest.raises(TrunkFactsInvalid) as caught:
        trunk_facts_validate(facts(**{field: value}))
    assert set(caught.value.errors) == {field}
    assert message in caught.value.errors[field][0]


def test_good_facts_are_normalised():
    clean = trunk_facts_validate(facts(pbx_addresses="203.0.113.10, SBC.Acme.Example.; "
                                                       "2001:DB8::1 203.0.113.10"))
    assert clean["call_paths"] == 12
    assert clean["pbx_addresses"] == ["203.0.113.10", "sbc.acme.example", "2001:db8::1"]
    assert clean["failover_number"] == "+12125550199"


def test_ip_authentication_drops_credentials():
    clean = trunk_facts_validate(facts(authentication="ip", sip_password=""))
    assert (clean["sip_username"], clean["sip_password"]) == ("", "")


def test_at_most_eight_addresses():
    with pytest.raises(ValueError, match="at most 8"):
        clean_pbx_addresses([f"203.0.113.{i}" for i in range(1, 10)])


def test_saved_facts_print_on_the_pdf_and_audit_hides_the_password(client_a, tenant_a):
    order = _trunking_order(tenant_a)
    assert order.state == OrderState.HELD
    blank, _ = pdf_text_of(client_a.get(f"/orders/{order.pk}/trunking-order-form.pdf").content)
    assert "Call paths (not given: to be filled in)" in blank
    trunk_facts_save(order_id=order.pk, user=tenant_a.user,
                     data=facts(sip_password="pw<font>&amp;x</font>"))
    text, _ = pdf_text_of(client_a.get(f"/orders/{order.pk}/trunking-order-form.pdf").content)
    assert "Call paths 12" in text
    assert "203.0.113.10 sbc.acme.example" in text
    assert "pw<font>&amp;x</font>" in text
    assert "212-555-0199" in text
    from orion.audit.models import AuditEntry
    entry = AuditEntry.objects.get(action="order.trunk_facts")
    assert "pw<font>" not in str(entry.changes)


def test_other_partner_cannot_save_and_completed_orders_are_fixed(tenant_a, tenant_b, staff):
    order = _trunking_order(tenant_a)
    with pytest.raises(NotFound):
        trunk_facts_save(order_id=order.pk, user=tenant_b.user, data=facts())
    assert not TrunkFacts.objects.exists()
    from orion.provisioning.repair import order_trunking_done
    order_trunking_done(order_id=order.pk, user=staff)
    with pytest.raises(OrionError, match="only while the trunking order is held"):
        trunk_facts_save(order_id=order.pk, user=tenant_a.user, data=facts())


@pytest.mark.parametrize("bad", [
    {"call_paths": 0}, {"call_paths": 10000}, {"pbx_addresses": []},
    {"authentication": "digest"}, {"sip_password": ""},
    {"authentication": "ip"},  # IP/static with credentials
    {"failover_number": "2125550199"}, {"transport": "ssl"},
])
def test_the_database_refuses_what_the_form_refuses(tenant_a, bad):
    order = _trunking_order(tenant_a)
    values = {"call_paths": 5, "pbx_addresses": ["203.0.113.1"],
              "authentication": "registration", "sip_username": "u", "sip_password": "p" * 8,
              "failover_number": "+12125550199", "transport": "", **bad}
    with pytest.raises(IntegrityError), transaction.atomic():
        TrunkFacts.objects.create(order=order, **values)


def test_the_api_gives_and_reads_trunk_facts_with_the_same_rules(tenant_a, tenant_b):
    from tests.api.conftest import ApiClient

    order = _trunking_order(tenant_a)
    api_a, api_b = ApiClient(tenant_a.user), ApiClient(tenant_b.user)
    assert api_a.get(f"/orders/{order.pk}/trunk").status_code == 404
    bad = api_a.put(f"/orders/{order.pk}/trunk", {
        "call_paths": 0, "pbx_addresses": ["127.0.0.1"], "authentication": "ip",
        "failover_number": "123"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"call_paths", "pbx_addresses", "failover_number"}
    body = {"call_paths": 30, "pbx_addresses": ["198.51.100.20"],
            "authentication": "registration", "sip_username": "acme", "sip_password": "p" * 12,
            "failover_number": "2125550188", "transport": "udp"}
    assert api_b.put(f"/orders/{order.pk}/trunk", body).status_code == 404
    ok = api_a.put(f"/orders/{order.pk}/trunk", body)
    assert ok.status_code == 200, ok.content
    data = api_a.get(f"/orders/{order.pk}/trunk").json()
    assert data["call_paths"] == 30 and data["failover_number"] == "+12125550188"
    assert data["password_set"] is True and "sip_password" not in data
    assert api_b.get(f"/orders/{order.pk}/trunk").status_code == 404


def test_trunk_page_edits_while_held_and_shows_facts_read_only_after(client_a, tenant_a, staff):
    order = _trunking_order(tenant_a)
    page = client_a.get(f"/orders/{order.pk}/trunk/")
    assert page.status_code == 200 and b'id="trunk-form"' in page.content
    refused = client_a.post(f"/orders/{order.pk}/trunk/", {**GOOD, "call_paths": "0"})
    assert refused.status_code == 422 and "from 1 to 9,999" in refused.content.decode()
    saved = client_a.post(f"/orders/{order.pk}/trunk/", GOOD)
    assert saved.status_code == 302
    detail = client_a.get(f"/orders/{order.pk}/").content.decode()
    assert "12 call paths" in detail and "Change the trunk details" in detail
    from orion.provisioning.repair import order_trunking_done
    order_trunking_done(order_id=order.pk, user=staff)
    after = client_a.get(f"/orders/{order.pk}/trunk/").content.decode()
    assert 'id="trunk-form"' not in after and 'id="trunk-facts"' in after
    assert "long-enough-1" not in after  # the password is never shown
    late = client_a.post(f"/orders/{order.pk}/trunk/", {**GOOD, "call_paths": "99"})
    assert late.status_code == 302
    assert TrunkFacts.objects.get(order=order).call_paths == 12


def test_hosted_orders_have_no_trunk_page(client_a, tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order = order_services.order_save(user=tenant_a.user, order_id=draft.pk,
                                      details=f.new_customer_details()).order
    assert client_a.get(f"/orders/{order.pk}/trunk/").status_code == 404
