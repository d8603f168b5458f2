"""Every benchmark runs on a database of its own, never on the dev or test databases."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def bench_database_env(name: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables that point Orion at database ``name`` (created if missing).

    With ``DATABASE_URL`` the database is created on that server; otherwise the embedded
    server's database is chosen with ``ORION_DB_NAME``.
    """
    env = dict(os.environ if environ is None else environ)
    url = env.get("DATABASE_URL", "").strip()
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    else:
        env["ORION_DB_NAME"] = name
    return env


def use_bench_database(name: str, bench: str) -> None:
    """Set Django up in this process on database ``name``; refuse any other database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orion.settings")
    os.environ.update(bench_database_env(name))
    from django.conf import settings

    if settings.configured and settings.DATABASES["default"]["NAME"] != name:
        raise SystemExit(f"{bench}: Django is already set up on another database; run it "
                         f"alone: python -m bench {bench.removeprefix('bench_')}")
    import django

    from orion.db import ensure_embedded

    ensure_embedded()
    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        raise SystemExit(f"{bench}: refusing to run on {connection.settings_dict['NAME']!r}")
