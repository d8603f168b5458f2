"""Auth events for the audit log: a password set (reset link, admin form, change form).

A signal is the one way to see every path that sets a password (Django has no
``password_changed`` signal); the hashes themselves are never recorded.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver

from orion.accounts.models import User
from orion.audit.context import current
from orion.audit.services import audit_record


@receiver(pre_save, sender=get_user_model(), dispatch_uid="orion_audit_password_change")
def record_password_change(sender: type[User], instance: User, raw: bool = False,
                           update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # last_login updates on every log-in
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is None or old == instance.password:
        return
    context = current()
    actor = (context.user if context is not None else None) or instance
    how = "by an administrator" if actor.pk != instance.pk else "by the user"
    if context is not None and "/reset/" in context.request.path:
        how = "with a password-reset link"
    audit_record(actor=actor, action="user.password_change", obj=instance,
                 reason=f"Password set {how}.")
