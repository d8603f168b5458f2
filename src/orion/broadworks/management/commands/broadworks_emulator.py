"""``orion broadworks-emulator``: run the OCI-P emulator, or print its state with ``--dump``.

No database: the emulator keeps its state in memory and, with ``--state-file``, in a JSON
file, so ``make run`` can start it beside a web server that is still migrating.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orion.broadworks.emulator import ControlError, EmulatorServer, FaultSettings
from orion.broadworks.emulator.control import emulator_state_dump
from orion.broadworks.emulator.server import (
    DEFAULT_MAX_SESSIONS_PER_USER,
    DEFAULT_SAVE_INTERVAL_SECONDS,
)
from orion.broadworks.emulator.state import EmulatorState


class Command(BaseCommand):
    help = "Run the BroadWorks OCI-P emulator (or --dump its state as JSON)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2208)
        parser.add_argument("--user", default=settings.ORION_EMULATOR_USER)
        parser.add_argument(
            "--password", default=settings.ORION_EMULATOR_PASSWORD
        )
        parser.add_argument(
            "--state-file",
            default=settings.ORION_EMULATOR_STATE,
            help="JSON file that keeps the state across restarts (written atomically).",
        )
        parser.add_argument(
            "--save-interval",
            type=float,
            default=DEFAULT_SAVE_INTERVAL_SECONDS,
            help="Seconds from a change to the state-file save (one save per burst; "
            "0: after every change). A clean stop always saves.",
        )
        parser.add_argument(
            "--control-port",
            type=int,
            default=settings.ORION_EMULATOR_CONTROL_PORT
            if settings.ORION_EMULATOR_CONTROL_PORT_SET
            else None,
            help="Port of the line-based JSON control interface (dump, reset, faults, stats).",
        )
        parser.add_argument(
            "--dump",
            action="store_true",
            help="Print the state as JSON: from --control-port of a running emulator, "
            "else from --state-file.",
        )
        parser.add_argument("--latency-ms", type=float, default=0.0)
        parser.add_argument("--drop-rate", type=float, default=0.0)
        parser.add_argument("--hang-rate", type=float, default=0.0)
        parser.add_argument("--transient-error-rate", type=float, default=0.0)
        parser.add_argument("--seed", type=int, default=None, help="Seed for fault dice.")
        parser.add_argument(
            "--session-idle-seconds",
            type=float,
            default=settings.ORION_EMULATOR_SESSION_IDLE,
            help="Forget a logged-in session idle this long (0: never).",
        )
        parser.add_argument(
            "--max-sessions",
            type=int,
            default=DEFAULT_MAX_SESSIONS_PER_USER,
            help="Logged-in sessions allowed per login user (0: no limit).",
        )
        parser.add_argument(
            "--allow",
            action="append",
            default=None,
            metavar="CIDR",
            help="Accept OCI-P only from these source networks (repeatable), e.g. 127.0.0.1/32.",
        )
        parser.add_argument(
            "--tls-cert", default=None, help="PEM certificate: serve OCI-P over TLS as well."
        )
        parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert.")
        parser.add_argument(
            "--tls-port", type=int, default=2209, help="Port of OCI-P over TLS (with --tls-cert)."
        )
        parser.add_argument(
            "--soap-port",
            type=int,
            default=None,
            help="Serve OCI-P over SOAP on this port at /webservice/services/ProvisioningService.",
        )
        parser.add_argument(
            "--soap-tls", action="store_true", help="Serve SOAP over https (needs --tls-cert)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dump"]:
            self.stdout.write(json.dumps(self._dump(options), indent=2, sort_keys=True))
            return
        try:
            faults = FaultSettings(
                latency_ms=options["latency_ms"],
                drop_rate=options["drop_rate"],
                hang_rate=options["hang_rate"],
                transient_error_rate=options["transient_error_rate"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        tls = bool(options["tls_cert"])
        if tls != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together")
        if options["soap_tls"] and not tls:
            raise CommandError("--soap-tls needs --tls-cert and --tls-key")
        if options["save_interval"] < 0:
            raise CommandError("--save-interval must be 0 or more seconds")
        server = EmulatorServer(
            host=options["host"],
            port=options["port"],
            username=options["user"],
            password=options["password"],
            state_file=options["state_file"],
            faults=faults,
            control_port=options["control_port"],
            seed=options["seed"],
            session_idle_seconds=options["session_idle_seconds"],
            max_sessions_per_user=options["max_sessions"],
            allow=options["allow"],
            tls_port=options["tls_port"] if tls else None,
            tls_cert=options["tls_cert"],
            tls_key=options["tls_key"],
            soap_port=options["soap_port"],
            soap_tls=options["soap_tls"],
            save_interval=options["save_interval"],
        )
        asyncio.run(self._serve(server))

    async def _serve(self, server: EmulatorServer) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.request_stop)
        task = asyncio.create_task(server.serve_forever())
        while not server.listening:
            if task.done():
                await task  # raises the bind error
            await asyncio.sleep(0.01)
        control = f", control {server.host}:{server.control_port}" if server.control_port else ""
        if server.tls_port is not None:
            control = f", TLS {server.host}:{server.tls_port}{control}"
        if server.soap_url is not None:
            control = f", SOAP {server.soap_url}{control}"
        state = f", state {server.state_file}" if server.state_file else ", state in memory"
        self.stdout.write(
            f"BroadWorks OCI-P emulator on {server.host}:{server.port}{control}{state}",
        )
        self.stdout.flush()
        await task

    def _dump(self, options: dict[str, Any]) -> dict[str, Any]:
        if options["control_port"] is not None:
            try:
                return emulator_state_dump(options["host"], options["control_port"])
            except ControlError as exc:
                if not options["state_file"]:
                    raise CommandError(str(exc)) from exc
        if options["state_file"]:
            return EmulatorState.load(Path(options["state_file"])).to_dict()
        raise CommandError("--dump needs --control-port (running emulator) or --state-file")
