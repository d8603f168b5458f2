"""The Standard Webhooks signature: a receiver holding the secret can verify it with the
standard library alone, and refuses a changed body, another secret or an old timestamp."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from orion.webhooks.signing import SignatureInvalid, secret_new, signature, signature_verify


def _headers(secret: str, body: bytes, *, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    return {"webhook-id": "msg_1", "webhook-timestamp": str(ts),
            "webhook-signature": signature(secret=secret, msg_id="msg_1", timestamp=ts,
                                           body=body)}


def test_the_signature_is_hmac_sha256_of_id_timestamp_body_with_the_decoded_secret():
    secret = secret_new()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = b'{"type":"ping"}'
    expected = base64.b64encode(hmac.new(base64.b64decode(secret[6:]),
                                         b"msg_1.1700000000." + body,
                                         hashlib.sha256).digest()).decode()
    assert signature(secret=secret, msg_id="msg_1", timestamp=1700000000,
                     body=body) == f"v1,{expected}"


def test_verify_accepts_orions_request_and_refuses_changes_other_secrets_and_replays():
    secret = secret_new()
    body = b'{"type":"ping"}'
    signature_verify(secret=secret, headers=_headers(secret, body), body=body)
    with pytest.raises(SignatureInvalid):
        signature_verify(secret=secret, headers=_headers(secret, body), body=body + b" ")
    with pytest.raises(SignatureInvalid):
        signature_verify(secret=secret_new(), headers=_headers(secret, body), body=body)
    old = _headers(secret, body, ts=int(time.time()) - 3600)  # replayed an hour later
    with pytest.raises(SignatureInvalid, match="timestamp"):
        signature_verify(secret=secret, headers=old, body=body)
    with pytest.raises(SignatureInvalid, match="missing"):
        signature_verify(secret=secret, headers={}, body=body)


def test_secrets_differ():
    assert len({secret_new() for _ in range(20)}) == 20
