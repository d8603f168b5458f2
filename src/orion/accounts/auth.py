"""Log-in with throttling per address and per username, on top of django-axes.

Axes locks one username from one address after ``AXES_FAILURE_LIMIT`` failures. This backend
adds the two limits axes cannot express with one failure count: failures from one address
across any usernames (``ORION_THROTTLES["login_address"]``: one password tried on many
accounts) and failures for one username from any address (``["login_username"]``). It is the
only password backend, so the log-in page and the admin's are both covered. A refused attempt
is not even checked (the right password does not get through a throttle); the request is
marked and ``ThrottleMiddleware`` answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from orion.core.exceptions import Throttled
from orion.core.throttle import (
    client_address,
    first_refusal,
    normalize_identity,
    throttle_blocked,
    throttle_hit,
)

LOGIN_THROTTLED = ("Too many failed log-ins from your address or for this username; log-ins "
                   "are paused for a while.")


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if request is None:  # not a web log-in (a management command, a test helper)
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        address, name = client_address(request), normalize_identity(username or "")
        refusal = first_refusal([throttle_blocked("login_address", address),
                                 throttle_blocked("login_username", name)])
        if not refusal.allowed:
            # read by ThrottleMiddleware, which answers 429 with Retry-After
            request.orion_throttled = Throttled(  # type: ignore[attr-defined]
                LOGIN_THROTTLED, retry_after=refusal.retry_after)
            raise PermissionDenied(LOGIN_THROTTLED)
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            throttle_hit("login_address", address)
            throttle_hit("login_username", name)
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's user with its partner in the same query: every page names the
        partner in its header, which cost each request a query of its own."""
        model = get_user_model()
        try:
            user = model._default_manager.select_related("partner").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
