"""Login flows (legacy signed password and 22V5), logout, and system lists."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks import codec
from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import Context, handles, respond, success


@handles("AuthenticationRequest")
def authentication(ctx: Context, req: Any) -> OCIResponse:
    # A nonce even for unknown users, so the answer does not reveal which ids exist.
    ctx.session.nonce = str(secrets.randbelow(10**15)).zfill(15)
    ctx.session.user_id = req.user_id
    return respond(
        "AuthenticationResponse",
        user_id=req.user_id,
        nonce=ctx.session.nonce,
        password_algorithm="MD5",
    )


def _login_fields(ctx: Context) -> dict[str, Any]:
    return {
        "login_type": "System",
        "locale": "en_US",
        "encoding": "ISO-8859-1",
        "is_enterprise": False,
        "user_domain": ctx.state.system_default_domain,
    }


def _check_login(ctx: Context, user_id: str, *, password: str | None, signed: str | None) -> None:
    nonce, ctx.session.nonce = ctx.session.nonce, None  # a nonce is good for one attempt
    ok_user = hmac.compare_digest(user_id.encode(), ctx.username.encode())
    if password is not None:
        ok = hmac.compare_digest(password.encode(), ctx.password.encode())
    elif signed is not None and nonce is not None:
        expected = codec.signed_password(ctx.password, nonce)
        ok = hmac.compare_digest(signed.lower().encode(), expected.encode())
    else:
        ok = False
    if not (ok_user and ok):
        end_session(ctx)
        raise EmulatorError(Err.INVALID_PASSWORD)
    if not ctx.session.authenticated:
        count = ctx.sessions_per_user.get(user_id, 0)
        if ctx.max_sessions and count >= ctx.max_sessions:
            raise EmulatorError(Err.TOO_MANY_SESSIONS, user=user_id)
        ctx.sessions_per_user[user_id] = count + 1
    ctx.session.user_id = user_id
    ctx.session.authenticated = True
    ctx.session.session_id = ctx.document_session_id


def end_session(ctx: Context) -> None:
    """Forget the login of this socket (logout, failed login, expiry, close)."""
    session = ctx.session
    if session.authenticated and session.user_id is not None:
        left = ctx.sessions_per_user.get(session.user_id, 1) - 1
        if left > 0:
            ctx.sessions_per_user[session.user_id] = left
        else:
            ctx.sessions_per_user.pop(session.user_id, None)
    session.authenticated = False
    session.session_id = None


@handles("LoginRequest14sp4")
def login_14sp4(ctx: Context, req: Any) -> OCIResponse:
    _check_login(ctx, req.user_id, password=req.plain_text_password, signed=req.signed_password)
    return respond("LoginResponse14sp4", **_login_fields(ctx))


@handles("LoginRequest22V5")
def login_22v5(ctx: Context, req: Any) -> OCIResponse:
    _check_login(ctx, req.user_id, password=req.password, signed=req.signed_password)
    return respond("LoginResponse22V5", **_login_fields(ctx))


@handles("LogoutRequest")
def logout(ctx: Context, req: Any) -> OCIResponse:
    # The reason is not checked: broadworks-ocip 3.0.0 sends one outside the enumeration.
    end_session(ctx)
    return success()


@handles("SystemTimeZoneGetListRequest20")
def time_zone_list(ctx: Context, req: Any) -> OCIResponse:
    table = codec.Table(("Key", "Display Name"), formats.time_zones().items())
    return respond(
        "SystemTimeZoneGetListResponse20",
        server_time_zone=ctx.server_time_zone,
        time_zone_table=table,
    )


#: What ``SystemSoftwareVersionGetRequest`` answers: the R25 schema this emulator follows.
SOFTWARE_VERSION = "Orion BroadWorks emulator (OCI-P R25 schema)"


@handles("SystemSoftwareVersionGetRequest")
def software_version(ctx: Context, req: Any) -> OCIResponse:
    """Clients ask this first to pick request names (mercury-ocip does)."""
    return respond("SystemSoftwareVersionGetResponse", version=SOFTWARE_VERSION)
