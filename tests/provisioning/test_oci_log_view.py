"""The OCI-P log made readable (issue 15, item 10): pretty-printed XML that stays data, the
refused command of a multi-command document marked with its error, filters by order and by
command kept in the querystring while paging; provider staff only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from orion.orders import services as order_services
from orion.orders.models import Order
from orion.provisioning import oci_views
from orion.provisioning.models import OciExchangeLog
from orion.provisioning.oci_log import exchange_view, pretty_xml
from tests import factories as f

pytestmark = pytest.mark.django_db

HEAD = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<BroadsoftDocument protocol="OCI" '
        'xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<sessionId xmlns="">abc</sessionId>')
REQUEST = (HEAD + '<command xsi:type="GroupAddRequest" xmlns=""><serviceProviderId>SP1'
           '</serviceProviderId><groupId>G1</groupId><groupName>&lt;script&gt;alert(1)'
           '&lt;/script&gt; Co</groupName></command>'
           '<command xsi:type="GroupDnAssignListRequest" xmlns=""><serviceProviderId>SP1'
           '</serviceProviderId><groupId>G1</groupId><phoneNumber>+1-2125550100</phoneNumber>'
           '</command></BroadsoftDocument>')
RESPONSE = (HEAD + '<command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/>'
            '<command type="Error" echo="" xsi:type="c:ErrorResponse" xmlns:c="C" xmlns="">'
            '<summary>[Error 4008] DN is not available</summary>'
            '<summaryEnglish>[Error 4008] DN is not available</summaryEnglish>'
            '<detail>+1-2125550100 is assigned to another group</detail></command>'
            '</BroadsoftDocument>')
OK_REQUEST = (HEAD + '<command xsi:type="SystemDomainGetListRequest" xmlns=""/>'
              '</BroadsoftDocument>')
OK_RESPONSE = (HEAD + '<command echo="" xsi:type="SystemDomainGetListResponse" xmlns="">'
               '<systemDefaultDomain>x.example</systemDefaultDomain></command>'
               '</BroadsoftDocument>')


def _placed(tenant, name: str) -> Order:
    draft = f.draft_with_packages(user=tenant.user, enterprise=tenant.enterprise)
    details = f.new_customer_details(company_name=name, domain=f"d{draft.pk}.example")
    return order_services.order_save(user=tenant.user, order_id=draft.pk,
                                     details=details).order


def _log(order: Order, request: str = REQUEST, response: str = RESPONSE,
         commands: str = "GroupAddRequest, GroupDnAssignListRequest") -> OciExchangeLog:
    return OciExchangeLog.objects.create(order=order, at=timezone.now(), commands=commands,
                                         request_xml=request, response_xml=response)


def test_the_refused_command_is_paired_and_marked_with_its_error(tenant_a):
    order = _placed(tenant_a, "Log Co")
    view = exchange_view(_log(order))
    first, second = view.commands
    assert (first.name, first.failed) == ("GroupAddRequest", False)
    assert "SuccessResponse" in first.response
    assert second.name == "GroupDnAssignListRequest" and second.failed
    assert second.error == ("[Error 4008] DN is not available +1-2125550100 is assigned to "
                            "another group")
    assert view.failing == second and view.error.startswith("GroupDnAssignListRequest: ")
    # Pretty-printed: one element a line, the user's text still escaped XML.
    assert "\n  <groupId>G1</groupId>" in first.request
    assert "&lt;script&gt;" in first.request and "<script>" not in first.request


def test_unparseable_or_doctype_xml_is_shown_as_stored():
    assert pretty_xml("<not xml") == "<not xml"
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert pretty_xml(bomb) == bomb
    assert pretty_xml("<a><b>1</b></a>") == "<a>\n  <b>1</b>\n</a>"


def test_the_page_escapes_marks_and_is_staff_only(client, tenant_a, staff):
    order = _placed(tenant_a, "Log Co")
    _log(order)
    client.force_login(tenant_a.user)
    assert client.get(f"/orders/{order.pk}/oci-log/").status_code == 404
    assert client.get("/oci-log/").status_code == 404
    client.force_login(staff)
    page = client.get(f"/orders/{order.pk}/oci-log/").content.decode()
    assert "<script>alert" not in page
    assert "&amp;lt;script&amp;gt;" in page  # the XML's escape, escaped again for HTML
    assert 'class="oci-command oci-command-failed"' in page
    assert page.count("oci-command-failed") == 1
    assert "DN is not available" in page and "is assigned to another group" in page
    assert '<details class="card oci oci-failed"' in page  # opened where it failed


def test_filters_by_order_and_command_keep_the_querystring_when_paging(client, tenant_a,
                                                                       staff, monkeypatch):
    monkeypatch.setattr(oci_views, "PAGE_SIZE", 2)
    first, second = _placed(tenant_a, "Log One"), _placed(tenant_a, "Log Two")
    for _ in range(3):
        _log(first)
    _log(first, OK_REQUEST, OK_RESPONSE, "SystemDomainGetListRequest")
    _log(second)
    client.force_login(staff)
    page = client.get("/oci-log/").content.decode()
    assert "5 documents" in page
    # Each command once in the filter, whole names only.
    assert page.count('<option value="GroupAddRequest"') == 1
    assert page.count('<option value="SystemDomainGetListRequest"') == 1
    page = client.get("/oci-log/", {"order": first.number,
                                    "command": "GroupAddRequest"}).content.decode()
    assert "3 documents" in page and "Page 1 of 2" in page
    assert (f'href="?order={first.number}&amp;command=GroupAddRequest&amp;page=2"' in page)
    page2 = client.get("/oci-log/", {"order": first.number, "command": "GroupAddRequest",
                                     "page": "2"}).content.decode()
    assert "Page 2 of 2" in page2 and second.number not in page2.split('id="oci-count"')[1]
    only = client.get(f"/orders/{first.pk}/oci-log/",
                      {"command": "SystemDomainGetListRequest"}).content.decode()
    assert "1 document<" in only and "systemDefaultDomain" in only
    refused = client.get(f"/orders/{first.pk}/oci-log/", {"failed": "1"}).content.decode()
    assert "3 documents" in refused
    assert client.get("/oci-log/", {"command": "Group"}).content.decode().count(
        "0 documents") == 1  # a part of a name matches nothing


def test_hostile_filters_are_refused_next_to_the_control(client, staff):
    client.force_login(staff)
    response = client.get("/oci-log/", {"command": "<x>", "order": "a'b"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="oci-command-error"' in page and 'id="oci-order-error"' in page
    assert "<x>" not in page


def test_commands_refused_after_the_failing_one_are_told_apart(client, tenant_a, staff):
    order = _placed(tenant_a, "Log Co")
    both_refused = RESPONSE.replace(
        '<command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/>',
        '<command type="Error" echo="" xsi:type="c:ErrorResponse" xmlns:c="C" xmlns="">'
        '<summaryEnglish>[Error 4207] Domain in use</summaryEnglish></command>')
    view = exchange_view(_log(order, response=both_refused))
    first, second = view.commands
    assert first.failed and first.first_failure and first.error == "[Error 4207] Domain in use"
    assert second.failed and not second.first_failure
    assert view.failing == first
    client.force_login(staff)
    page = client.get(f"/orders/{order.pk}/oci-log/").content.decode()
    assert page.count('class="oci-command oci-command-failed"') == 1
    assert page.count('class="oci-command oci-command-refused-after"') == 1
    assert "Refused after the failing command" in page


def test_staff_reach_the_log_from_the_top_bar(client, tenant_a, staff):
    client.force_login(tenant_a.user)
    assert 'id="nav-oci-log"' not in client.get("/").content.decode()
    client.force_login(staff)
    assert 'href="/oci-log/" id="nav-oci-log"' in client.get("/").content.decode()
