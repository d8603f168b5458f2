"""The emulator against the unmodified mercury-ocip-fast client, over TCP and over TLS.

mercury-ocip-fast needs Python >= 3.12 and Orion runs on 3.11, so it cannot be a dependency
of the suite's environment: the test makes a virtual environment of its own once, under
``var/interop/`` (kept between runs), installs the pinned release from the package index,
and runs ``mercury_peer.py`` there as a separate process against the emulator.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.certs import DevCertificate

MERCURY = "mercury-ocip-fast==3.0.2"
ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).with_name("mercury_peer.py")


def _python_312() -> str | None:
    found = [shutil.which(n) for n in ("python3.13", "python3.12")]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[23]*/bin/python")))
    for candidate in filter(None, found):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                               capture_output=True, text=True, timeout=30)
        if probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.fixture(scope="module")
def mercury_python() -> str:
    base = _python_312()
    if base is None:
        pytest.skip("no Python >= 3.12 on this machine for mercury-ocip-fast")
    venv = ROOT / "var" / "interop" / "mercury-ocip-fast"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import mercury_ocip_fast, importlib.metadata as m; "
             "print(m.version('mercury-ocip-fast'))"]
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=120)
    have = subprocess.run(check, capture_output=True, text=True, timeout=60)
    if have.stdout.strip() != MERCURY.split("==")[1]:
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", MERCURY],
                                 capture_output=True, text=True, timeout=300)
        assert install.returncode == 0, f"pip install {MERCURY} failed:\n{install.stderr[-2000:]}"
    return str(python)


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_mercury_provisions_and_reads_back(transport: str, mercury_python: str,
                                           transport_emulator: EmulatorServer,
                                           dev_certificate: DevCertificate) -> None:
    port = transport_emulator.port if transport == "tcp" else transport_emulator.tls_port
    host = "127.0.0.1" if transport == "tcp" else "localhost"  # the certificate's name
    env = {**os.environ, "SSL_CERT_FILE": str(dev_certificate.cert_file)}
    run = subprocess.run([mercury_python, str(PEER), host, str(port), transport, transport],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["answers"] == ["SuccessResponse"] * 3
    assert seen["group"] == {"group_name": "Mercury Group", "user_limit": 25,
                             "default_domain": f"{transport}.example"}
    assert seen["duplicate"][0] == "ErrorResponse"
    assert seen["duplicate"][1].startswith("[Error 4203] Domain already exists")
    state = transport_emulator.dump()["service_providers"][f"Mercury_{transport}"]
    group = state["groups"][f"Mercury_{transport}_G"]
    assert (group["name"], group["user_limit"]) == ("Mercury Group", 25)
