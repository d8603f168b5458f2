"""Framing, redaction and error classification: the pieces both sides of the wire share."""

from __future__ import annotations

import pytest

from orion.broadworks import codec
from orion.broadworks.emulator.errors import Err, error_table
from orion.broadworks.emulator.formats import expand_dn_range, normalize_dn
from orion.broadworks.exceptions import (
    OCIAlreadyExists,
    OCIAuthenticationError,
    OCIConflict,
    OCIError,
    OCINotFound,
    OCISessionError,
    OCITransientError,
    OCIValidationError,
    error_from_response,
    parse_error_code,
)


def test_split_documents_keeps_the_remainder() -> None:
    buffer = bytearray(b"\0\n<a></BroadsoftDocument>\0<b></BroadsoftDocument>\n<c>par")
    assert codec.split_documents(buffer) == [b"<a></BroadsoftDocument>", b"<b></BroadsoftDocument>"]
    assert buffer == b"<c>par"


def test_redact_hides_every_password_element() -> None:
    xml = (
        "<userId>admin</userId><password>p1</password><signedPassword>abc</signedPassword>"
        '<plainTextPassword xsi:nil="false">p2</plainTextPassword>'
    )
    redacted = codec.redact(xml)
    assert "p1" not in redacted and "abc" not in redacted and "p2" not in redacted
    assert "<userId>admin</userId>" in redacted


def test_signed_password_matches_the_documented_formula() -> None:
    # md5_hex(nonce + ":" + sha1_hex(password)), computed independently.
    import hashlib

    sha1 = hashlib.sha1(b"secret").hexdigest()
    assert codec.signed_password("secret", "123") == hashlib.md5(f"123:{sha1}".encode()).hexdigest()


def test_parse_error_code() -> None:
    assert parse_error_code("[Error 4152] Group not found: SP:G") == 4152
    assert parse_error_code("something", 1234) == 1234
    assert parse_error_code(None) is None


EXPECTED = {
    Err.USER_NOT_FOUND: OCINotFound,
    Err.SERVICE_PROVIDER_NOT_FOUND: OCINotFound,
    Err.NOT_LOGGED_IN: OCISessionError,
    Err.GROUP_NOT_FOUND: OCINotFound,
    Err.DOMAIN_NOT_FOUND: OCINotFound,
    Err.DOMAIN_NOT_ASSIGNED: OCINotFound,
    Err.DN_NOT_IN_SERVICE_PROVIDER: OCINotFound,
    Err.SERVICE_PACK_NOT_FOUND: OCINotFound,
    Err.TIME_ZONE_NOT_FOUND: OCINotFound,
    Err.SERVICE_NOT_AUTHORIZED_SP: OCIError,
    Err.QUANTITY_EXCEEDS_SP: OCIError,
    Err.SERVICE_NOT_AUTHORIZED_GROUP: OCIError,
    Err.SERVICE_PACK_NOT_AUTHORIZED_GROUP: OCIError,
    Err.DN_NOT_IN_GROUP: OCINotFound,
    Err.DOMAIN_NOT_IN_GROUP: OCINotFound,
    Err.DEVICE_NOT_FOUND: OCINotFound,
    Err.DEVICE_TYPE_NOT_FOUND: OCINotFound,
    Err.USER_ALREADY_EXISTS: OCIAlreadyExists,
    Err.SERVICE_PROVIDER_ALREADY_EXISTS: OCIAlreadyExists,
    Err.GROUP_ALREADY_EXISTS: OCIAlreadyExists,
    Err.DOMAIN_ALREADY_EXISTS: OCIAlreadyExists,
    Err.DN_ALREADY_EXISTS: OCIAlreadyExists,
    Err.SERVICE_PACK_ALREADY_EXISTS: OCIAlreadyExists,
    Err.DOMAIN_ALREADY_ASSIGNED: OCIAlreadyExists,
    Err.DOMAIN_IN_USE: OCIConflict,
    Err.DN_ALREADY_ASSIGNED: OCIAlreadyExists,
    Err.DN_IN_USE: OCIConflict,
    Err.SERVICE_ALREADY_ASSIGNED: OCIAlreadyExists,
    Err.DN_IN_USE_BY_USER: OCIConflict,
    Err.EXTENSION_IN_USE: OCIConflict,
    Err.DEVICE_ALREADY_EXISTS: OCIAlreadyExists,
    Err.MAC_IN_USE: OCIConflict,
    Err.LINE_PORT_IN_USE: OCIConflict,
    Err.DEVICE_IN_USE: OCIConflict,
    Err.USER_LIMIT_REACHED: OCIError,
    Err.SERVICE_QUANTITY_EXHAUSTED: OCIError,
    Err.DEVICE_PORTS_EXHAUSTED: OCIError,
    Err.EXTENSION_LENGTH: OCIValidationError,
    Err.USER_LIMIT_BELOW_USERS: OCIError,
    Err.QUANTITY_BELOW_USAGE: OCIError,
    Err.DN_IN_USE_BY_A_USER: OCIConflict,
    Err.DN_ASSIGNED_TO_GROUP: OCIConflict,
    Err.GROUP_SERVICE_ASSIGNED: OCIConflict,
    Err.QUANTITY_BELOW_ALLOCATED: OCIError,
    Err.SERVICE_AUTHORIZED_TO_GROUPS: OCIConflict,
    Err.SERVICE_PACK_IN_USE: OCIConflict,
    Err.DOMAIN_IS_GROUP_DEFAULT: OCIConflict,
    Err.DOMAIN_IN_USE_BY_A_USER: OCIConflict,
    Err.SERVICE_PROVIDER_HAS_GROUPS: OCIConflict,
    Err.INVALID_PASSWORD: OCIAuthenticationError,
    Err.TOO_MANY_SESSIONS: OCIAuthenticationError,
    Err.INTERNAL: OCIError,
    Err.VALIDATION: OCIValidationError,
    Err.NOT_SUPPORTED: OCIError,
    Err.TRANSIENT: OCITransientError,
}


@pytest.mark.parametrize("err", list(Err), ids=lambda e: e.name)
def test_client_classifies_every_emulator_error(err: Err) -> None:
    assert set(EXPECTED) == set(Err), "new table entries need a classification here"
    summary = f"[Error {err.code}] {err.template}"
    error = error_from_response(summary, command="X")
    assert type(error) is EXPECTED[err]
    assert error.code == err.code


def test_error_table_codes_are_unique_and_real_ones_kept() -> None:
    codes = [row["code"] for row in error_table()]
    assert len(codes) == len(set(codes))
    real = {
        4008: "User not found",
        4152: "Group not found",
        4200: "User already exists",
        4962: "Invalid password",
        6004: "OCI XML Request validation error",
    }
    texts = {row["code"]: row["text"] for row in error_table()}
    for code, text in real.items():
        assert texts[code].startswith(text)


def test_unknown_codes_are_classified_by_wording() -> None:
    assert type(error_from_response("[Error 7777] Device already exists")) is OCIAlreadyExists
    assert type(error_from_response("[Error 7778] Device not found: x")) is OCINotFound
    assert type(error_from_response("Server busy, try again")) is OCITransientError


def test_dn_formats() -> None:
    assert normalize_dn("2125551234") == "+1-2125551234"
    assert normalize_dn("+12125551234") == "+1-2125551234"
    assert normalize_dn("+1-2125551234") == "+1-2125551234"
    assert normalize_dn("+44-2071234567") == "+44-2071234567"
    assert expand_dn_range("2125550098", "+1-2125550101") == [
        "+1-2125550098",
        "+1-2125550099",
        "+1-2125550100",
        "+1-2125550101",
    ]
