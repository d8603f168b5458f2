"""E-mail about an order's outcome, sent after the transaction that decided it commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from orion.orders.models import Order
from orion.orders.states import OrderState

_WORDS = {OrderState.COMPLETED: "is complete",
          OrderState.PARTIAL: "is provisioned; backordered numbers are still pending",
          OrderState.FAILED: "failed and needs attention", OrderState.HELD: "is held"}


def notify_after_commit(order: Order) -> None:
    """Tell the author once the state change is durable (never for a rolled-back one)."""
    transaction.on_commit(lambda: order_notify(order_id=order.pk))


def order_notify(*, order_id: int) -> None:
    """E-mail the order's author when it completes, fails or is held."""
    order = Order.objects.select_related("created_by", "customer").get(pk=order_id)
    if not order.created_by.email or order.state not in _WORDS:
        return
    last = order.state_changes.last()
    assert order.customer is not None  # a saved order has its account
    words = _WORDS[OrderState(order.state)]
    send_mail(
        subject=f"Order {order.number} for {order.customer.name} {words}",
        message=(f"Order {order.number} for {order.customer.name} {words}.\n\n"
                 f"{last.note if last else ''}\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[order.created_by.email],
        fail_silently=True)
