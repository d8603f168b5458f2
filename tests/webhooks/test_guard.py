"""The SSRF guard: in production only https:// to public addresses, at registration and
again at every delivery (a name that starts resolving to a private address is refused)."""

from __future__ import annotations

import socket

import pytest

from orion.webhooks import services
from orion.webhooks.exceptions import AddressRefused
from orion.webhooks.guard import url_clean
from orion.webhooks.models import Delivery, DeliveryStatus, EventType

pytestmark = pytest.mark.django_db

EVENTS = [EventType.ORDER_STATE_CHANGED]


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hooks",
    "https://127.1.2.3:8443/hooks",
    "https://10.0.0.5/hooks",
    "https://172.16.9.9/hooks",
    "https://192.168.1.1/hooks",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped loopback
    "https://[fd00::1]/hooks",  # unique local
    "https://[fe80::1]/hooks",
    "https://0.0.0.0/hooks",
    "https://100.64.0.1/hooks",  # carrier-grade NAT
    "https://224.0.0.1/hooks",
    "https://localhost/hooks",  # a name: refused for what it resolves to
])
def test_production_refuses_private_loopback_link_local_and_reserved_addresses(
        production_mode, url):
    with pytest.raises(AddressRefused) as refused:
        url_clean(url)
    assert refused.value.field == "url"
    assert "private or reserved" in refused.value.message


def test_production_refuses_plain_http_and_credentials(production_mode):
    with pytest.raises(AddressRefused, match="https://"):
        url_clean("http://93.184.215.14/hooks")
    with pytest.raises(AddressRefused, match="passwords"):
        url_clean("https://user:pw@93.184.215.14/hooks")
    with pytest.raises(AddressRefused, match="full URL"):
        url_clean("https:///nohost")


def test_production_accepts_a_public_https_address(production_mode):
    assert url_clean(" https://93.184.215.14/hooks?x=1 ") == "https://93.184.215.14/hooks?x=1"


def test_development_and_tests_allow_a_local_http_receiver(settings):
    settings.ORION_WEBHOOKS_ALLOW_PRIVATE = True
    assert url_clean("http://127.0.0.1:9999/h") == "http://127.0.0.1:9999/h"


def test_registration_in_production_refuses_the_address_with_the_field(production_mode,
                                                                       tenant_a):
    with pytest.raises(AddressRefused) as refused:
        services.endpoint_add(user=tenant_a.user, url="https://10.1.2.3/x", events=EVENTS)
    assert refused.value.field == "url"
    assert not tenant_a.partner.webhook_endpoints.exists()


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_refused_unsent(
        settings, tenant_a, receiver, monkeypatch):
    """DNS rebinding: public at registration, loopback when the delivery goes out."""
    settings.ORION_WEBHOOKS_ALLOW_PRIVATE = False
    port = int(receiver.url.split(":")[2].split("/")[0])
    answer = {"ip": "93.184.215.14"}
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.partner.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    made = services.endpoint_add(user=tenant_a.user, url="https://hooks.partner.example/x",
                                 events=EVENTS)
    answer["ip"] = "127.0.0.1"  # the receiver's address, now behind the public name
    delivery = Delivery.objects.create(endpoint=made.endpoint, event_id="msg_rebind",
                                       event=EventType.PING, payload={"type": "ping"})
    assert services.delivery_send(delivery_id=delivery.pk, final=False) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "127.0.0.1" in delivery.error and "private or reserved" in delivery.error
    assert delivery.response_code is None
    assert receiver.received == []  # nothing was sent


@pytest.mark.parametrize("url", [
    "https://2130706433/x",  # 127.0.0.1 as one number
    "https://0x7f.0.0.1/x",
    "https://017700000001/x",
    "https://127.1/x",
    "https://[::]/x",
    "https://[0:0:0:0:0:ffff:a9fe:a9fe]/x",  # 169.254.169.254, IPv4-mapped
    "https://localhost./x",
])
def test_production_refuses_other_spellings_of_internal_addresses(production_mode, url):
    with pytest.raises(AddressRefused) as refused:
        url_clean(url)
    assert refused.value.field == "url"


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(tenant_a, receiver,
                                                                       monkeypatch):
    """The name is resolved once, by the guard; the request carries the URL's host."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host, *args, **kwargs):
        if host == "hooks.partner.example":
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    made = services.endpoint_add(user=tenant_a.user,
                                 url=f"http://hooks.partner.example:{port}/in?src=orion",
                                 events=EVENTS)
    lookups.clear()
    delivery = services.endpoint_ping(user=tenant_a.user, endpoint_id=made.endpoint.pk)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [got] = receiver.received
    assert got.headers["host"] == f"hooks.partner.example:{port}"
    assert got.path == "/in?src=orion"
    assert lookups == ["hooks.partner.example"]  # checked once, then connected to that
