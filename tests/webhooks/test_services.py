"""Endpoints and deliveries: the secret shown once and never audited, signed pings to a real
local receiver, retries with backoff on 5xx, a 4xx logged and final, no redirects, a capped
answer, and tenancy (another partner's endpoint does not exist for you)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from orion.audit.models import AuditEntry
from orion.core.exceptions import NotFound, PermissionDenied
from orion.webhooks import services
from orion.webhooks.exceptions import DeliveryRetry, WebhookError
from orion.webhooks.models import (
    EXCERPT_MAX_LENGTH,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EventType,
)
from orion.webhooks.signing import signature_verify
from orion.webhooks.tasks import WEBHOOK_RETRY, webhook_deliver

pytestmark = pytest.mark.django_db

EVENTS = [EventType.ORDER_STATE_CHANGED, EventType.BACKORDER_FILLED]


def _context(attempts: int) -> SimpleNamespace:
    return SimpleNamespace(job=SimpleNamespace(id=None, worker_id=None, attempts=attempts))


@pytest.fixture
def endpoint(tenant_a, receiver) -> services.EndpointWithSecret:
    return services.endpoint_add(user=tenant_a.user, url=receiver.url, events=EVENTS)


def _delivery(endpoint: Endpoint) -> Delivery:
    return Delivery.objects.create(endpoint=endpoint, event_id="msg_test1",
                                   event=EventType.ORDER_STATE_CHANGED,
                                   payload={"id": "msg_test1", "type": "order.state_changed",
                                            "data": {"order": {"number": "X1"}}})


def test_add_returns_the_secret_once_and_audits_without_it(endpoint, tenant_a):
    stored = Endpoint.objects.get(pk=endpoint.endpoint.pk)
    assert endpoint.secret.startswith("whsec_") and stored.secret == endpoint.secret
    assert stored.events == EVENTS and stored.partner == tenant_a.partner
    entries = AuditEntry.objects.filter(action__startswith="webhook.")
    rotated = services.endpoint_rotate_secret(user=tenant_a.user,
                                              endpoint_id=stored.pk)
    assert rotated.secret != endpoint.secret
    assert Endpoint.objects.get(pk=stored.pk).secret == rotated.secret
    texts = [json.dumps(e.changes) for e in entries]
    assert [e.action for e in entries.order_by("id")] == ["webhook.add", "webhook.rotate_secret"]
    assert not any(endpoint.secret in t or rotated.secret in t for t in texts)


def test_add_refuses_no_events_unknown_events_and_a_repeated_url(tenant_a, receiver,
                                                                 endpoint):
    with pytest.raises(WebhookError) as refused:
        services.endpoint_add(user=tenant_a.user, url=receiver.url + "2", events=[])
    assert refused.value.field == "events"
    with pytest.raises(WebhookError, match="Unknown event"):
        services.endpoint_add(user=tenant_a.user, url=receiver.url + "2", events=["x.y"])
    with pytest.raises(WebhookError, match="already registered") as refused:
        services.endpoint_add(user=tenant_a.user, url=receiver.url, events=EVENTS)
    assert refused.value.field == "url"


def test_provider_staff_have_no_endpoints_of_their_own(staff, receiver):
    with pytest.raises(PermissionDenied):
        services.endpoint_add(user=staff, url=receiver.url, events=EVENTS)


def test_a_ping_reaches_the_receiver_signed_and_is_logged_with_its_code(endpoint, tenant_a,
                                                                         receiver):
    receiver.answer(200, b'{"received": true}')
    delivery = services.endpoint_ping(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert (delivery.response_code, delivery.attempts) == (200, 1)
    assert delivery.response_excerpt == '{"received": true}'
    [got] = receiver.received
    assert got.path == "/hooks/orion"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"] == delivery.event_id
    signature_verify(secret=endpoint.secret, headers=got.headers, body=got.body)
    body = json.loads(got.body)
    assert body["type"] == "ping" and body["id"] == delivery.event_id


def test_a_5xx_is_retried_by_the_job_with_the_same_id_then_succeeds(endpoint, receiver):
    delivery = _delivery(endpoint.endpoint)
    receiver.answer(500, b"down")
    with pytest.raises(DeliveryRetry):
        webhook_deliver.func(_context(0), delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        DeliveryStatus.PENDING, 1, 500)
    receiver.answer(200, b"ok")
    assert webhook_deliver.func(_context(1), delivery_id=delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        DeliveryStatus.SUCCEEDED, 2, 200)
    assert delivery.delivered_at is not None and delivery.error == ""
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "msg_test1"
    assert first.body == second.body
    for got in (first, second):
        signature_verify(secret=endpoint.secret, headers=got.headers, body=got.body)


def test_the_backoff_grows_and_only_delivery_retries_are_retried():
    job = SimpleNamespace(attempts=0)
    waits = []
    for attempts in range(4):
        job.attempts = attempts
        decision = WEBHOOK_RETRY.get_retry_decision(exception=DeliveryRetry("500"), job=job)
        assert decision is not None
        waits.append(decision.retry_at)
    # exponential: 4 s, 16 s, 64 s, 256 s after each failed attempt (ORION_WEBHOOKS_BACKOFF)
    assert waits == sorted(waits) and len(set(waits)) == 4
    assert (waits[3] - waits[2]).total_seconds() > 100
    assert WEBHOOK_RETRY.get_retry_decision(exception=ValueError(), job=job) is None


def test_the_last_attempt_records_the_failure_instead_of_retrying(endpoint, receiver,
                                                                  settings):
    delivery = _delivery(endpoint.endpoint)
    receiver.answer(503, b"still down")
    last = settings.ORION_WEBHOOKS_MAX_ATTEMPTS - 1
    assert webhook_deliver.func(_context(last), delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.FAILED, 503)
    assert delivery.error == "The receiver answered 503."


def test_a_4xx_is_logged_and_final(endpoint, receiver):
    delivery = _delivery(endpoint.endpoint)
    receiver.answer(404, b"<h1>no such hook</h1>")
    assert webhook_deliver.func(_context(0), delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        DeliveryStatus.FAILED, 1, 404)
    assert delivery.response_excerpt == "<h1>no such hook</h1>"  # stored as data
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(endpoint, receiver):
    delivery = _delivery(endpoint.endpoint)
    receiver.answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    assert services.delivery_send(delivery_id=delivery.pk, final=False) == "failed"
    delivery.refresh_from_db()
    assert delivery.response_code == 302
    assert len(receiver.received) == 1


def test_the_answer_kept_is_capped(endpoint, receiver):
    delivery = _delivery(endpoint.endpoint)
    receiver.answer(200, b"x" * 100_000)
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert len(delivery.response_excerpt) == EXCERPT_MAX_LENGTH


def test_no_answer_is_retried_then_failed(tenant_a, settings):
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = services.endpoint_add(user=tenant_a.user, url=f"http://127.0.0.1:{port}/x",
                                 events=EVENTS)
    delivery = _delivery(made.endpoint)
    with pytest.raises(DeliveryRetry):
        webhook_deliver.func(_context(0), delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "No answer" in delivery.error
    last = settings.ORION_WEBHOOKS_MAX_ATTEMPTS - 1
    assert webhook_deliver.func(_context(last), delivery_id=delivery.pk) == "failed"


def test_a_deactivated_or_deleted_endpoint_sends_nothing(endpoint, tenant_a, receiver):
    delivery = _delivery(endpoint.endpoint)
    services.endpoint_modify(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk,
                             is_active=False)
    assert services.delivery_send(delivery_id=delivery.pk) == "failed"
    with pytest.raises(WebhookError, match="deactivated"):
        services.endpoint_ping(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
    services.endpoint_delete(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
    assert services.delivery_send(delivery_id=delivery.pk) == "gone"
    assert receiver.received == []


def test_another_partners_endpoint_does_not_exist_for_you(endpoint, tenant_b, receiver):
    pk = endpoint.endpoint.pk
    for call in (
        lambda: services.endpoint_modify(user=tenant_b.user, endpoint_id=pk, is_active=False),
        lambda: services.endpoint_rotate_secret(user=tenant_b.user, endpoint_id=pk),
        lambda: services.endpoint_ping(user=tenant_b.user, endpoint_id=pk),
        lambda: services.endpoint_delete(user=tenant_b.user, endpoint_id=pk),
    ):
        with pytest.raises(NotFound):
            call()
    stored = Endpoint.objects.get(pk=pk)
    assert stored.is_active and stored.secret == endpoint.secret
    assert receiver.received == []
    assert not Endpoint.objects.visible_to(tenant_b.user).exists()


def test_settled_deliveries_past_the_retention_period_are_purged(endpoint, settings):
    from datetime import timedelta

    from django.utils import timezone

    from orion.webhooks.tasks import webhook_deliveries_purge

    old = timezone.now() - timedelta(days=settings.ORION_WEBHOOKS_RETENTION_DAYS + 1)
    kept_pending = _delivery(endpoint.endpoint)
    for n, status in enumerate((DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)):
        Delivery.objects.create(endpoint=endpoint.endpoint, event_id=f"msg_old{n}",
                                event=EventType.PING, payload={}, status=status,
                                delivered_at=old)
    recent = Delivery.objects.create(endpoint=endpoint.endpoint, event_id="msg_new",
                                     event=EventType.PING, payload={},
                                     status=DeliveryStatus.FAILED)
    Delivery.objects.exclude(pk=recent.pk).update(created_at=old)
    assert webhook_deliveries_purge.func(timestamp=0) == 2
    assert set(Delivery.objects.values_list("pk", flat=True)) == {kept_pending.pk, recent.pk}


def test_test_pings_are_throttled_per_partner(endpoint, tenant_a, receiver, settings):
    from orion.core.exceptions import Throttled

    settings.ORION_THROTTLES = {**settings.ORION_THROTTLES, "webhook_ping": "2/1h"}
    for _ in range(2):
        services.endpoint_ping(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
    with pytest.raises(Throttled, match="Too many test pings"):
        services.endpoint_ping(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
    assert len(receiver.received) == 2


def test_an_endpoint_deleted_while_its_delivery_is_sent_ends_quietly(endpoint, tenant_a,
                                                                     receiver, monkeypatch):
    from orion.webhooks import transport

    delivery = _delivery(endpoint.endpoint)
    real_post = transport.post

    def post_then_delete(**kwargs):
        answer = real_post(**kwargs)
        services.endpoint_delete(user=tenant_a.user, endpoint_id=endpoint.endpoint.pk)
        return answer

    monkeypatch.setattr(transport, "post", post_then_delete)
    assert services.delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert not Delivery.objects.filter(pk=delivery.pk).exists()
