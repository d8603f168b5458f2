"""The ``orion`` console command: Django's manage.py, with Orion's own commands beside it.

``orion migrate``, ``orion createsuperuser`` and every other Django command work as usual;
hyphenated names map to Orion's commands (``orion broadworks-emulator`` runs
``broadworks_emulator``). A database that cannot be reached gives one clear line, not a
traceback.
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured

# Commands that must work without a database.
NO_DATABASE = {"help", "--help", "-h", "version", "--version", "broadworks_emulator", "db",
               "collectstatic", "check", "run", "startapp"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orion.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "orion"
    command = argv[1] if len(argv) > 1 else "help"
    try:
        if command not in NO_DATABASE:  # ``orion db status`` reports; it never starts one
            from orion.db import ensure_embedded

            ensure_embedded()
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        _die_configuration(exc)
    except Exception as exc:
        _die_database(exc)
    if command not in NO_DATABASE:
        from django.db import OperationalError, connection

        try:
            connection.ensure_connection()
        except OperationalError as exc:
            _die_database(exc)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def _die_configuration(exc: ImproperlyConfigured) -> None:
    """A setting is wrong (production refusals, a bad throttle rate): say which, one line
    each, no traceback."""
    for line in str(exc).strip().splitlines() or ["the settings are not valid"]:
        print(f"orion: {line}", file=sys.stderr)
    raise SystemExit(1)


def _die_database(exc: BaseException) -> None:
    from orion.db import describe

    where = "the embedded PostgreSQL" if not os.environ.get("DATABASE_URL") else None
    if where is None:
        import dj_database_url

        where = describe(dj_database_url.parse(os.environ["DATABASE_URL"]))
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    print(f"orion: cannot reach PostgreSQL at {where}: {first}", file=sys.stderr)
    raise SystemExit(1)


if __name__ == "__main__":
    main()
