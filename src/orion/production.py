"""What production refuses to start with: one clear line per problem.

Read by ``orion.settings`` before anything else happens (no database, no Django), so a web
process, a worker and ``orion check`` all stop at once and name the variable to fix, instead
of a KeyError that the CLI used to report as "cannot reach PostgreSQL".
"""

from __future__ import annotations

from collections.abc import Mapping

MIN_SECRET_KEY_LENGTH = 50
DEMO_BROADWORKS_PASSWORD = "ocip-demo-password"  # the emulator's; broadworks.config's default
CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# E-mail backends that deliver nothing: password resets and order notices would be lost.
NON_DELIVERING_EMAIL_BACKENDS = frozenset({
    CONSOLE_EMAIL_BACKEND,
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
})


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """Every reason the environment is not fit for production (empty: fit)."""
    problems = []
    secret = environ.get("ORION_SECRET_KEY", "")
    if not secret.strip():
        problems.append("ORION_SECRET_KEY is not set: give production a random secret key of "
                        f"at least {MIN_SECRET_KEY_LENGTH} characters.")
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"ORION_SECRET_KEY is too short ({len(secret)} characters): use at "
                        f"least {MIN_SECRET_KEY_LENGTH} random characters.")
    hosts = [h.strip() for h in environ.get("ORION_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        problems.append("ORION_ALLOWED_HOSTS is empty: list the host names Orion answers "
                        "(e.g. portal.example.com).")
    if environ.get("ORION_BROADWORKS_PASSWORD", DEMO_BROADWORKS_PASSWORD) \
            == DEMO_BROADWORKS_PASSWORD:
        problems.append("ORION_BROADWORKS_PASSWORD is the demo password (or unset): set the "
                        "OCI-P password of the real BroadWorks.")
    backend = environ.get("ORION_EMAIL_BACKEND", CONSOLE_EMAIL_BACKEND).strip()
    if backend in NON_DELIVERING_EMAIL_BACKENDS:
        problems.append(f"ORION_EMAIL_BACKEND is {backend.rsplit('.', 2)[-2]} (delivers "
                        "nothing): set django.core.mail.backends.smtp.EmailBackend and the "
                        "ORION_EMAIL_* settings.")
    return problems
