"""Environment for real ``orion worker`` processes in tests: the test database and the
in-process emulator, with fast polling, heartbeats and retries."""

from __future__ import annotations

import os

from django.db import connection


def worker_env(*, host: str, port: int, command_timeout: float = 1.5,
               max_attempts: int = 40, stalled_seconds: int = 3,
               drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    name = connection.settings_dict["NAME"]  # the test database, not the dev one
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"{env['DATABASE_URL'].rsplit('/', 1)[0]}/{name}"
    else:
        env["ORION_DB_NAME"] = name
    env.update({
        "ORION_BROADWORKS_HOST": host, "ORION_BROADWORKS_PORT": str(port),
        "ORION_BROADWORKS_COMMAND_TIMEOUT": str(command_timeout),
        "ORION_BROADWORKS_CONNECT_TIMEOUT": "1",
        "ORION_PROVISIONING_BACKOFF": "1", "ORION_PROVISIONING_MAX_ATTEMPTS": str(max_attempts),
        "ORION_WORKER_HEARTBEAT_SECONDS": "1", "ORION_STALLED_JOB_SECONDS": str(stalled_seconds),
        "ORION_WORKER_POLL_SECONDS": "0.3", "ORION_LOG_LEVEL": "WARNING",
        "ORION_WORKER_LOCK_TIMEOUT_SECONDS": "5",
        "ORION_WORKER_IDLE_IN_TRANSACTION_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
    })
    return env
