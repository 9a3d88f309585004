"""Settings for childindex, driven by environment variables (one module for every mode).

CHILDINDEX_MODE selects the defaults:

- ``production`` (the default): DEBUG off, a real secret required, secure cookies, HSTS.
- ``demo``: the embedded SQLite demo on 127.0.0.1 (plain HTTP, so cookies are not "secure").
- ``test``: the test suite.

DATABASE_URL selects the database (PostgreSQL in production); SQLite in ``var/`` when unset.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("CHILDINDEX_VAR_DIR", PROJECT_DIR / "var"))
NODE_MODULES = Path(os.environ.get("CHILDINDEX_NODE_MODULES", PROJECT_DIR / "node_modules"))

MODE = os.environ.get("CHILDINDEX_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"CHILDINDEX_MODE must be production, demo or test, not {MODE!r}")
PRODUCTION = MODE == "production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def _env_path(name: str, default: Path | None) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else default


DEBUG = _env_bool("CHILDINDEX_DEBUG", False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured(
        "CHILDINDEX_DEBUG=true is refused in production mode: debug pages show settings and "
        "data to anyone who causes an error (set CHILDINDEX_MODE=demo to debug on the demo)"
    )

SECRET_KEY = os.environ.get("CHILDINDEX_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "CHILDINDEX_SECRET_KEY must be set in production "
            "(a long random string; or set CHILDINDEX_MODE=demo for the demo)"
        )
    SECRET_KEY = "insecure-" + MODE + "-only-key-never-used-in-production-0123456789abcdef"
elif PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("CHILDINDEX_SECRET_KEY must be at least 50 characters long")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "CHILDINDEX_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "childindex.core",
    "childindex.directory",
    "childindex.access",
    "childindex.records",
    "childindex.consent",
    "childindex.audit",
    "childindex.monitoring",
    "childindex.sources",
    "childindex.synthetic",
    "childindex.notifications",
    "childindex.reports",
    "childindex.web",
    "oauth2_provider",
    "childindex.fhir",
    "django_tasks_db",
]

MIDDLEWARE = [
    "childindex.audit.middleware.RequestContextMiddleware",
    "childindex.web.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "childindex.core.routers.ReplicaPinMiddleware",
    "childindex.access.middleware.SessionLimitsMiddleware",
    "childindex.web.middleware.SignedInMarkerMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "childindex.web.middleware.AccessRuleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "childindex.config.urls"
WSGI_APPLICATION = "childindex.config.wsgi.application"

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
                "django.template.context_processors.csp",
                "childindex.web.context_processors.service",
                "childindex.web.context_processors.navigation",
            ],
        },
    },
]


# --- Database ---------------------------------------------------------------------------------
def _parse_database_url(url: str) -> dict[str, Any]:
    """dj-database-url, plus libpq's several hosts (``postgres://u@h1:p1,h2:p2/db?
    target_session_attrs=read-write``): the connection goes to whichever is the primary."""
    scheme, sep, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if "," not in netloc:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    hosts, ports = [], []
    for part in netloc.split(","):
        host, _, port = part.partition(":")
        hosts.append(host)
        ports.append(port or "5432")
    config = dict(
        dj_database_url.parse(
            url.replace(netloc, f"{hosts[0]}:{ports[0]}", 1),
            conn_max_age=60,
            conn_health_checks=True,
        )
    )
    config["HOST"], config["PORT"] = ",".join(hosts), ",".join(ports)
    return config


def _prepared_statements() -> dict[str, Any]:
    """PostgreSQL: parameters bound by the server, and psycopg's prepared statements, so that
    a statement run again on a connection (the session, the user, the two-factor device, the
    audit append, the search) is parsed and planned once, not at every request (ADR 0015).
    ``CHILDINDEX_DB_PREPARED=false`` turns both off (Django's default: parameters merged into
    the SQL by the client), for a connection pooler in transaction mode that cannot keep
    prepared statements (PgBouncer before 1.21)."""
    if not _env_bool("CHILDINDEX_DB_PREPARED", True):
        return {}
    # The second run of a statement on a connection prepares it (psycopg keeps the last 100).
    return {"server_side_binding": True, "prepare_threshold": 1}


_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    try:
        _db = _parse_database_url(_database_url)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from exc
    if _db.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// (production) or sqlite:// URL"
        )
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable server is reported in seconds, not after the operating system's timeout.
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        _db["OPTIONS"].update(_prepared_statements())
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "childindex.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        },
    }
DATABASES = {"default": _db}
# Read replicas (PostgreSQL streaming standbys): comma-separated postgres:// URLs. Selectors that
# only read use them through ``childindex.core.routers.ReplicaRouter``; every write, and every
# read after a write in the same request, goes to ``default`` (docs/operations.md).
REPLICA_DATABASES: list[str] = []
for _number, _replica_url in enumerate(
    u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()
):
    if not _database_url:
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL (the primary)")
    try:
        _replica: dict[str, Any] = dict(
            dj_database_url.parse(_replica_url, conn_max_age=60, conn_health_checks=True)
        )
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS has an unusable URL: {exc}") from exc
    if _replica.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must be postgres:// URLs")
    _replica.setdefault("OPTIONS", {})["connect_timeout"] = 2
    _replica["OPTIONS"].update(_prepared_statements())
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number + 1}"] = _replica
    REPLICA_DATABASES.append(f"replica{_number + 1}")
DATABASE_ROUTERS = ["childindex.core.routers.ReplicaRouter"] if REPLICA_DATABASES else []
# A replica further behind the primary than this is not used (reads go to the primary).
REPLICA_MAX_LAG_SECONDS = _env_int("CHILDINDEX_REPLICA_MAX_LAG_SECONDS", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: the per-user search limits' counters (access.search_limits) ------------------------
# A table in the database (made by migration access.0004), so every worker process shares the
# counts; the test suite uses each process's memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if MODE == "test"
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "childindex_cache",
            # Two counters per user searching today: never cull live ones (the default, 300
            # entries, would drop counts and so lift limits).
            "OPTIONS": {"MAX_ENTRIES": 2_000_000, "CULL_FREQUENCY": 10},
        }
    )
}

# --- Identity -------------------------------------------------------------------------------
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:sign-in"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after 15 minutes without a request (the session row's expiry, renewed as the
# user works) and, whatever the activity, 10 hours after sign-in (a working day); both are
# enforced server-side by access.middleware.SessionLimitsMiddleware. Sign-in rotates the key.
SESSION_IDLE_SECONDS = 15 * 60
SESSION_ABSOLUTE_SECONDS = 10 * 60 * 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "__Host-childindex-session" if PRODUCTION else "childindex-session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-childindex-csrf" if PRODUCTION else "childindex-csrf"
CSRF_FAILURE_VIEW = "childindex.web.views.account.csrf_failure"

AUTHENTICATION_BACKENDS = [
    # Throttles repeated failures before any password is checked (see AXES_* below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Throttling repeated sign-in failures (django-axes) -------------------------------------------
# Five failures lock out that username *from that address* for 15 minutes, never for good: an
# attacker elsewhere cannot lock a practitioner out of their own desk. The same message and code
# path answer for an unknown username and a wrong password (no user enumeration).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Also five failures from one address across any usernames (password spraying) lock out that
# address for the same 15 minutes; a successful sign-in from it clears its count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "childindex.web.views.account.locked_out"
AXES_CLIENT_IP_CALLABLE = "childindex.access.client_ip.client_ip"
AXES_VERBOSE = False  # axes would log usernames and addresses; sign-ins go to the audit trail
AXES_ENABLE_ADMIN = False

# --- Two-factor authentication (django-otp: TOTP, and single-use recovery codes) ----------------
OTP_TOTP_ISSUER = "childindex"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try
# A code one 30-second step either side of now is accepted (phone clocks and typing take time),
# and that never moves the device's clock: with sync on, accepted future codes ratcheted the
# drift until the codes the app shows now failed.
OTP_TOTP_SYNC = False
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10
# An override lasts while the user stays on that record, and a refresh after 5 minutes asks again.
SHIELD_OVERRIDE_SECONDS = 5 * 60

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "frame-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("CHILDINDEX_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Static files: GOV.UK Frontend from npm (node_modules), never copied into the repository --
GOVUK_FRONTEND_DIST = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
STATIC_URL = "/assets/"
STATIC_ROOT = Path(os.environ.get("CHILDINDEX_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [
    # GOV.UK Frontend's compiled CSS refers to /assets/fonts and /assets/images.
    GOVUK_FRONTEND_DIST / "assets",
    ("govuk", GOVUK_FRONTEND_DIST),
]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"

SERVICE_NAME = "Find the team around a child"
DEMO_DATA = MODE != "production" or _env_bool("CHILDINDEX_SYNTHETIC_DATA", False)

# --- Audit trail: signed checkpoints outside the database (docs/operations.md) -----------------
# The checkpoint folder and the signing key live outside the database and its backups. The
# demo keeps both in var/ and makes the key on first use; production must set them.
AUDIT_CHECKPOINT_DIR = _env_path(
    "CHILDINDEX_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints" if MODE == "demo" else None
)
AUDIT_SIGNING_KEY = _env_path(
    "CHILDINDEX_AUDIT_SIGNING_KEY", VAR_DIR / "audit-signing-key.pem" if MODE == "demo" else None
)
AUDIT_SIGNING_KEY_AUTOCREATE = MODE == "demo"
AUDIT_PUBLIC_KEYS = [
    Path(p.strip())
    for p in os.environ.get("CHILDINDEX_AUDIT_PUBLIC_KEYS", "").split(",")
    if p.strip()
] or ([AUDIT_SIGNING_KEY.with_name(AUDIT_SIGNING_KEY.name + ".pub")] if AUDIT_SIGNING_KEY else [])
# The witness: the furthest checkpoint written or verified, kept outside the database and the
# checkpoint folder (one path, or several comma-separated: a second copy on other storage).
AUDIT_WITNESS_FILES = [
    Path(p.strip()) for p in os.environ.get("CHILDINDEX_AUDIT_WITNESS", "").split(",") if p.strip()
] or ([VAR_DIR / "audit-witness.json"] if MODE == "demo" else [])
AUDIT_CHECKPOINT_EVERY = _env_int("CHILDINDEX_AUDIT_CHECKPOINT_EVERY", 1000)
AUDIT_CHECKPOINT_MINUTES = _env_int("CHILDINDEX_AUDIT_CHECKPOINT_MINUTES", 5, minimum=1)
# The reports' stored counts (coverage, planning, the data quality summary) are counted again
# by the clock when older than this, and after each import (reports.counts).
REPORT_COUNTS_MINUTES = _env_int("CHILDINDEX_REPORT_COUNTS_MINUTES", 60, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: the peer address).
# The one setting for the client address: the audit trail, throttling and axes all read it
# (audit.middleware.client_address).
AUDIT_TRUSTED_PROXIES = _env_int("CHILDINDEX_TRUSTED_PROXIES", 0)

# --- Background jobs: django.tasks, stored in the database and run by `childindex db_worker` --
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if MODE == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# A RUNNING job is requeued only when its worker's lock is free and it was claimed longer ago
# than this (childindex.core.jobs).
JOB_CLAIM_GRACE_SECONDS = _env_int("CHILDINDEX_JOB_CLAIM_GRACE_SECONDS", 60, minimum=1)

# --- E-mail (notifications): SMTP in production, files in var/mail for the demo ---------------
if PRODUCTION or os.environ.get("CHILDINDEX_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("CHILDINDEX_EMAIL_HOST", "localhost"),
                "port": _env_int("CHILDINDEX_EMAIL_PORT", 25),
                "username": os.environ.get("CHILDINDEX_EMAIL_USER", ""),
                "password": os.environ.get("CHILDINDEX_EMAIL_PASSWORD", ""),
                "use_tls": _env_bool("CHILDINDEX_EMAIL_TLS", PRODUCTION),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
# Operators told by e-mail when the audit trail's checkpoints cannot be written.
ADMINS = [
    a.strip() for a in os.environ.get("CHILDINDEX_OPERATOR_EMAILS", "").split(",") if a.strip()
]
SERVER_EMAIL = os.environ.get("CHILDINDEX_FROM_EMAIL", "childindex@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("CHILDINDEX_FROM_EMAIL", "childindex@localhost")
# The address people use to reach the service: links in e-mails point here.
SITE_URL = os.environ.get("CHILDINDEX_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Logging: no personal data. Requests are logged by path only; no query strings; each line
# carries the request id (never the client address). ------------------------------------------
# CHILDINDEX_LOG_FORMAT: ``json`` (one JSON object a line, the default in production and under
# `childindex serve`) or ``plain``. Request lines name the URL's route, never its path.
LOG_FORMAT = os.environ.get("CHILDINDEX_LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"CHILDINDEX_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "childindex.audit.logging.RequestIdFilter"},
        "no_paths": {"()": "childindex.audit.logging.NoPathFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "no_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CHILDINDEX_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "gunicorn.error": {"level": "INFO", "propagate": True},
        "gunicorn.access": {"level": "WARNING", "propagate": True},  # our request log instead
        "axes": {"level": "ERROR"},  # sign-in attempts are audit events, not log lines
    },
}


# --- The FHIR API (issue 12): OAuth2 client credentials with django-oauth-toolkit -------------
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "childindex.fhir.scopes.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_GRANT_TYPES": ["client_credentials"],
    # RFC 9700 (OAuth 2.0 Security BCP): the compliant behaviour throughout. Only the client
    # credentials grant is used; tokens never in a query string and never stored in plaintext.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
