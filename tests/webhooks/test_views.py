"""The Webhooks page: add (the secret shown once), refusals next to the field, the htmx test
ping with its result and the deliveries log, rotate, deactivate, delete, and tenancy (another
partner's endpoint is a 404 on every page and button)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from orion.webhooks import services
from orion.webhooks.models import Endpoint, EventType

pytestmark = pytest.mark.django_db


def test_adding_an_endpoint_shows_its_secret_once(client_a, tenant_a, receiver):
    page = client_a.get(reverse("webhooks:endpoints"))
    assert page.status_code == 200 and b'id="webhook-add"' in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    made = client_a.post(reverse("webhooks:endpoints"), {
        "url": receiver.url, "events": [EventType.ORDER_STATE_CHANGED]})
    assert made.status_code == 200
    endpoint = Endpoint.objects.get(partner=tenant_a.partner)
    assert endpoint.secret.encode() in made.content
    assert "no-store" in made["Cache-Control"]
    assert endpoint.events == [EventType.ORDER_STATE_CHANGED]
    again = client_a.get(reverse("webhooks:endpoints"))
    assert endpoint.secret.encode() not in again.content
    assert receiver.url.encode() in again.content
    detail = client_a.get(reverse("webhooks:endpoint", args=[endpoint.pk]))
    assert endpoint.secret.encode() not in detail.content
    assert endpoint.secret_hint.encode() in detail.content


def test_a_refused_url_is_shown_next_to_the_field(client_a, settings):
    settings.ORION_WEBHOOKS_ALLOW_PRIVATE = False
    page = client_a.post(reverse("webhooks:endpoints"), {
        "url": "http://169.254.169.254/latest", "events": [EventType.ORDER_STATE_CHANGED]})
    assert page.status_code == 422
    html = page.content.decode()
    assert re.search(r'id="url-error"[^>]*>Use an https:// URL', html)
    assert 'aria-invalid="true"' in html
    page = client_a.post(reverse("webhooks:endpoints"), {"url": "https://10.0.0.1/x"})
    html = page.content.decode()
    assert re.search(r'id="url-error"[^>]*>10\.0\.0\.1 points to 10\.0\.0\.1, a private or '
                     r'reserved address', html)
    assert not Endpoint.objects.exists()


def test_no_events_is_refused_next_to_the_events(client_a, receiver):
    page = client_a.post(reverse("webhooks:endpoints"), {"url": receiver.url})
    assert page.status_code == 422
    assert re.search(r'id="events-error"[^>]*>Choose at least one event',
                     page.content.decode())


def test_the_ping_button_shows_the_result_and_the_logged_delivery(client_a, tenant_a,
                                                                  receiver):
    made = services.endpoint_add(user=tenant_a.user, url=receiver.url,
                                 events=[EventType.BACKORDER_FILLED])
    receiver.answer(204)
    answer = client_a.post(reverse("webhooks:ping", args=[made.endpoint.pk]),
                           HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and html.startswith('<section id="deliveries"')
    assert "Test ping delivered: the receiver answered 204." in html
    assert re.search(r'class="delivery-code">204<', html)
    assert re.search(r'class="delivery-event">ping<', html)
    assert len(receiver.received) == 1
    page = client_a.get(reverse("webhooks:endpoint", args=[made.endpoint.pk]))
    assert re.search(r'class="delivery-code">204<', page.content.decode())


def test_rotate_shows_the_new_secret_and_deactivate_and_delete_work(client_a, tenant_a,
                                                                    receiver):
    made = services.endpoint_add(user=tenant_a.user, url=receiver.url,
                                 events=[EventType.BACKORDER_FILLED])
    pk = made.endpoint.pk
    rotated = client_a.post(reverse("webhooks:rotate", args=[pk]))
    new = Endpoint.objects.get(pk=pk).secret
    assert new != made.secret and new.encode() in rotated.content
    assert made.secret.encode() not in rotated.content
    client_a.post(reverse("webhooks:active", args=[pk]), {"active": "0"})
    assert not Endpoint.objects.get(pk=pk).is_active
    client_a.post(reverse("webhooks:active", args=[pk]), {"active": "1"})
    assert Endpoint.objects.get(pk=pk).is_active
    edited = client_a.post(reverse("webhooks:endpoint", args=[pk]), {
        "url": receiver.url, "events": [EventType.ORDER_STATE_CHANGED,
                                        EventType.BACKORDER_FILLED]})
    assert edited.status_code == 302
    assert Endpoint.objects.get(pk=pk).events == [EventType.ORDER_STATE_CHANGED,
                                                  EventType.BACKORDER_FILLED]
    gone = client_a.post(reverse("webhooks:delete", args=[pk]))
    assert gone.status_code == 302 and not Endpoint.objects.filter(pk=pk).exists()


def test_another_partners_endpoint_is_a_404_everywhere(client, tenant_a, tenant_b, receiver):
    made = services.endpoint_add(user=tenant_a.user, url=receiver.url,
                                 events=[EventType.BACKORDER_FILLED])
    pk = made.endpoint.pk
    client.force_login(tenant_b.user)
    assert client.get(reverse("webhooks:endpoint", args=[pk])).status_code == 404
    for name in ("rotate", "active", "delete", "ping"):
        assert client.post(reverse(f"webhooks:{name}", args=[pk])).status_code == 404, name
    assert client.post(reverse("webhooks:endpoint", args=[pk]),
                       {"url": "http://127.0.0.1:1/x", "events": ["ping"]}).status_code == 404
    listing = client.get(reverse("webhooks:endpoints"))
    assert receiver.url.encode() not in listing.content
    stored = Endpoint.objects.get(pk=pk)
    assert stored.secret == made.secret and stored.is_active
    assert receiver.received == []


def test_provider_staff_see_every_partners_endpoints_read_only(client, staff, tenant_a,
                                                                receiver):
    made = services.endpoint_add(user=tenant_a.user, url=receiver.url,
                                 events=[EventType.BACKORDER_FILLED])
    client.force_login(staff)
    page = client.get(reverse("webhooks:endpoints"))
    assert b'id="webhooks-partner-only"' in page.content
    assert b'id="webhook-add"' not in page.content
    assert receiver.url.encode() in page.content and b"Partner A" in page.content
    detail = client.get(reverse("webhooks:endpoint", args=[made.endpoint.pk]))
    assert detail.status_code == 200 and b'id="webhook-read-only"' in detail.content
    assert b'id="ping-button"' not in detail.content
    assert made.secret.encode() not in detail.content
    for name in ("rotate", "delete", "ping"):
        assert client.post(reverse(f"webhooks:{name}", args=[made.endpoint.pk])
                           ).status_code == 403, name
    stored = Endpoint.objects.get(pk=made.endpoint.pk)
    assert stored.secret == made.secret
    assert receiver.received == []


def test_editing_to_a_refused_url_shows_the_refusal_next_to_the_field(client_a, tenant_a,
                                                                      receiver, settings):
    made = services.endpoint_add(user=tenant_a.user, url=receiver.url,
                                 events=[EventType.BACKORDER_FILLED])
    settings.ORION_WEBHOOKS_ALLOW_PRIVATE = False
    page = client_a.post(reverse("webhooks:endpoint", args=[made.endpoint.pk]), {
        "url": "https://[::1]/x", "events": [EventType.BACKORDER_FILLED]})
    assert page.status_code == 422
    assert re.search(r'id="url-error"[^>]*>::1 points to ::1, a private or reserved address',
                     page.content.decode())
    assert 'value="https://[::1]/x"' in page.content.decode()  # the value comes back
    assert Endpoint.objects.get(pk=made.endpoint.pk).url == receiver.url
