"""Frontdesk settings: one module, configured only through environment variables.

See docs/configuration.md for every variable. The defaults give the embedded profile: a SQLite
database and generated secrets in ``FRONTDESK_DATA_DIR`` (``./data``), nothing else to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from frontdesk.core.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_optional_secret,
    env_rate,
    env_secret,
    env_str,
    require_together,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("FRONTDESK_DATA_DIR", "data")).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", data_dir=DATA_DIR, filename="secret_key")
JWT_SECRET_KEY = env_secret("FRONTDESK_JWT_SECRET", data_dir=DATA_DIR, filename="jwt_secret")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",  # only for its local Swagger UI assets at /api/ticketing/docs (no CDN)
    "frontdesk.core",
    "frontdesk.accounts",
    "frontdesk.tickets",
    "frontdesk.supportme",
    "frontdesk.web",
    "frontdesk.live",
    "frontdesk.sla",
    "frontdesk.fields",
    "frontdesk.teams",
    "frontdesk.replies",
    "frontdesk.mail",
    "frontdesk.notifications",
    "frontdesk.automations",
    "frontdesk.timelog",
    "frontdesk.satisfaction",
    "frontdesk.following",
    "frontdesk.kb",
    "frontdesk.importers",
    "frontdesk.privacy",
    "frontdesk.reports",
    "frontdesk.webhooks",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    # Outermost: the request id, the access line and the latency metric (core/request_log.py).
    "frontdesk.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "frontdesk.core.middleware.SecureCookiesMiddleware",
    "frontdesk.core.middleware.ActivitySessionMiddleware",
    # The visitor's language from Accept-Language (else LANGUAGE_CODE); a signed-in user's
    # own choice wins (accounts/middleware.py, UserLanguageMiddleware): docs/configuration.md.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "frontdesk.accounts.middleware.BearerAwareAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "frontdesk.accounts.middleware.SessionTimeoutMiddleware",
    "frontdesk.accounts.middleware.TimeZoneMiddleware",
    "frontdesk.accounts.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "frontdesk.urls"
WSGI_APPLICATION = "frontdesk.wsgi.application"
APPEND_SLASH = False  # the SupportMe paths have no trailing slash and must not redirect

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "frontdesk.web.context_processors.user_read",
                "django.contrib.messages.context_processors.messages",
                "frontdesk.live.context_processors.live_status",
            ],
        },
    },
    {
        # The pages' hot regions (the workspace's list, a ticket's conversation and sidebar),
        # included by their Django templates with {% jinja %}: docs/decisions.md.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "frontdesk.web.jinja2env.environment"},
    },
]


def _database_from_url(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Django's SQLite backend, with writers served in order of arrival instead of in
        # SQLite's busy handler (frontdesk/core/sqlite/writers.py says why).
        config["ENGINE"] = "frontdesk.core.sqlite"
        config["OPTIONS"] = {
            # WAL lets readers run beside the one writer; synchronous=FULL makes every
            # acknowledged commit durable across a crash or power loss.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
            # Take the write lock at BEGIN, so a writer waits on the busy timeout instead
            # of failing with "database is locked" when it upgrades a read transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("FRONTDESK_SQLITE_TIMEOUT", 30, minimum=1),
        }
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    postgresql = config["ENGINE"] == "django.db.backends.postgresql"
    if postgresql and env_bool("DATABASE_PREPARE", True):
        # Values sent apart from the SQL (server-side binding), and a statement run a few
        # times on a connection prepared there, so PostgreSQL stops planning it on every
        # request; searches excepted (frontdesk/core/postgresql/base.py, decision 85). Off
        # for a pooler in transaction mode that cannot keep prepared statements.
        config["ENGINE"] = "frontdesk.core.postgresql"
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,  # psycopg's own default: the sixth run is prepared
        }
    if postgresql and env_bool("DATABASE_POOL", True):
        # A pool per process (psycopg_pool): a request borrows a connection and gives it back,
        # so N threads share a few connections instead of holding one each.
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=0),
                "max_size": env_int("DATABASE_POOL_MAX", 16, minimum=1),
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
            },
        }
        config["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not as well
        return config
    # Keep connections open across requests (each server thread has its own): opening one
    # per request, as the seed did, costs more than the queries themselves.
    config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'frontdesk.sqlite3'}")
DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["frontdesk.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "frontdesk.accounts.hashers.Argon2idHasher",
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/home"

# Single sign-on through an OpenID Connect provider (accounts/oidc.py, accounts/sso.py,
# docs/sso.md): on once a client id is set. The provider's endpoints are given, not discovered,
# so a start never waits on the provider.
OIDC_RP_CLIENT_ID = env_str("FRONTDESK_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_optional_secret("FRONTDESK_OIDC_CLIENT_SECRET")
FRONTDESK_OIDC_ISSUER = env_str("FRONTDESK_OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("FRONTDESK_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("FRONTDESK_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("FRONTDESK_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("FRONTDESK_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("FRONTDESK_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("FRONTDESK_OIDC_SCOPES", "openid email profile")
FRONTDESK_OIDC_NAME = env_str("FRONTDESK_OIDC_NAME", "single sign-on")
FRONTDESK_OIDC_ROLE_CLAIM = env_str("FRONTDESK_OIDC_ROLE_CLAIM", "groups")
FRONTDESK_OIDC_ADMIN_VALUES = env_list("FRONTDESK_OIDC_ADMIN_GROUPS", [])
FRONTDESK_OIDC_AGENT_VALUES = env_list("FRONTDESK_OIDC_AGENT_GROUPS", [])
FRONTDESK_OIDC_CUSTOMERS = env_bool("FRONTDESK_OIDC_CUSTOMERS", False)
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("FRONTDESK_OIDC_TIMEOUT", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/login"
if OIDC_RP_CLIENT_ID:
    require_together(
        "FRONTDESK_OIDC_CLIENT_ID",
        {
            "FRONTDESK_OIDC_ISSUER": FRONTDESK_OIDC_ISSUER,
            "FRONTDESK_OIDC_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
            "FRONTDESK_OIDC_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
            "FRONTDESK_OIDC_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
            "FRONTDESK_OIDC_USERINFO_ENDPOINT": OIDC_OP_USER_ENDPOINT,
            "FRONTDESK_OIDC_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
        },
    )
if OIDC_RP_SIGN_ALGO not in {"RS256", "ES256", "HS256"}:
    raise ConfigError(
        f"FRONTDESK_OIDC_SIGN_ALGO is RS256, ES256 or HS256, not {OIDC_RP_SIGN_ALGO!r}"
    )
AUTHENTICATION_BACKENDS.append("frontdesk.accounts.oidc.OidcBackend")

# Staff sign-in with their directory password (accounts/directory.py, docs/sso.md): on once a
# server is set; needs the ldap extra. Group DNs hold commas, so the lists are split on ";".
FRONTDESK_LDAP_SERVER_URI = env_str("FRONTDESK_LDAP_SERVER_URI", "")
FRONTDESK_LDAP_BIND_DN = env_str("FRONTDESK_LDAP_BIND_DN", "")
FRONTDESK_LDAP_BIND_PASSWORD = env_optional_secret("FRONTDESK_LDAP_BIND_PASSWORD")
FRONTDESK_LDAP_START_TLS = env_bool("FRONTDESK_LDAP_START_TLS", False)
FRONTDESK_LDAP_TIMEOUT = env_int("FRONTDESK_LDAP_TIMEOUT", 5, minimum=1)
FRONTDESK_LDAP_USER_BASE = env_str("FRONTDESK_LDAP_USER_BASE", "")
FRONTDESK_LDAP_USER_FILTER = env_str("FRONTDESK_LDAP_USER_FILTER", "(uid=%(user)s)")
FRONTDESK_LDAP_EMAIL_ATTRIBUTE = env_str("FRONTDESK_LDAP_EMAIL_ATTRIBUTE", "mail")
FRONTDESK_LDAP_GROUP_BASE = env_str("FRONTDESK_LDAP_GROUP_BASE", "")
FRONTDESK_LDAP_GROUP_FILTER = env_str("FRONTDESK_LDAP_GROUP_FILTER", "(objectClass=groupOfNames)")
FRONTDESK_LDAP_GROUP_MEMBER_ATTRIBUTE = env_str("FRONTDESK_LDAP_GROUP_MEMBER_ATTRIBUTE", "member")
FRONTDESK_LDAP_AGENT_GROUPS = env_list("FRONTDESK_LDAP_AGENT_GROUPS", [], separator=";")
FRONTDESK_LDAP_ADMIN_GROUPS = env_list("FRONTDESK_LDAP_ADMIN_GROUPS", [], separator=";")
if FRONTDESK_LDAP_SERVER_URI:
    require_together(
        "FRONTDESK_LDAP_SERVER_URI",
        {
            "FRONTDESK_LDAP_USER_BASE": FRONTDESK_LDAP_USER_BASE,
            "FRONTDESK_LDAP_GROUP_BASE": FRONTDESK_LDAP_GROUP_BASE,
            "FRONTDESK_LDAP_AGENT_GROUPS or FRONTDESK_LDAP_ADMIN_GROUPS": (
                FRONTDESK_LDAP_AGENT_GROUPS or FRONTDESK_LDAP_ADMIN_GROUPS
            ),
        },
    )
    try:
        import django_auth_ldap  # noqa: F401
    except ImportError:
        raise ConfigError(
            "FRONTDESK_LDAP_SERVER_URI needs the ldap extra: pip install 'frontdesk[ldap]'"
        ) from None

# Redis (optional): with REDIS_URL set, the cache (rate limits, presence), live-update fan-out
# and the job queue are shared by every process on every host. Without it, they live in this
# process (cache, fan-out) and in the data directory (jobs): the embedded, one-process profile.
REDIS_URL = env_str("REDIS_URL", "")
# Every key and channel starts with this, so several installations can share one Redis.
FRONTDESK_REDIS_PREFIX = env_str("FRONTDESK_REDIS_PREFIX", "frontdesk")
# A Redis call gives up after this long, and after a failure Redis is left alone for
# FRONTDESK_REDIS_RETRY_SECONDS (core/breaker.py): a dead or hung Redis costs a request at most
# one short wait per process and incident, never one per call.
FRONTDESK_REDIS_TIMEOUT = env_int("FRONTDESK_REDIS_TIMEOUT_MS", 500, minimum=10) / 1000
FRONTDESK_REDIS_RETRY_SECONDS = env_int("FRONTDESK_REDIS_RETRY_SECONDS", 5, minimum=1)
REDIS_SOCKET_OPTIONS = {
    "socket_timeout": FRONTDESK_REDIS_TIMEOUT,
    "socket_connect_timeout": FRONTDESK_REDIS_TIMEOUT,
}
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, falling back to this process's memory while Redis is away.
            "BACKEND": "frontdesk.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": FRONTDESK_REDIS_PREFIX,
            "OPTIONS": REDIS_SOCKET_OPTIONS,
        }
    }

# Background jobs (Huey): Redis when REDIS_URL is set, else a SQLite file in the data directory.
# `frontdesk serve` runs a worker beside the server unless told not to; `frontdesk worker` runs
# more anywhere. FRONTDESK_JOBS_IMMEDIATE runs each job at once, in the caller (tests).
HUEY = {
    "name": FRONTDESK_REDIS_PREFIX,
    "immediate": env_bool("FRONTDESK_JOBS_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": env_int("FRONTDESK_WORKER_THREADS", 2, minimum=1)},
    **(
        {
            "huey_class": "frontdesk.core.jobs.GuardedRedisHuey",
            "connection": {"url": REDIS_URL},
        }
        if REDIS_URL
        else {
            "huey_class": "frontdesk.core.jobs.LocalHuey",
            "filename": str(DATA_DIR / "jobs.sqlite3"),
        }
    ),
}

# Live updates: a stream lasts this long before the browser reconnects (and is re-checked);
# a comment line every heartbeat keeps idle proxies from closing it.
FRONTDESK_LIVE_STREAM_SECONDS = env_int("FRONTDESK_LIVE_STREAM_SECONDS", 300, minimum=1)
FRONTDESK_LIVE_HEARTBEAT_SECONDS = env_int("FRONTDESK_LIVE_HEARTBEAT_SECONDS", 15, minimum=1)

# The SupportMe contract: JWT bearer tokens that expire 24 hours after they are issued.
JWT_LIFETIME_SECONDS = env_int("FRONTDESK_JWT_LIFETIME", 86400, minimum=60)

# Django's database sessions with their read compiled once (accounts/session_store.py).
SESSION_ENGINE = "frontdesk.accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("FRONTDESK_SESSION_TIMEOUT", 1800, minimum=60)
# Saved (and the cookie renewed) when the session changes; the activity stamp that rolls the
# deadline changes at most every 15 s (accounts/sessions.py), not on every page view.
SESSION_SAVE_EVERY_REQUEST = False
# Server-side inactivity deadline (accounts/middleware.py) and the page's warning before it.
FRONTDESK_SESSION_TIMEOUT = SESSION_COOKIE_AGE
FRONTDESK_SESSION_WARNING = env_int("FRONTDESK_SESSION_WARNING", 300, minimum=0)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a proxy, X-Forwarded-Proto says HTTPS and X-Forwarded-For names the client.
FRONTDESK_BEHIND_PROXY = env_bool("FRONTDESK_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if FRONTDESK_BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"  # visitors whose browser asks for no language we have; mail without a choice
# The languages the pages and mail are written in (docs/translating.md); no URL prefixes.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None  # WhiteNoise serves from the apps (finders); no collectstatic step
WHITENOISE_USE_FINDERS = True  # serve straight from the apps: `serve` needs no collectstatic
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "attachments"
STORAGES = {
    # Written under a temporary name and renamed into place: a failed write leaves no file.
    "default": {"BACKEND": "frontdesk.core.uploads.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments: files live under MEDIA_ROOT with random names and are only ever served by the
# permission-checked download view (MEDIA_URL stays unset on purpose).
FRONTDESK_ATTACHMENT_MAX_BYTES = env_int(
    "FRONTDESK_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=1
)
FRONTDESK_ATTACHMENTS_PER_MESSAGE = env_int("FRONTDESK_ATTACHMENTS_PER_MESSAGE", 10, minimum=1)
# A file over the limit is counted to the end but no longer written to disk (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "frontdesk.core.uploads.CappedTemporaryFileUploadHandler",
]

# Rate limits (core/ratelimit.py), counted in Django's cache (per process with the default
# locmem cache). A count of 0 turns a limit off. See docs/security.md.
FRONTDESK_RATE_LIMITS = {
    "sign_in_ip": env_rate("FRONTDESK_RATE_SIGN_IN_IP", "10/minute"),
    "sign_in_username": env_rate("FRONTDESK_RATE_SIGN_IN_USERNAME", "5/minute"),
    "register_ip": env_rate("FRONTDESK_RATE_REGISTER_IP", "5/hour"),
    "ticket_open_user": env_rate("FRONTDESK_RATE_TICKET_OPEN", "20/hour"),
    "api_user": env_rate("FRONTDESK_RATE_API", "600/minute"),
}
# How many active tickets a customer may have at once (0: no cap); agents opening a ticket on
# a customer's behalf are not capped.
FRONTDESK_MAX_OPEN_TICKETS = env_int("FRONTDESK_MAX_OPEN_TICKETS", 10, minimum=0)

# Mail out (Django's own names). Without EMAIL_HOST nothing leaves the machine: every mail is
# written as an .eml file into the data directory, and `serve` says so at start-up.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_optional_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Frontdesk <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = DATA_DIR / "mail-out"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "frontdesk.notifications.backends.EmlFileBackend"
)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both true; choose one: EMAIL_USE_TLS for STARTTLS "
        "(usually port 587), EMAIL_USE_SSL for TLS from the start (usually port 465)."
    )
# Attempts per mail before it is marked failed (the waits between them grow: 1, 2, 4 ... minutes).
FRONTDESK_MAIL_ATTEMPTS = env_int("FRONTDESK_MAIL_ATTEMPTS", 8, minimum=1)
# Mail in: the addresses the desk answers to (the SMTP intake accepts only these; the first is
# the base of every signed reply address), and the mailboxes the worker polls.
FRONTDESK_SUPPORT_ADDRESSES = env_list("FRONTDESK_SUPPORT_ADDRESSES", [])
FRONTDESK_IMAP_URLS = env_str("FRONTDESK_IMAP_URL", "").split()
# Links in mail point here (the address people use to reach the pages).
FRONTDESK_SITE_URL = env_str("FRONTDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Logs: plain lines by default, JSON lines (one object per record, with the request id) with
# FRONTDESK_LOG_FORMAT=json. Every record carries the id of the request, or of the request
# that queued the job, it belongs to (core/request_id.py); each request writes one access line
# (core/request_log.py) unless FRONTDESK_ACCESS_LOG is false.
FRONTDESK_LOG_FORMAT = env_str("FRONTDESK_LOG_FORMAT", "plain").lower()
if FRONTDESK_LOG_FORMAT not in ("plain", "json"):
    raise ConfigError(f"FRONTDESK_LOG_FORMAT is plain or json, not {FRONTDESK_LOG_FORMAT!r}")
FRONTDESK_ACCESS_LOG = env_bool("FRONTDESK_ACCESS_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "frontdesk.core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": FRONTDESK_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# USERNAME_FIELD is unique case-insensitively through a functional constraint (Lower), which
# Django's check cannot see. An index's INCLUDE columns are for PostgreSQL's index-only scans;
# SQLite leaves them out, and its indexes hold the row's id anyway (tickets/models.py,
# ticket_requester_gate_idx): its warning said so at every `frontdesk migrate`.
SILENCED_SYSTEM_CHECKS = ["auth.W004", "models.W040"]

# Mail in: the largest mail accepted (the SMTP intake announces it and refuses more; larger ones
# from other intakes are quarantined, raw kept, and the sender is told once a day), and how often
# the worker polls each IMAP folder (its job runs every minute, so less than 60 means every
# minute; `frontdesk mail-poll` loops at any interval). docs/email.md.
FRONTDESK_MAIL_MAX_BYTES = env_int("FRONTDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
FRONTDESK_IMAP_POLL_SECONDS = env_int("FRONTDESK_IMAP_POLL_SECONDS", 60, minimum=1)

# Notifications: at most this many mails to one address in 24 hours (0: no cap), so that a
# flood, a loop or a runaway rule cannot bury someone's mailbox (notifications/rules.py).
FRONTDESK_MAIL_PER_ADDRESS_PER_DAY = env_int("FRONTDESK_MAIL_PER_ADDRESS_PER_DAY", 50, minimum=0)
# A customer's mail to the desk with other people in To or Cc copies them on the ticket (CC).
FRONTDESK_MAIL_CC_FROM_HEADERS = env_bool("FRONTDESK_MAIL_CC_FROM_HEADERS", False)

# Customer satisfaction (satisfaction/): one survey per ticket once it is resolved, by mail and
# on the ticket's page; its links work for this many days (docs/workflow.md).
FRONTDESK_SATISFACTION_SURVEYS = env_bool("FRONTDESK_SATISFACTION_SURVEYS", True)
FRONTDESK_SATISFACTION_LINK_DAYS = env_int("FRONTDESK_SATISFACTION_LINK_DAYS", 30, minimum=1)

# Webhooks (webhooks/, docs/webhooks.md): destinations that resolve to loopback, private,
# link-local (metadata) or other non-public addresses are refused unless this is on, for a
# closed network; each attempt waits at most this many seconds to connect and to read.
FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = env_bool("FRONTDESK_WEBHOOKS_ALLOW_PRIVATE", False)
FRONTDESK_WEBHOOKS_TIMEOUT_SECONDS = env_int("FRONTDESK_WEBHOOKS_TIMEOUT_SECONDS", 5, minimum=1)

# Two-factor authentication (accounts/two_factor.py, docs/security.md). The roles listed here
# ("agent", "admin") must turn it on: until they do, every page sends them to enrolment.
FRONTDESK_2FA_REQUIRED_FOR = env_list("FRONTDESK_2FA_REQUIRED_FOR", [])
_unknown_2fa_roles = sorted(set(FRONTDESK_2FA_REQUIRED_FOR) - {"customer", "agent", "admin"})
if _unknown_2fa_roles:
    raise ConfigError(
        "FRONTDESK_2FA_REQUIRED_FOR lists roles (customer, agent, admin), "
        f"not {', '.join(_unknown_2fa_roles)}"
    )
# Wrong codes per account (sign-in second step on every face, turning it off): only
# failures count; 0 turns the limit off.
FRONTDESK_RATE_LIMITS["two_factor_user"] = env_rate("FRONTDESK_RATE_TWO_FACTOR", "10/hour")
MIDDLEWARE.append("frontdesk.accounts.middleware.TwoFactorRequiredMiddleware")

# --- Recovery: "forgot password" (accounts/recovery.py, docs/security.md) --------------------
# Reset requests per client address and per account (address or username asked for); the
# answer is the same whether or not the account exists, so the account limit counts both.
FRONTDESK_RATE_LIMITS = {
    **FRONTDESK_RATE_LIMITS,
    "password_reset_ip": env_rate("FRONTDESK_RATE_PASSWORD_RESET_IP", "10/hour"),
    "password_reset_account": env_rate("FRONTDESK_RATE_PASSWORD_RESET_ACCOUNT", "3/hour"),
}
# How long a reset link works, in seconds.
FRONTDESK_PASSWORD_RESET_SECONDS = env_int("FRONTDESK_PASSWORD_RESET_SECONDS", 3600, minimum=60)

# --- Email verification (accounts/verification.py, docs/security.md) -------------------------
# How long a verification link works, in seconds (3 days), and how many "resend" a user gets.
FRONTDESK_EMAIL_VERIFY_SECONDS = env_int("FRONTDESK_EMAIL_VERIFY_SECONDS", 3 * 86400, minimum=60)
FRONTDESK_RATE_LIMITS = {
    **FRONTDESK_RATE_LIMITS,
    "email_verify_user": env_rate("FRONTDESK_RATE_EMAIL_VERIFY", "3/hour"),
}

# === Limits where money or availability is at stake (docs/security.md, "Limits") ===
# Behind FRONTDESK_BEHIND_PROXY, how many proxies (counted from the right of X-Forwarded-For)
# wrote entries that can be trusted; the client address is the one the outermost wrote.
FRONTDESK_TRUSTED_PROXIES = env_int("FRONTDESK_TRUSTED_PROXIES", 1, minimum=1)
# Replies (and files added as replies) a customer may post; staff are not limited.
FRONTDESK_RATE_LIMITS["reply_user"] = env_rate("FRONTDESK_RATE_REPLY", "30/minute")
# Bytes of files one person may upload per day (a fixed UTC day; 0: no budget).
FRONTDESK_UPLOAD_BYTES_PER_DAY = env_int(
    "FRONTDESK_UPLOAD_BYTES_PER_DAY", 200 * 1024 * 1024, minimum=0
)
FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF = env_int(
    "FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF", 2 * 1024 * 1024 * 1024, minimum=0
)
# A file is refused (507) when storing it would leave less than this free in MEDIA_ROOT's
# file system (0: no guard).
FRONTDESK_MIN_FREE_DISK_BYTES = env_int(
    "FRONTDESK_MIN_FREE_DISK_BYTES", 500 * 1024 * 1024, minimum=0
)
# Live-update streams open at once per user and per client address (0: no cap), and per WSGI
# process (0: the threads `frontdesk serve` runs less 4). Beyond them the page polls instead.
FRONTDESK_LIVE_STREAMS_PER_USER = env_int("FRONTDESK_LIVE_STREAMS_PER_USER", 6, minimum=0)
FRONTDESK_LIVE_STREAMS_PER_IP = env_int("FRONTDESK_LIVE_STREAMS_PER_IP", 20, minimum=0)
FRONTDESK_LIVE_STREAMS_PER_PROCESS = env_int("FRONTDESK_LIVE_STREAMS_PER_PROCESS", 0, minimum=0)

# === Hardening (docs/security.md "Hardening") ===
# Content-Security-Policy on every answer (django-csp): scripts and styles only from our own
# static files (no inline code, no style="" attributes), nothing may frame a page, and the
# browser reports violations to /csp-report, which logs one line each. Images may also be
# data: URIs (enrolment QR codes). The Swagger UI at /api/ticketing/docs runs under the same
# policy (its settings are a JSON block, its scripts files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/csp-report"],
    },
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "frontdesk.core.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, built once
)
INSTALLED_APPS.append("csp")
FRONTDESK_RATE_LIMITS["csp_report_ip"] = env_rate("FRONTDESK_RATE_CSP_REPORT", "30/minute")
# The data directory is private (core/datadir.py): uploads are written 0600 in 0700 directories
# (Django's default chmods every upload to 0644, whatever the umask).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Nothing a signed-in caller sees, and no JSON answer, is kept by a cache (core/middleware.py).
MIDDLEWARE.append("frontdesk.core.middleware.NoStoreMiddleware")
# HTTPS: an installation is served over HTTPS when it sits behind the TLS proxy
# (FRONTDESK_BEHIND_PROXY) or says its cookies are HTTPS-only (SESSION_COOKIE_SECURE). Then
# browsers are told to use nothing else for a year (HSTS; sent only on HTTPS answers), and the
# CSRF cookie is HTTPS-only like the session's. docs/deploy.md, "The production profile".
FRONTDESK_HTTPS = FRONTDESK_BEHIND_PROXY or SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if FRONTDESK_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SILENCED_SYSTEM_CHECKS += [
    # HSTS for subdomains and the browsers' preload list bind every host of the domain, which
    # a help desk on one host cannot promise; SECURE_HSTS_INCLUDE_SUBDOMAINS opts in.
    "security.W005",
    "security.W021",
    # TLS ends at the proxy, which redirects plain HTTP (docs/deploy.md): Django redirecting
    # too would also redirect the proxy's own health checks and the local live endpoint.
    "security.W008",
]

# === Operations: health checks, metrics (docs/deploy.md, "Health checks, metrics and logs") ===
# /readyz answers 503 when the data directory has less than this free (0: never); below the
# upload guard's FRONTDESK_MIN_FREE_DISK_BYTES, so files are refused before the desk is
# taken out of the load balancer.
FRONTDESK_READY_MIN_FREE_BYTES = env_int(
    "FRONTDESK_READY_MIN_FREE_BYTES", 100 * 1024 * 1024, minimum=0
)
# /metrics answers this bearer token; without one, only requests from this machine that no
# proxy forwarded (core/metrics.py).
FRONTDESK_METRICS_TOKEN = env_optional_secret("FRONTDESK_METRICS_TOKEN")

# === Privacy (privacy/, docs/privacy.md) ===
# Data exports a person may ask for (a customer their own, an admin anyone's).
FRONTDESK_RATE_LIMITS["privacy_export_user"] = env_rate("FRONTDESK_RATE_PRIVACY_EXPORT", "5/hour")
# Closed tickets older than this many months are anonymised or deleted by the worker's daily
# retention job (0 or unset: never).
FRONTDESK_RETENTION_CLOSED_MONTHS = env_int("FRONTDESK_RETENTION_CLOSED_MONTHS", 0, minimum=0)
FRONTDESK_RETENTION_ACTION = env_str("FRONTDESK_RETENTION_ACTION", "anonymise").strip().lower()
if FRONTDESK_RETENTION_ACTION not in {"anonymise", "delete"}:
    raise ConfigError(
        "FRONTDESK_RETENTION_ACTION must be anonymise or delete, "
        f"not {FRONTDESK_RETENTION_ACTION!r}"
    )
