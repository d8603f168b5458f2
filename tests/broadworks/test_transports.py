"""TCP, TLS and SOAP: the same documents and rules over every transport BroadWorks offers.

Real sockets, real TLS handshakes against a certificate the openssl command made, real HTTP.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from pathlib import Path

import pytest

from orion.broadworks import BroadWorksClient, BroadWorksConfig, OCIConnectionError
from orion.broadworks.config import SOAP_PATH
from orion.broadworks.emulator import EmulatorServer, emulator_state_dump
from orion.broadworks.emulator.certs import DevCertificate, ensure_dev_certificate
from orion.broadworks.exceptions import OCIAlreadyExists, OCIProtocolError
from orion.broadworks.transport import soap_envelope, soap_return
from tests.broadworks.helpers import (
    DOMAIN,
    GROUP,
    SP,
    add_enterprise,
    add_group,
    command,
    document,
    transport_config,
)

TRANSPORTS = ("tcp", "tls", "soap")
LOGIN = command("LoginRequest22V5", userId="admin", password="ocip-demo-password")
LIST = command("SystemDomainGetListRequest")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_orion_provisions_and_reads_back_over_each_transport(
    transport: str, transport_emulator: EmulatorServer, dev_certificate: DevCertificate
) -> None:
    config = transport_config(transport_emulator, transport, dev_certificate.cert_file)
    with BroadWorksClient(config) as bw:
        add_enterprise(bw)
        add_group(bw)
        group = bw.request("GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP)
        results = bw.batch(
            [("GroupAddRequest", {"service_provider_id": SP, "group_id": GROUP,
                                  "default_domain": DOMAIN, "user_limit": 5,
                                  "group_name": "Again"}),
             ("GroupGetListInServiceProviderRequest", {"service_provider_id": SP})]
        )  # fmt: skip
    assert (group.group_name, group.user_limit) == ("Acme Head Office", 25)
    assert isinstance(results[0].error, OCIAlreadyExists)  # every command ran, in order
    assert [row.group_id for row in results[1].unwrap().group_table] == [GROUP]
    state = emulator_state_dump(transport_emulator.host, transport_emulator.control_port)
    assert GROUP in state["service_providers"][SP]["groups"]


def test_the_three_transports_share_one_state(
    transport_emulator: EmulatorServer, dev_certificate: DevCertificate
) -> None:
    configs = {t: transport_config(transport_emulator, t, dev_certificate.cert_file)
               for t in TRANSPORTS}  # fmt: skip
    with BroadWorksClient(configs["tls"]) as bw:
        add_enterprise(bw)
    with BroadWorksClient(configs["soap"]) as bw:
        add_group(bw)
    with BroadWorksClient(configs["tcp"]) as bw:
        assert bw.request("GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP)


def test_22v5_login_over_tls(transport_emulator: EmulatorServer, dev_certificate: DevCertificate):
    """The plain-password login belongs on TLS, as mercury-ocip does it by default."""
    config = transport_config(
        transport_emulator, "tls", dev_certificate.cert_file, login_flow="22V5"
    )
    with BroadWorksClient(config) as bw:
        bw.connect()
        assert type(bw.login_response).__name__ == "LoginResponse22V5"
        assert bw.request("SystemDomainGetListRequest").system_default_domain


# -- TLS ---------------------------------------------------------------------------------


def test_tls_port_speaks_tls_only(transport_emulator: EmulatorServer) -> None:
    """A plain OCI-P document on 2209 gets no OCI-P answer: the server wants a handshake."""
    with socket.create_connection(("127.0.0.1", transport_emulator.tls_port), timeout=5) as s:
        s.sendall(document(LOGIN))
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            data = b""
    assert b"BroadsoftDocument" not in data


def test_tls_handshake_verifies_the_certificate(
    transport_emulator: EmulatorServer, dev_certificate: DevCertificate
) -> None:
    context = ssl.create_default_context(cafile=str(dev_certificate.cert_file))
    with (
        socket.create_connection(("127.0.0.1", transport_emulator.tls_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        tls.sendall(document(LOGIN, session="tls-raw") + b"\n")
        answer = b""
        while b"</BroadsoftDocument>" not in answer:
            answer += tls.recv(65536)
    assert b"LoginResponse22V5" in answer


def test_client_refuses_a_certificate_it_cannot_verify(
    transport_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Another self-signed certificate as the CA: the handshake fails, nothing is sent."""
    stranger = ensure_dev_certificate(tmp_path / "other")
    config = transport_config(transport_emulator, "tls", stranger.cert_file)
    with pytest.raises(OCIProtocolError, match="certificate"):
        BroadWorksClient(config).connect()
    assert transport_emulator.stats.documents == 0


def test_client_checks_the_host_name(
    transport_emulator: EmulatorServer, dev_certificate: DevCertificate
) -> None:
    config = transport_config(transport_emulator, "tls", dev_certificate.cert_file)
    wrong = BroadWorksConfig(**{**config.__dict__, "host": "127.0.0.2"})
    with pytest.raises((OCIProtocolError, OCIConnectionError)):
        BroadWorksClient(wrong).connect()


def test_dev_certificate_is_made_once_and_reused(tmp_path: Path) -> None:
    first = ensure_dev_certificate(tmp_path, hosts=("bw.orion.test",))
    pem, mtime = first.cert_file.read_bytes(), first.cert_file.stat().st_mtime_ns
    again = ensure_dev_certificate(tmp_path, hosts=("bw.orion.test",))
    assert again == first
    assert (again.cert_file.read_bytes(), again.cert_file.stat().st_mtime_ns) == (pem, mtime)
    assert first.key_file.stat().st_mode & 0o777 == 0o600
    decoded = ssl._ssl._test_decode_cert(str(first.cert_file))  # type: ignore[attr-defined]
    assert ("DNS", "bw.orion.test") in decoded["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in decoded["subjectAltName"]
    assert {p.name for p in tmp_path.iterdir()} == {"cert.pem", "key.pem"}  # no temp left


# -- SOAP --------------------------------------------------------------------------------


def _post(server: EmulatorServer, body: bytes, conn: http.client.HTTPConnection | None = None):
    conn = conn or http.client.HTTPConnection(server.host, server.soap_port, timeout=5)
    conn.request("POST", SOAP_PATH, body=body,
                 headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
    response = conn.getresponse()
    return response.status, response.read(), conn


def _call(server: EmulatorServer, *commands: str, session: str) -> bytes:
    status, body, conn = _post(server, soap_envelope(document(*commands, session=session)))
    conn.close()
    assert status == 200, body
    return soap_return(body)


def test_wsdl_names_the_operation_and_the_endpoint(transport_emulator: EmulatorServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", transport_emulator.soap_port, timeout=5)
    conn.request("GET", f"{SOAP_PATH}?wsdl")
    response = conn.getresponse()
    wsdl = response.read().decode()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/xml")
    assert 'operation name="processOCIMessage"' in wsdl
    assert f'location="http://127.0.0.1:{transport_emulator.soap_port}{SOAP_PATH}"' in wsdl


def test_zeep_reads_the_wsdl_and_calls_process_oci_message(
    transport_emulator: EmulatorServer,
) -> None:
    """zeep (unmodified) builds its call from our WSDL and gets the document back as a string."""
    zeep = pytest.importorskip("zeep")
    client = zeep.Client(f"{transport_emulator.soap_url}?wsdl")
    answer = client.service.processOCIMessage(document(LOGIN, session="zeep").decode())
    assert isinstance(answer, str)
    assert 'xsi:type="LoginResponse22V5"' in answer
    assert "<sessionId xmlns=\"\">zeep</sessionId>" in answer


def test_soap_answer_has_the_shape_of_a_live_server(transport_emulator: EmulatorServer) -> None:
    """An Axis/PHP-style call (unqualified operation and in0) is understood too."""
    text = document(LOGIN, session="php").decode().replace("&", "&amp;").replace("<", "&lt;")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
        f"<processOCIMessage><in0>{text}</in0></processOCIMessage>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()
    status, answer, conn = _post(transport_emulator, body)
    conn.close()
    assert status == 200
    assert b'<processOCIMessageResponse xmlns=""><ns1:processOCIMessageReturn ' \
           b'xmlns:ns1="urn:com:broadsoft:webservice">&lt;?xml version=' in answer
    inner = soap_return(answer)
    assert inner.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert b'xsi:type="LoginResponse22V5"' in inner


def test_soap_keeps_the_http_connection_alive(transport_emulator: EmulatorServer) -> None:
    status, _, conn = _post(transport_emulator, soap_envelope(document(LOGIN, session="ka")))
    sock = conn.sock
    status2, body, _ = _post(transport_emulator, soap_envelope(document(LIST, session="ka")), conn)
    conn.close()
    assert (status, status2) == (200, 200)
    assert conn.sock is None and sock is not None  # closed by us, after two requests on it
    assert b"SystemDomainGetListResponse" in soap_return(body)
    assert transport_emulator.stats.http_requests == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/webservice/services/Other", None, 404),
        ("PUT", SOAP_PATH, b"x", 405),
        ("POST", SOAP_PATH, b"<not-soap", 500),
        ("POST", SOAP_PATH, b"<x:Envelope xmlns:x='http://schemas.xmlsoap.org/soap/envelope/'>"
                            b"<x:Body><deleteEverything/></x:Body></x:Envelope>", 500),
    ],
)  # fmt: skip
def test_soap_refuses_what_is_not_process_oci_message(
    transport_emulator: EmulatorServer, method: str, path: str, body: bytes | None, status: int
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", transport_emulator.soap_port, timeout=5)
    conn.request(method, path, body=body)
    response = conn.getresponse()
    text = response.read()
    conn.close()
    assert response.status == status
    if status == 500:
        assert b"<faultstring>" in text


# -- SOAP sessions: bound by the sessionId, with the TCP rules -------------------------


def test_soap_session_is_bound_by_session_id(transport_emulator: EmulatorServer) -> None:
    assert b"LoginResponse22V5" in _call(transport_emulator, LOGIN, session="A")
    assert b"SystemDomainGetListResponse" in _call(transport_emulator, LIST, session="A")
    assert b"[Error 4101]" in _call(transport_emulator, LIST, session="B")
    assert b"SystemDomainGetListResponse" in _call(transport_emulator, LIST, session="A")
    logout = command("LogoutRequest", userId="admin")
    assert b"c:SuccessResponse" in _call(transport_emulator, logout, session="A")
    assert b"[Error 4101]" in _call(transport_emulator, LIST, session="A")


def test_legacy_login_over_soap_keeps_the_nonce_of_the_session(
    transport_emulator: EmulatorServer,
) -> None:
    """AuthenticationRequest and LoginRequest14sp4 arrive on different HTTP requests."""
    from orion.broadworks.codec import signed_password

    auth = _call(transport_emulator, command("AuthenticationRequest", userId="admin"),
                 session="legacy")  # fmt: skip
    nonce = auth.split(b"<nonce>")[1].split(b"</nonce>")[0].decode()
    signed = signed_password("ocip-demo-password", nonce)
    other = _call(transport_emulator,
                  command("LoginRequest14sp4", userId="admin", signedPassword=signed),
                  session="someone-else")  # fmt: skip
    assert b"ErrorResponse" in other  # the nonce belongs to the session that asked for it
    auth = _call(transport_emulator, command("AuthenticationRequest", userId="admin"),
                 session="legacy")  # fmt: skip
    nonce = auth.split(b"<nonce>")[1].split(b"</nonce>")[0].decode()
    login = command("LoginRequest14sp4", userId="admin",
                    signedPassword=signed_password("ocip-demo-password", nonce))  # fmt: skip
    assert b"LoginResponse14sp4" in _call(transport_emulator, login, session="legacy")


def test_idle_soap_session_expires_and_orion_logs_in_again(
    dev_certificate: DevCertificate,
) -> None:
    server = EmulatorServer(port=0, soap_port=0, session_idle_seconds=0.3)
    server.start_in_thread()
    try:
        assert b"LoginResponse22V5" in _call(server, LOGIN, session="idle")
        time.sleep(0.5)
        assert b"[Error 4101]" in _call(server, LIST, session="idle")
        config = transport_config(server, "soap", dev_certificate.cert_file)
        with BroadWorksClient(config) as bw:
            bw.request("SystemDomainAddRequest", domain="one.example.com")
            time.sleep(0.5)
            bw.request("SystemDomainAddRequest", domain="two.example.com")  # re-login, resend
        assert {"one.example.com", "two.example.com"} <= set(server.dump()["system_domains"])
    finally:
        server.stop()


def test_soap_sessions_count_against_the_per_user_limit() -> None:
    server = EmulatorServer(port=0, soap_port=0, max_sessions_per_user=1)
    server.start_in_thread()
    try:
        assert b"LoginResponse22V5" in _call(server, LOGIN, session="first")
        assert b"[Error 4963]" in _call(server, LOGIN, session="second")
        _call(server, command("LogoutRequest", userId="admin"), session="first")
        assert b"LoginResponse22V5" in _call(server, LOGIN, session="second")
    finally:
        server.stop()


# -- faults and the before_send hook, on every transport ----------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("fault", ["drop_next", "lose_answer_next"])
def test_faults_and_resends_over_each_transport(
    transport: str,
    fault: str,
    transport_emulator: EmulatorServer,
    dev_certificate: DevCertificate,
) -> None:
    """A dropped or lost answer: the client logs in again and resends once, calling the
    ``before_send`` hook before every document, the resend included."""
    config = transport_config(transport_emulator, transport, dev_certificate.cert_file)
    calls: list[float] = []
    with BroadWorksClient(config) as bw:
        bw.before_send = lambda: calls.append(time.monotonic())
        bw.request("SystemDomainGetListRequest")
        transport_emulator.set_faults(**{fault: 1})
        result = bw.batch([("SystemDomainAddRequest", {"domain": "resent.example.com"})])[0]
        assert len(calls) == 3  # the list, the add, the resent add (logins are not hooked)
    assert len(calls) == 4  # and the logout when the client closes
    if fault == "drop_next":
        assert result.ok
    else:  # the add ran before its answer was lost: the resend says so
        assert isinstance(result.error, OCIAlreadyExists)
    assert "resent.example.com" in transport_emulator.dump()["system_domains"]


def test_hang_over_soap_times_out(transport_emulator: EmulatorServer, dev_certificate) -> None:
    from orion.broadworks import OCITimeout

    config = transport_config(transport_emulator, "soap", dev_certificate.cert_file)
    config = BroadWorksConfig(**{**config.__dict__, "command_timeout": 0.5})
    with BroadWorksClient(config) as bw:
        bw.connect()
        transport_emulator.set_faults(hang_next=1)
        with pytest.raises(OCITimeout):
            bw.request("SystemDomainGetListRequest")
        assert bw.request("SystemDomainGetListRequest")  # a fresh connection and login


def test_allow_list_applies_to_tls_and_soap(dev_certificate: DevCertificate) -> None:
    server = EmulatorServer(
        port=0, tls_port=0, soap_port=0, allow=["10.0.0.0/8"],
        tls_cert=dev_certificate.cert_file, tls_key=dev_certificate.key_file,
    )  # fmt: skip
    server.start_in_thread()
    try:
        for transport in ("tls", "soap"):
            config = transport_config(server, transport, dev_certificate.cert_file)
            with pytest.raises((OCIConnectionError, OCIProtocolError)):
                BroadWorksClient(config).connect()
    finally:
        server.stop()


# -- the command line ---------------------------------------------------------------------


def test_cli_serves_tls_and_soap(dev_certificate: DevCertificate) -> None:
    """``orion broadworks-emulator --tls-cert ... --soap-port ...`` as ``orion run`` starts it."""
    import os
    import re
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "django", "broadworks_emulator", "--port", "0",
         "--tls-port", "0", "--tls-cert", str(dev_certificate.cert_file),
         "--tls-key", str(dev_certificate.key_file), "--soap-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "orion.settings"},
    )  # fmt: skip
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"SOAP http://127\.0\.0\.1:(\d+)/\S+, TLS 127\.0\.0\.1:(\d+)", line)
        assert match, line
        soap_port, tls_port = int(match.group(1)), int(match.group(2))
        for transport, port in (("tls", tls_port), ("soap", soap_port)):
            config = BroadWorksConfig(port=port, transport=transport,  # type: ignore[arg-type]
                                      ca_file=str(dev_certificate.cert_file))  # fmt: skip
            with BroadWorksClient(config) as bw:
                bw.request("SystemDomainAddRequest", domain=f"{transport}.example.com")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0


def test_config_ports_default_per_transport() -> None:
    env = {"ORION_BROADWORKS_TRANSPORT": "tls", "ORION_BROADWORKS_CA_FILE": "/etc/ca.pem"}
    assert BroadWorksConfig.from_env(env).port == 2209
    assert BroadWorksConfig.from_env(env).ca_file == "/etc/ca.pem"
    assert BroadWorksConfig.from_env({}).port == 2208
    soap = BroadWorksConfig.from_env({"ORION_BROADWORKS_TRANSPORT": "soap"})
    assert soap.soap_endpoint == f"http://127.0.0.1:2280{SOAP_PATH}"
    url = "https://xsp.example.net/webservice/services/ProvisioningService"
    assert BroadWorksConfig.from_env(
        {"ORION_BROADWORKS_TRANSPORT": "soap", "ORION_BROADWORKS_SOAP_URL": url}
    ).soap_endpoint == url
    with pytest.raises(ValueError, match="transport"):
        BroadWorksConfig.from_env({"ORION_BROADWORKS_TRANSPORT": "udp"})


def test_soap_over_https(dev_certificate: DevCertificate) -> None:
    """SOAP over HTTPS, as providers that publish only their Xsp's web port allow it."""
    server = EmulatorServer(
        port=0, soap_port=0, soap_tls=True,
        tls_cert=dev_certificate.cert_file, tls_key=dev_certificate.key_file,
    )  # fmt: skip
    server.start_in_thread()
    try:
        assert server.soap_url is not None and server.soap_url.startswith("https://")
        config = BroadWorksConfig(transport="soap", soap_url=server.soap_url,
                                  ca_file=str(dev_certificate.cert_file))  # fmt: skip
        with BroadWorksClient(config) as bw:
            bw.request("SystemDomainAddRequest", domain="https.example.com")
        plain = BroadWorksConfig(transport="soap", connect_timeout=2, command_timeout=2,
                                 soap_url=server.soap_url.replace("https:", "http:"))  # fmt: skip
        with pytest.raises((OCIConnectionError, OCIProtocolError)):
            BroadWorksClient(plain).connect()
    finally:
        server.stop()
    assert "https.example.com" in server.dump()["system_domains"]
