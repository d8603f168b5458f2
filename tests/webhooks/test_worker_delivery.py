"""Through the real job queue: an ``orion worker`` process takes the delivery job from the
``webhooks`` queue, gets a 500, comes back after the backoff and delivers (committed data, a
separate process, as in production)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from orion.webhooks.events import event_emit
from orion.webhooks.models import Delivery, DeliveryStatus, EventType
from orion.webhooks.services import endpoint_add
from orion.webhooks.signing import signature_verify
from tests import factories as f
from tests.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORION = str(Path(sys.executable).with_name("orion"))


def test_a_worker_retries_a_500_with_backoff_then_delivers(receiver, tmp_path):
    user = f.make_user(partner=f.make_partner("Hooked Partner"))
    made = endpoint_add(user=user, url=receiver.url, events=[EventType.BACKORDER_FILLED])
    receiver.answer(500, b"try later")
    [delivery] = event_emit(partner_id=user.partner_id, event=EventType.BACKORDER_FILLED,
                            data={"numbers": ["+12125550100"]})
    env = worker_env(host="127.0.0.1", port=9)  # no provisioning here: BroadWorks unused
    env.update({"ORION_WEBHOOKS_BACKOFF": "1", "ORION_WEBHOOKS_ALLOW_PRIVATE": "1"})
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([ORION, "worker", "--concurrency", "1", "--name", "hooks"],
                              env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status != DeliveryStatus.PENDING:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert delivery.status == DeliveryStatus.SUCCEEDED, log.read_text()[-2000:]
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    assert int(second.headers["webhook-timestamp"]) >= int(first.headers["webhook-timestamp"])
    signature_verify(secret=made.secret, headers=second.headers, body=second.body)
    assert Delivery.objects.count() == 1
