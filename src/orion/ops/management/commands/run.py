"""``orion run``: the whole product under one supervisor.

Starts gunicorn for the web, plus every other process Orion has (the BroadWorks emulator when
BroadWorks is the emulator, the provisioning worker). A process that exits is started again
with a back-off (see ``orion.core.supervisor``); Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from orion.broadworks.config import DEFAULT_PORTS
from orion.broadworks.emulator.certs import DevCertificate, ensure_dev_certificate
from orion.core.supervisor import Supervisor


def emulator_certificate() -> DevCertificate:
    """The development certificate of the emulator's TLS port: made once, then reused."""
    return ensure_dev_certificate(
        settings.ORION_BROADWORKS_TLS_DIR, hosts=(settings.ORION_BROADWORKS_HOST,)
    )


def emulator_ports() -> dict[str, int]:
    """TCP, TLS and SOAP ports of the emulator; the configured transport gets the configured
    port, so Orion's client and the emulator agree whichever transport is chosen."""
    ports = dict(DEFAULT_PORTS)
    ports[settings.ORION_BROADWORKS_TRANSPORT] = settings.ORION_BROADWORKS_PORT
    return ports


def processes(*, bind: str, web_workers: int) -> dict[str, str]:
    """The Procfile of ``orion run``, as name -> command line."""
    bindir = os.path.dirname(sys.executable)
    orion = shutil.which("orion", path=bindir) or f"{sys.executable} -m orion"
    gunicorn = shutil.which("gunicorn", path=bindir) or f"{sys.executable} -m gunicorn"
    procs = {
        "web": f"{gunicorn} orion.wsgi --bind {bind} --workers {web_workers} --threads 4 "
               "--access-logfile - --timeout 60",
    }
    if "orion.broadworks" in settings.INSTALLED_APPS and settings.ORION_BROADWORKS_IS_EMULATOR:
        state = settings.VAR_DIR / "broadworks-emulator.json"
        cert = emulator_certificate()
        ports = emulator_ports()
        procs["emulator"] = (f"{orion} broadworks-emulator --host {settings.ORION_BROADWORKS_HOST}"
                             f" --port {ports['tcp']}"
                             f" --tls-port {ports['tls']} --tls-cert {cert.cert_file}"
                             f" --tls-key {cert.key_file}"
                             f" --soap-port {ports['soap']}"
                             f" --control-port {settings.ORION_EMULATOR_CONTROL_PORT}"
                             f" --state-file {state}")
    if getattr(settings, "ORION_HAS_WORKER", False):
        procs["worker"] = f"{orion} worker"
    return procs


class Command(BaseCommand):
    help = "Start web, worker and (in development) the BroadWorks emulator; Ctrl-C stops all."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=settings.ORION_BIND)
        parser.add_argument("--web-workers", type=int,
                            default=settings.ORION_WEB_WORKERS)

    def handle(self, *args: Any, bind: str, web_workers: int, **options: Any) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if settings.ORION_BROADWORKS_IS_EMULATOR and not settings.ORION_BROADWORKS_CA_FILE:
            # the worker verifies the emulator's TLS port against the development certificate
            env["ORION_BROADWORKS_CA_FILE"] = str(emulator_certificate().cert_file)
        supervisor = Supervisor(processes(bind=bind, web_workers=web_workers), env=env)
        self.stdout.write(f"Orion on http://{bind}/ (Ctrl-C stops everything)")
        sys.exit(supervisor.run())
