"""E-mail about an order's outcome, sent after the transaction that decided it commits.

The order's author is told when it completes, fails or is held; a failure is also sent to
operations (``ORION_OPERATIONS_EMAIL``), who fix failed orders. Every message links to the
order page (``ORION_BASE_URL``: e-mail needs an absolute address, and a worker has no request
to build one from).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from orion.orders.models import Order, OrderStateChange
from orion.orders.states import OrderState

logger = logging.getLogger(__name__)

_WORDS = {OrderState.COMPLETED: "is complete",
          OrderState.PARTIAL: "is provisioned; backordered numbers are still pending",
          OrderState.FAILED: "failed and needs attention", OrderState.HELD: "is held"}


def notify_after_commit(order: Order) -> None:
    """Tell the author once the state change is durable (never for a rolled-back one)."""
    transaction.on_commit(lambda: order_notify(order_id=order.pk))


def _absolute(path: str) -> str:
    return f"{str(settings.ORION_BASE_URL).rstrip('/')}{path}"


def order_url(order: Order) -> str:
    """The order page's absolute address, for e-mails."""
    return _absolute(reverse("orders:detail", args=[order.pk]))


def order_notify(*, order_id: int) -> None:
    """E-mail the order's author when it completes, fails or is held; operations too when it
    failed."""
    # The last state change's note comes with the order (one statement, not two).
    last_note = (OrderStateChange.objects.filter(order=OuterRef("pk"))
                 .order_by("-changed_at", "-id").values("note")[:1])
    order = (Order.objects.select_related("created_by", "customer", "partner")
             .annotate(last_note=Subquery(last_note)).get(pk=order_id))
    if order.state not in _WORDS:
        return
    assert order.customer is not None  # a saved order has its account
    words = _WORDS[OrderState(order.state)]
    subject = f"Order {order.number} for {order.customer.name} {words}"
    note: str = order.last_note or ""  # type: ignore[attr-defined]  # annotated above
    link = order_url(order)
    if order.created_by.email:
        _send(order, subject=subject,
              message=f"Order {order.number} for {order.customer.name} {words}.\n\n"
                      f"{note}\n\nOpen the order: {link}\n",
              to=[order.created_by.email])
    operations = str(settings.ORION_OPERATIONS_EMAIL or "").strip()
    if order.state == OrderState.FAILED and operations:
        oci_log = _absolute(reverse("provisioning:oci_log", args=[order.pk]))
        _send(order, subject=f"[Operations] {subject}",
              message=(f"Order {order.number} of partner {order.partner.name} for "
                       f"{order.customer.name} {words}.\n\n{note}\n\n"
                       f"Open the order (Retry, or cancel it): {link}\n"
                       f"OCI-P log: {oci_log}\n"),
              to=[a.strip() for a in operations.split(",") if a.strip()])


def _send(order: Order, *, subject: str, message: str, to: list[str]) -> None:
    """Send one e-mail; a mail server that refuses, fails or does not answer within
    ``EMAIL_TIMEOUT`` is logged and the e-mail given up: the order's outcome is already
    committed, and provisioning must not wait on (or fail because of) the mail server."""
    try:
        send_mail(subject=subject, message=message, from_email=settings.DEFAULT_FROM_EMAIL,
                  recipient_list=to)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("order %s: e-mail %r to %s not sent: %s", order.number, subject,
                       ", ".join(to), exc or type(exc).__name__)
