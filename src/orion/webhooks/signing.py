"""The Standard Webhooks signature (standardwebhooks.com), as Svix and others send it.

``webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``,
keyed with the base64-decoded part of the ``whsec_`` secret. The timestamp is signed, so a
receiver that refuses old timestamps refuses replays; the id lets it drop repeats. Receivers
can verify with any Standard Webhooks library, or with ``signature_verify`` below.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 300  # what the spec recommends receivers accept


class SignatureInvalid(Exception):
    """The request is not from Orion, was changed, or is too old (a replay)."""


def secret_new() -> str:
    """A fresh per-endpoint secret: 256 random bits behind the ``whsec_`` prefix."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The value of the ``webhook-signature`` header for one attempt."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode('ascii')}"


def signature_verify(*, secret: str, headers: Mapping[str, str], body: bytes,
                     tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> None:
    """What a receiver does: raise ``SignatureInvalid`` unless the request is Orion's and
    recent. ``headers`` must be looked up by lower-case name."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    given = headers.get("webhook-signature", "")
    if not (msg_id and stamp and given):
        raise SignatureInvalid("missing webhook headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureInvalid("bad timestamp") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureInvalid("timestamp too old or too new")
    expected = signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    # The header may carry several space-separated signatures (during a secret rotation).
    if not any(hmac.compare_digest(expected, candidate) for candidate in given.split()):
        raise SignatureInvalid("no matching signature")
