"""Writes on API tokens: create (the secret is returned once), revoke, authenticate.

Rules (issue 13): tokens are managed from the logged-in browser session only, never with a
bearer token (so a token that expires cannot mint itself a successor that outlives it), and a
password change or reset revokes every token of the user (``tokens_revoke_all``): whoever had
the old password may have made tokens with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orion.accounts.models import User
from orion.accounts.validators import clean_name
from orion.api.models import ApiToken
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound, OrionError

TOKEN_PREFIX = "orn_"
VISIBLE_PREFIX_LENGTH = 12  # "orn_" and 8 characters of the secret
MAX_ACTIVE_TOKENS = 20
MAX_LIFETIME_DAYS = 3650
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per token a minute


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def token_create(*, user: User, name: str, expires_at: datetime | None = None,
                 via: str = "web") -> CreatedToken:
    """A new personal token for ``user``. The secret is in the result and nowhere else."""
    name = " ".join((name or "").split())
    if not name:
        raise OrionError("Give the token a name that says what it is for.",
                         code="token_name_required", field="name")
    try:
        name = clean_name(name, max_length=80, label="The token name")
    except ValidationError as exc:
        code = "token_name_too_long" if exc.code == "max_length" else "token_name_invalid"
        raise OrionError(exc.messages[0], code=code, field="name") from exc
    now = timezone.now()
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)
        if expires_at <= now:
            raise OrionError("The expiry must be in the future.", code="token_expiry_past",
                             field="expires_at")
        if expires_at > now + timedelta(days=MAX_LIFETIME_DAYS):
            raise OrionError("A token may live at most ten years.", code="token_expiry_too_far",
                             field="expires_at")
    if ApiToken.objects.visible_to(user).usable().count() >= MAX_ACTIVE_TOKENS:
        raise OrionError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.",
                         code="too_many_tokens")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name,
                                        prefix=secret[:VISIBLE_PREFIX_LENGTH],
                                        key_hash=token_hash(secret), expires_at=expires_at)
        audit_record(actor=user, action="token.create", obj=token, via=via,
                     changes={"name": name, "prefix": token.prefix,
                              "expires_at": expires_at.isoformat() if expires_at else None})
    return CreatedToken(token=token, secret=secret)


def token_revoke(*, user: User, token_id: int, via: str = "web") -> ApiToken:
    """Revoke one of the user's own tokens (another user's token is a 404). Idempotent."""
    with transaction.atomic():
        token = (ApiToken.objects.visible_to(user).select_for_update()
                 .filter(pk=token_id).first())
        if token is None:
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=user, action="token.revoke", obj=token, via=via,
                         changes={"prefix": token.prefix})
    return token


def tokens_revoke_all(*, user: User, reason: str, via: str = "web") -> int:
    """Revoke every usable token of ``user`` (after a password change or reset); the count."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.visible_to(user).usable().select_for_update())
        if not tokens:
            return 0
        now = timezone.now()
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now)
        for token in tokens:
            audit_record(actor=user, action="token.revoke", obj=token, via=via, reason=reason,
                         changes={"prefix": token.prefix})
    return len(tokens)


def token_authenticate(secret: str) -> User | None:
    """The active user a presented secret belongs to, or None (unknown, revoked, expired)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (ApiToken.objects.usable().select_related("user")
             .filter(key_hash=token_hash(secret)).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
