"""https deliveries: the connection goes to the checked address while TLS verifies the
certificate against the URL's host name (SNI), so pinning the address weakens nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from orion.broadworks.emulator.certs import CertificateError, ensure_dev_certificate
from orion.webhooks import services
from orion.webhooks.models import DeliveryStatus, EventType
from orion.webhooks.signing import signature_verify
from tests.webhooks.receiver import Receiver, start_receiver

pytestmark = pytest.mark.django_db

HOST = "hooks.partner.example"


@pytest.fixture
def tls_receiver(tmp_path, settings, monkeypatch) -> Iterator[Receiver]:
    try:
        cert = ensure_dev_certificate(tmp_path / "tls", hosts=(HOST,))
    except CertificateError as exc:
        pytest.skip(str(exc))
    settings.ORION_WEBHOOKS_CA_FILE = str(cert.cert_file)
    found, server = start_receiver(tls=(str(cert.cert_file), str(cert.key_file)))
    port = server.server_address[1]
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):  # the partner's name points at the local receiver
        if host in (HOST, "other.partner.example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    found.url = f"https://{HOST}:{port}/hooks/orion"
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def test_an_https_delivery_verifies_the_certificate_of_the_urls_host(tenant_a, tls_receiver):
    made = services.endpoint_add(user=tenant_a.user, url=tls_receiver.url,
                                 events=[EventType.ORDER_STATE_CHANGED])
    delivery = services.endpoint_ping(user=tenant_a.user, endpoint_id=made.endpoint.pk)
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 200)
    [got] = tls_receiver.received
    assert got.headers["host"].startswith(HOST)
    signature_verify(secret=made.secret, headers=got.headers, body=got.body)


def test_a_certificate_for_another_name_is_refused(tenant_a, tls_receiver):
    url = tls_receiver.url.replace(HOST, "other.partner.example")
    made = services.endpoint_add(user=tenant_a.user, url=url,
                                 events=[EventType.ORDER_STATE_CHANGED])
    delivery = services.endpoint_ping(user=tenant_a.user, endpoint_id=made.endpoint.pk)
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_code is None
    assert "certificate" in delivery.error.lower()
    assert tls_receiver.received == []
