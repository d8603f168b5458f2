"""Wire framing seen from a raw socket: terminators, coalesced and split writes, garbage."""

from __future__ import annotations

import time

import pytest

from orion.broadworks.codec import parse_document
from orion.broadworks.emulator import EmulatorServer
from tests.broadworks.helpers import RawPeer, command, document

AUTH = command("AuthenticationRequest", echo="e1", userId="admin")


@pytest.fixture
def peer(emulator: EmulatorServer):
    raw = RawPeer(emulator.host, emulator.port)
    yield raw
    raw.close()


def _types(doc: bytes) -> list[str]:
    return [c.type_name for c in parse_document(doc).commands]


@pytest.mark.parametrize("terminator", [b"\n", b"\0", b""], ids=["newline", "nul", "none"])
def test_any_terminator_is_accepted(peer: RawPeer, terminator: bytes) -> None:
    peer.send(document(AUTH) + terminator)
    [answer] = peer.read_documents()
    assert _types(answer) == ["AuthenticationResponse"]
    assert peer.buffer == b"\n"  # answers end with a newline
    # The stream stays in step for the next document.
    peer.send(document(AUTH) + terminator)
    assert _types(peer.read_documents()[0]) == ["AuthenticationResponse"]


def test_two_documents_in_one_write(peer: RawPeer) -> None:
    peer.send(document(AUTH, session="s1") + document(AUTH, session="s1") + b"\n")
    first, second = peer.read_documents(2)
    assert _types(first) == _types(second) == ["AuthenticationResponse"]


def test_one_document_split_across_writes(peer: RawPeer) -> None:
    data = document(AUTH)
    for start in range(0, len(data), 37):
        peer.send(data[start : start + 37])
        time.sleep(0.002)
    [answer] = peer.read_documents()
    parsed = parse_document(answer)
    assert [c.type_name for c in parsed.commands] == ["AuthenticationResponse"]
    assert parsed.session_id == "raw-session" and parsed.commands[0].echo == "e1"


def test_megabyte_of_garbage_is_refused_and_others_still_served(emulator: EmulatorServer) -> None:
    bystander = RawPeer(emulator.host, emulator.port)
    bad = RawPeer(emulator.host, emulator.port)
    try:
        bad.send(b"\x07garbage" * (1024 * 1024 // 8))
        [answer] = bad.read_documents()
        assert b"[Error 6004]" in answer
        assert bad.closed_by_server()
        bystander.send(document(AUTH))
        assert _types(bystander.read_documents()[0]) == ["AuthenticationResponse"]
    finally:
        bad.close()
        bystander.close()


def test_oversized_xml_without_end_is_cut_off(emulator: EmulatorServer) -> None:
    bad = RawPeer(emulator.host, emulator.port)
    try:
        head = document(AUTH).split(b"</BroadsoftDocument>")[0]
        bad.send(head + b"<x>" + b"a" * (1024 * 1024 + 10))
        [answer] = bad.read_documents()
        assert b"[Error 6004]" in answer and b"without a document end" in answer
        assert bad.closed_by_server()
    finally:
        bad.close()
    fresh = RawPeer(emulator.host, emulator.port)
    fresh.send(document(AUTH))
    assert _types(fresh.read_documents()[0]) == ["AuthenticationResponse"]
    fresh.close()


def test_malformed_xml_gets_an_error_and_the_session_goes_on(peer: RawPeer) -> None:
    peer.send(
        b"<BroadsoftDocument protocol='OCI' xmlns='C'><sessionId>x</sessio></BroadsoftDocument>\n"
    )
    [answer] = peer.read_documents()
    assert _types(answer) == ["ErrorResponse"] and b"[Error 6004]" in answer
    peer.send(document(AUTH))
    assert _types(peer.read_documents()[0]) == ["AuthenticationResponse"]


def test_more_than_fifteen_commands_is_one_error(peer: RawPeer) -> None:
    peer.send(document(*[AUTH] * 16))
    [answer] = peer.read_documents()
    assert _types(answer) == ["ErrorResponse"]
    assert b"1-15 commands, not 16" in answer


def test_fifteen_commands_answer_in_order_with_echo(peer: RawPeer) -> None:
    peer.send(
        document(
            *[command("AuthenticationRequest", echo=f"n{i}", userId="admin") for i in range(15)]
        )
    )
    [answer] = peer.read_documents()
    parsed = parse_document(answer)
    assert [c.echo for c in parsed.commands] == [f"n{i}" for i in range(15)]


def test_unknown_command_and_commands_before_login_are_refused(peer: RawPeer) -> None:
    peer.send(
        document(
            command("NoSuchRequest", echo="a"),
            command("SystemDomainGetListRequest", echo="b"),
            command("LogoutRequest", echo="c", userId="admin", reason="Whatever Reason"),
        )
    )
    [answer] = peer.read_documents()
    parsed = parse_document(answer)
    assert [(c.type_name, c.echo) for c in parsed.commands] == [
        ("ErrorResponse", "a"),
        ("ErrorResponse", "b"),
        ("SuccessResponse", "c"),
    ]
    assert b"[Error 6004]" in answer and b"NoSuchRequest" in answer
    assert b"[Error 4101] Not logged in" in answer


def test_sessions_are_per_socket(emulator: EmulatorServer) -> None:
    """A login on one socket does not authenticate another one."""
    from orion.broadworks import BroadWorksClient, BroadWorksConfig

    with BroadWorksClient(BroadWorksConfig(host=emulator.host, port=emulator.port)) as bw:
        bw.connect()
        other = RawPeer(emulator.host, emulator.port)
        other.send(document(command("SystemDomainGetListRequest"), session=bw.session_id))
        assert b"[Error 4101]" in other.read_documents()[0]
        other.close()


# Captured from live servers (and the fixtures of broadworks-ocip's own tests): the bare
# responses are typed in namespace C with a prefix; schema-bound clients require it.
CAPTURED_ERROR = (
    b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    b'<BroadsoftDocument protocol="OCI" xmlns="C" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    b'<sessionId xmlns="">00000000-1111-2222-3333-444444444444</sessionId>'
    b'<command type="Error" echo="" xsi:type="c:ErrorResponse" xmlns:c="C" xmlns="">'
    b"<summary>[Error 4962] Invalid password</summary>"
    b"<summaryEnglish>[Error 4962] Invalid password</summaryEnglish>"
    b"</command></BroadsoftDocument>"
)
CAPTURED_SUCCESS = b'<command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/>'


def test_error_response_is_typed_like_a_real_server_byte_for_byte(peer: RawPeer) -> None:
    session = "00000000-1111-2222-3333-444444444444"
    peer.send(document(command("AuthenticationRequest", echo="", userId="admin"), session=session))
    peer.read_documents()
    bad = command("LoginRequest14sp4", echo="", userId="admin", signedPassword="0" * 32)
    peer.send(document(bad, session=session))
    assert peer.read_documents() == [CAPTURED_ERROR]


def test_success_response_is_typed_like_a_real_server_byte_for_byte(peer: RawPeer) -> None:
    peer.send(
        document(
            command("LoginRequest22V5", userId="admin", password="ocip-demo-password"),
            command("LogoutRequest", echo="", userId="admin"),
        )
    )
    [answer] = peer.read_documents()
    assert answer.endswith(CAPTURED_SUCCESS + b"</BroadsoftDocument>")
    assert b'xsi:type="LoginResponse22V5" xmlns=""' in answer  # no namespace, no prefix
