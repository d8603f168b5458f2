"""The two ways into the API: the browser's session (with CSRF) and personal tokens.

A request with an ``Authorization`` header is a machine: only its token counts, and a bad
token is a 401 (never a fall-back to a session cookie, and never a CSRF error). A request
without one is the browser: Django's session, with the CSRF check on unsafe methods.

Wrong tokens are throttled per address (``ORION_THROTTLES["token_address"]``): past the limit
every token request from that address is a 429 with ``Retry-After`` until the window ends.
Token management itself (``TOKEN_MANAGEMENT_AUTH``) takes the browser session only: a bearer
token cannot create, list or revoke tokens, so no token can outlive its own expiry by minting
a successor.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from orion.accounts.http import AuthedRequest
from orion.accounts.models import User
from orion.api.services import token_authenticate
from orion.core.exceptions import PermissionDenied
from orion.core.throttle import client_address, require_allowed, throttle_blocked, throttle_hit

TOKENS_THROTTLED = "Too many wrong API tokens from your address."


class ApiRequest(AuthedRequest):
    """The request an API handler receives: ``auth`` (and ``user``) is the caller, the token's
    user or the browser session's; ninja answers 401 before the handler otherwise."""

    auth: User


class TokenAuth(HttpBearer):
    """``Authorization: Bearer orn_…``: the token's user, if active and the token usable."""

    def __call__(self, request: HttpRequest) -> User | None:
        if "Authorization" not in request.headers:
            return None
        address = client_address(request)
        require_allowed(throttle_blocked("token_address", address), TOKENS_THROTTLED)
        user = super().__call__(request)
        if user is None:  # unknown, revoked or expired token, or not a Bearer header at all
            throttle_hit("token_address", address)
        return user

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token.strip())
        if user is None:
            return None
        request.user = user  # services and selectors read request.user like the pages do
        return user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser (ninja's django_auth, csrf=True), unless a token header is sent."""

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        if "Authorization" in request.headers:
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # not a browser session: 401, not a CSRF complaint
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


class BrowserSessionOnlyAuth(BrowserSessionAuth):
    """The browser session, and a clear 403 (not a 401) for a bearer token."""

    def __call__(self, request: HttpRequest) -> User | None:
        if "Authorization" in request.headers:
            raise PermissionDenied(
                "API tokens are managed from the logged-in browser session (/account/tokens/ "
                "or this API with the session cookie); a bearer token cannot create, list or "
                "revoke tokens.", code="session_required")
        return super().__call__(request)


token_auth = TokenAuth()
session_auth = BrowserSessionAuth()
API_AUTH = [token_auth, session_auth]
TOKEN_MANAGEMENT_AUTH = [BrowserSessionOnlyAuth()]
