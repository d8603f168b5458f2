"""Sessions like BroadWorks: sessionId checked, idle expiry, session limits, access list."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from orion.broadworks import (
    BroadWorksClient,
    BroadWorksConfig,
    OCIAuthenticationError,
    OCIConnectionError,
    OCISessionError,
)
from orion.broadworks.client import OCIExchange
from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.exceptions import error_from_response
from tests.broadworks.helpers import RawPeer, command, document

LOGIN = command("LoginRequest22V5", userId="admin", password="ocip-demo-password")
LIST = command("SystemDomainGetListRequest")


@pytest.fixture
def make_server() -> Iterator:
    servers: list[EmulatorServer] = []

    def make(**options: object) -> EmulatorServer:
        server = EmulatorServer(host="127.0.0.1", port=0, **options)
        server.start_in_thread()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def _config(server: EmulatorServer) -> BroadWorksConfig:
    return BroadWorksConfig(
        host=server.host, port=server.port, connect_timeout=2, command_timeout=5
    )


def test_a_document_for_another_session_id_is_not_logged_in(emulator: EmulatorServer) -> None:
    peer = RawPeer(emulator.host, emulator.port)
    try:
        peer.send(document(LOGIN, session="session-A"))
        peer.read_documents()
        peer.send(document(LIST, session="session-A"))
        assert b"SystemDomainGetListResponse" in peer.read_documents()[0]
        peer.send(document(LIST, session="session-B"))
        assert b"[Error 4101]" in peer.read_documents()[0]
    finally:
        peer.close()


def test_idle_session_expires_and_the_client_logs_in_once_and_resends(make_server) -> None:
    server = make_server(session_idle_seconds=0.2)
    logins: list[OCIExchange] = []

    def hook(exchange: OCIExchange) -> None:
        if "LoginRequest14sp4" in exchange.commands:
            logins.append(exchange)

    with BroadWorksClient(_config(server), on_exchange=hook) as bw:
        bw.request("SystemDomainGetListRequest")
        time.sleep(0.35)
        assert bw.request("SystemDomainGetListRequest").system_default_domain
    assert len(logins) == 2


def test_session_loss_is_recognised_by_its_class_not_one_code() -> None:
    for summary in (
        "[Error 4101] Not logged in",
        "[Error 4000] Session expired",
        "[Error 4711] Invalid session",
    ):
        assert isinstance(error_from_response(summary), OCISessionError), summary


def test_maximum_sessions_per_login_user(make_server) -> None:
    server = make_server(max_sessions_per_user=1)
    with BroadWorksClient(_config(server)) as first:
        first.connect()
        with pytest.raises(OCIAuthenticationError) as caught:
            BroadWorksClient(_config(server)).connect()
        assert caught.value.code == 4963
    # the first logged out: a new session is allowed again
    with BroadWorksClient(_config(server)) as again:
        again.connect()


def test_allow_list_of_source_addresses(make_server) -> None:
    refused = make_server(allow=["10.0.0.0/8"])
    with pytest.raises(OCIConnectionError):
        BroadWorksClient(_config(refused)).connect()
    allowed = make_server(allow=["127.0.0.1/32"])
    with BroadWorksClient(_config(allowed)) as bw:
        bw.connect()
