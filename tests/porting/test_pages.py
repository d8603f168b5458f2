"""The port pages: new from the order form or a customer, refusals next to the field, the
PIN never shown, staff's queue and moves, the timeline."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from orion.porting import services
from orion.porting.businessdays import add_business_days
from orion.porting.models import PortRequest
from tests import factories as f
from tests.porting.factories import make_port, submitted_port


def _form(**overrides: str) -> dict[str, str]:
    values = {"numbers": "2125550100-2125550103", "losing_carrier": "Verizon",
              "account_number": "ACC-9", "pin": "PIN4321",
              "billing_telephone_number": "212-555-0100", "address_line1": "1 Main Street",
              "city": "New York", "region": "NY", "zip_code": "10001",
              "authorized_name": "Pat Doe", "authorized_title": "Owner",
              "desired_date": services.earliest_port_date().isoformat()}
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_the_entry_points_link_to_a_new_request(client, tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    client.force_login(tenant_a.user)
    order_form = client.get(f"/orders/{draft.pk}/form/").content.decode()
    assert f'href="/ports/new/?order={draft.pk}"' in order_form
    customer_page = client.get(f"/customers/{tenant_a.customer.pk}/orderforms/").content.decode()
    assert f'href="/ports/new/?customer={tenant_a.customer.pk}"' in customer_page
    page = client.get(f"/ports/new/?order={draft.pk}")
    assert page.status_code == 200 and draft.account_name in page.content.decode()


@pytest.mark.django_db
def test_a_request_made_on_the_page_never_shows_the_pin_again(client, tenant_a, staff):
    client.force_login(tenant_a.user)
    response = client.post(f"/ports/new/?customer={tenant_a.customer.pk}", _form())
    assert response.status_code == 302
    port = PortRequest.objects.get()
    assert port.numbers.count() == 4 and port.pin == "PIN4321"
    for who in (tenant_a.user, staff):
        client.force_login(who)
        for path in (f"/ports/{port.pk}/", f"/ports/{port.pk}/edit/", "/ports/",
                     "/ports/?all=1"):
            body = client.get(path).content.decode()
            assert "PIN4321" not in body, path
        assert "••••21" in client.get(f"/ports/{port.pk}/").content.decode()


@pytest.mark.django_db
def test_refusals_are_shown_next_to_the_field(client, tenant_a):
    client.force_login(tenant_a.user)
    response = client.post(f"/ports/new/?customer={tenant_a.customer.pk}",
                           _form(numbers="2125550100, 21255"))
    assert response.status_code == 422
    body = response.content.decode()
    field = body[body.index('name="numbers"'):]
    assert "21255: a number has 10 digits" in field[:field.index("</div>")]
    assert not PortRequest.objects.exists()


@pytest.mark.django_db
def test_another_partners_account_gives_404_on_the_new_page(client, tenant_a, tenant_b):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    client.force_login(tenant_b.user)
    for query in (f"customer={tenant_a.customer.pk}", f"order={draft.pk}", "customer=x"):
        assert client.get(f"/ports/new/?{query}").status_code == 404
        assert client.post(f"/ports/new/?{query}", _form()).status_code == 404
    assert not PortRequest.objects.exists()


@pytest.mark.django_db
def test_staff_move_it_on_the_page_and_the_timeline_shows_moves_and_comments(
        client, tenant_a, staff):
    port = submitted_port(tenant_a)
    client.force_login(tenant_a.user)
    page = client.get(f"/ports/{port.pk}/").content.decode()
    assert 'id="port-pending"' not in page and 'id="port-cancel"' in page
    assert client.post(f"/ports/{port.pk}/move/", {"action": "pending"}).status_code == 404
    client.post(f"/ports/{port.pk}/comments/", {"text": "Customer asks <b>mornings</b>"})
    client.force_login(staff)
    client.post(f"/ports/{port.pk}/move/", {"action": "pending", "reason": "Sent to VZ"})
    day = add_business_days(timezone.localdate(), 3)
    response = client.post(f"/ports/{port.pk}/move/", {"action": "schedule",
                                                       "foc_date": day.isoformat(),
                                                       "foc_time": "09:30"})
    assert response.status_code == 302
    port.refresh_from_db()
    assert port.state == "scheduled"
    assert port.foc_at == timezone.make_aware(datetime.combine(day, time(9, 30)))
    client.post(f"/ports/{port.pk}/comments/", {"text": "FOC confirmed by VZ"})
    page = client.get(f"/ports/{port.pk}/").content.decode()
    timeline = page[page.index('id="port-timeline"'):]
    order = ["Submitted", "Customer asks &lt;b&gt;mornings&lt;/b&gt;", "Sent to VZ",
             "Scheduled", "FOC confirmed by VZ"]
    positions = [timeline.index(text) for text in order]
    assert positions == sorted(positions)
    # A refused move is shown next to its control.
    response = client.post(f"/ports/{port.pk}/move/", {"action": "reject", "reason": ""})
    assert response.status_code == 422 and 'id="reject-error"' in response.content.decode()


@pytest.mark.django_db
def test_the_queue_puts_overdue_first_and_is_staff_only_across_partners(
        client, tenant_a, tenant_b, staff):
    waiting = submitted_port(tenant_a, numbers="2125550100")
    late = submitted_port(tenant_b, numbers="2125550101")
    services.port_mark_pending(user=staff, port_id=late.pk)
    services.port_schedule(user=staff, port_id=late.pk, foc_at=timezone.make_aware(
        datetime.combine(add_business_days(timezone.localdate(), 1), time(9, 0))))
    PortRequest.objects.filter(pk=late.pk).update(foc_at=timezone.now() - timedelta(days=1))
    make_port(tenant_a, numbers="2125550102")
    closed = make_port(tenant_a, numbers="2125550103")
    services.port_cancel(user=tenant_a.user, port_id=closed.pk)
    client.force_login(staff)
    page = client.get("/ports/").content.decode()
    assert 'id="nav-ports"' in page
    rows = [int(part.split('"')[0]) for part in page.split('data-port="')[1:]]
    assert rows[:2] == [late.pk, waiting.pk] and closed.pk not in rows
    assert "overdue" in page.split(f'data-port="{late.pk}"')[1].split("</tr>")[0]
    client.force_login(tenant_a.user)
    mine = client.get("/ports/").content.decode()
    assert f'data-port="{late.pk}"' not in mine and f'data-port="{waiting.pk}"' in mine
