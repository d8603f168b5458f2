"""E-mail to a port request's author on every move, sent after the move's transaction
commits (never for a rolled-back one), as the order notifications are."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from orion.porting.models import PortRequest
from orion.porting.states import PortState


def port_notify_after_commit(port: PortRequest) -> None:
    port_id = port.pk
    transaction.on_commit(lambda: port_notify(port_id=port_id))


def port_notify(*, port_id: int) -> None:
    port = PortRequest.objects.select_related("created_by").get(pk=port_id)
    if not port.created_by.email:
        return
    last = port.state_changes.last()
    label = PortState(port.state).label
    link = (f"{str(settings.ORION_BASE_URL).rstrip('/')}"
            f"{reverse('porting:detail', args=[port.pk])}")
    lines = [f"Port request {port.reference} for {port.account_name} is now {label}."]
    if port.state == PortState.SCHEDULED and port.foc_at:
        lines.append(f"FOC: {port.foc_at:%Y-%m-%d %H:%M %Z}")
    if port.state == PortState.REJECTED:
        lines.append(f"The carrier's reason: {port.rejection_reason}")
    elif last and last.note:
        lines.append(last.note)
    lines.append(f"Open the request: {link}")
    send_mail(subject=f"Port request {port.reference} for {port.account_name}: {label}",
              message="\n\n".join(lines) + "\n", from_email=settings.DEFAULT_FROM_EMAIL,
              recipient_list=[port.created_by.email], fail_silently=True)
