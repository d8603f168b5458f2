"""Failure e-mails go to operations too, and every e-mail links to the order (issue 15,
item 10). The outcome is set through the state machine; the mail is sent after commit."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading

import pytest
from django.core import mail

from orion.orders.lifecycle import order_transition
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning.notifications import notify_after_commit
from tests.provisioning.helpers import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings) -> list:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ORION_BASE_URL = "https://orion.example.net"
    return mail.outbox


def _order(tenant, email: str = "agent@partner-a.example"):
    tenant.user.email = email
    tenant.user.save(update_fields=["email"])
    return place_order(user=tenant.user, kind=OrderKind.NEW_ENTERPRISE,
                       packages={"Power User": 1}, name="Mail Co", domain="mail.example")


def _end_in(order, state: str, note: str, capture) -> None:
    with capture(execute=True):
        order_transition(order=order, to=state, by=None, note=note)
        notify_after_commit(order)


def test_a_failure_is_mailed_to_operations_with_links(tenant_a, settings, outbox,
                                                      django_capture_on_commit_callbacks):
    settings.ORION_OPERATIONS_EMAIL = "noc@provider.example, oncall@provider.example"
    order = _order(tenant_a)
    _end_in(order, OrderState.FAILED, "BroadWorks refused creating the group.",
            django_capture_on_commit_callbacks)
    author, ops = outbox
    link = f"https://orion.example.net/orders/{order.pk}/"
    assert author.to == ["agent@partner-a.example"] and link in author.body
    assert "noc@provider.example" not in author.to  # the partner never sees the ops mailbox
    assert ops.to == ["noc@provider.example", "oncall@provider.example"]
    assert ops.subject == f"[Operations] Order {order.number} for Mail Co failed and needs " \
        "attention"
    assert "Partner A" in ops.body and "BroadWorks refused creating the group." in ops.body
    assert link in ops.body and f"{link}oci-log/" in ops.body


def test_operations_get_failures_even_when_the_author_has_no_address(
        tenant_a, settings, outbox, django_capture_on_commit_callbacks):
    settings.ORION_OPERATIONS_EMAIL = "noc@provider.example"
    order = _order(tenant_a, email="")
    _end_in(order, OrderState.FAILED, "down", django_capture_on_commit_callbacks)
    assert [m.to for m in outbox] == [["noc@provider.example"]]


def test_other_outcomes_go_to_the_author_only_and_link_the_order(
        tenant_a, settings, outbox, django_capture_on_commit_callbacks):
    settings.ORION_OPERATIONS_EMAIL = "noc@provider.example"
    order = _order(tenant_a)
    _end_in(order, OrderState.HELD, "Held for the manual set-up.",
            django_capture_on_commit_callbacks)
    (message,) = outbox
    assert message.to == ["agent@partner-a.example"]
    assert f"https://orion.example.net/orders/{order.pk}/" in message.body


def test_no_operations_address_means_no_operations_mail(tenant_a, settings, outbox,
                                                        django_capture_on_commit_callbacks):
    settings.ORION_OPERATIONS_EMAIL = ""
    order = _order(tenant_a)
    _end_in(order, OrderState.FAILED, "down", django_capture_on_commit_callbacks)
    assert [m.to for m in outbox] == [["agent@partner-a.example"]]


class _Hung(Exception):
    pass


@pytest.fixture
def silent_mail_server():
    """A mail server that accepts the connection and never says a word (a hung MTA)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_mail_server_that_hangs_is_given_up_and_the_outcome_stands(
        tenant_a, settings, silent_mail_server, django_capture_on_commit_callbacks, caplog):
    port, accepted = silent_mail_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 0.3
    settings.ORION_OPERATIONS_EMAIL = "noc@provider.example"
    order = _order(tenant_a)

    def hung(*_: object) -> None:
        raise _Hung  # not an OSError: the send must not swallow it

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)  # without a timeout the send waits for the server's greeting for ever
    try:
        _end_in(order, OrderState.FAILED, "down", django_capture_on_commit_callbacks)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert len(accepted) == 2  # it did try: the author's e-mail, then operations'
    order.refresh_from_db()
    assert order.state == OrderState.FAILED  # committed before the mail; nothing undone
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum(f"order {order.number}: e-mail" in w and "not sent" in w
               for w in warnings) == 2
