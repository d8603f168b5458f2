"""A self-signed development certificate for the emulator's TLS port (and https SOAP).

`orion run` makes one under the var directory on its first start and reuses it, so a
client configured with ``ORION_BROADWORKS_CA_FILE`` pointing at it keeps verifying across
restarts. The ``openssl`` command makes it (the ``cryptography`` package is not a
dependency of Orion); the certificate is its own CA, so the same file is the client's CA
file. It is for development only: production talks to BroadWorks' own certificate.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"
#: Long enough not to expire under a developer; short enough for TLS clients that cap
#: validity (825 days is the longest Apple-platform clients accept).
VALID_DAYS = 825


class CertificateError(RuntimeError):
    """The development certificate could not be made (no ``openssl``, or it failed)."""


@dataclass(frozen=True)
class DevCertificate:
    cert_file: Path
    key_file: Path


def _subject_alt_names(hosts: tuple[str, ...]) -> str:
    names: list[str] = []
    for host in ("localhost", "127.0.0.1", "::1", *hosts):
        try:
            entry = f"IP:{ipaddress.ip_address(host)}"
        except ValueError:
            entry = f"DNS:{host}"
        if entry not in names:
            names.append(entry)
    return ",".join(names)


def ensure_dev_certificate(directory: Path, *, hosts: tuple[str, ...] = ()) -> DevCertificate:
    """Return the certificate in ``directory``, making it first if it is not there.

    Written into a temporary directory and renamed into place, so a crash never leaves a
    certificate without its key; the key is readable by its owner only.
    """
    cert = DevCertificate(directory / CERT_NAME, directory / KEY_NAME)
    if cert.cert_file.is_file() and cert.key_file.is_file():
        return cert
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError("the openssl command is needed to make a development certificate")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".new-cert-") as tmp:
        tmp_cert, tmp_key = Path(tmp) / CERT_NAME, Path(tmp) / KEY_NAME
        command = [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-sha256", "-days", str(VALID_DAYS),
            "-subj", "/O=Orion development/CN=Orion BroadWorks emulator",
            "-addext", f"subjectAltName={_subject_alt_names(hosts)}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(tmp_key), "-out", str(tmp_cert),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CertificateError(f"openssl failed: {result.stderr.strip()}")
        os.chmod(tmp_key, 0o600)
        os.replace(tmp_key, cert.key_file)
        os.replace(tmp_cert, cert.cert_file)
    return cert
