"""Who am I, and personal API tokens (the same service as the /account/tokens/ page).

Token management takes the browser session only (``TOKEN_MANAGEMENT_AUTH``): with a bearer
token these operations answer 403. The answer that carries a secret is ``no-store``.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from ninja import Path, Query, Router, Schema, Status

from orion.api import services
from orion.api.auth import TOKEN_MANAGEMENT_AUTH, ApiRequest
from orion.api.errors import responses
from orion.api.models import ApiToken
from orion.api.schemas.common import MAX_ID, Json, PageMeta, PageParams, page, text

router = Router(tags=["tokens"])


class MeOut(Schema):
    id: int
    username: str
    partner_id: int | None
    partner_name: str | None
    is_provider_staff: bool


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    status: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenPage(PageMeta):
    items: list[TokenOut]


class TokenIn(Schema):
    name: str = text(80, min_length=1)
    expires_at: datetime | None = None


class TokenCreatedOut(TokenOut):
    token: str  # the secret, shown this once


def _out(token: ApiToken) -> Json:
    return {"id": token.pk, "name": token.name, "prefix": token.prefix, "status": token.status,
            "created_at": token.created_at, "last_used_at": token.last_used_at,
            "expires_at": token.expires_at, "revoked_at": token.revoked_at}


@router.get("/me", response=responses(MeOut), operation_id="me")
def me(request: ApiRequest) -> Json:
    user = request.auth
    return {"id": user.pk, "username": user.username, "partner_id": user.partner_id,
            "partner_name": user.partner.name if user.partner else None,
            "is_provider_staff": user.is_provider_staff}


@router.get("/tokens", response=responses(TokenPage), operation_id="token_list",
            auth=TOKEN_MANAGEMENT_AUTH)
def token_list(request: ApiRequest, params: Query[PageParams]) -> Json:
    """The caller's own tokens (never anyone else's, staff included)."""
    return page(ApiToken.objects.visible_to(request.auth), params, _out)


@router.post("/tokens", response=responses({201: TokenCreatedOut}), operation_id="token_create",
             auth=TOKEN_MANAGEMENT_AUTH)
def token_create(request: ApiRequest, response: HttpResponse, payload: TokenIn) -> Status[Json]:
    """A new token for the caller; ``token`` in the answer is the secret, shown only now
    (the answer is ``Cache-Control: no-store``)."""
    created = services.token_create(user=request.auth, name=payload.name,
                                    expires_at=payload.expires_at, via="api")
    patch_cache_control(response, no_store=True, private=True)
    return Status(201, {**_out(created.token), "token": created.secret})


@router.delete("/tokens/{token_id}", response=responses(TokenOut),
               operation_id="token_revoke", auth=TOKEN_MANAGEMENT_AUTH)
def token_revoke(request: ApiRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    return _out(services.token_revoke(user=request.auth, token_id=token_id, via="api"))
