from __future__ import annotations

from django.apps import AppConfig


class UsersConfig(AppConfig):
    """BroadWorks users: the seats of an order, one user per unit of a seat package (not
    Orion's own log-in accounts, which are ``accounts.User``)."""

    name = "orion.users"
    label = "users"
    verbose_name = "Users (seats)"
    default_auto_field = "django.db.models.BigAutoField"
