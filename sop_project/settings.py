"""Settings, read from the environment in this one place.

| variable | default | meaning |
| --- | --- | --- |
| DATABASE_URL | sqlite:///<project>/db.sqlite3 | any dj-database-url URL (postgres://...) |
| DB_CONNECT_TIMEOUT | 5 | seconds to wait for PostgreSQL to accept a connection |
| REDIS_URL | (unset) | Celery broker and results, and the cache; unset = recompute in-process |
| SECRET_KEY | a development key | Django's signing key; with DEBUG off a placeholder, or a key \
shorter than 50 characters or of low entropy, stops the process |
| DEBUG | true | development mode |
| ALLOWED_HOSTS | localhost,127.0.0.1,[::1] | comma-separated host names |
| CSRF_TRUSTED_ORIGINS | (empty) | comma-separated origins, e.g. https://sop.example.com |
| SECURE_COOKIES | on unless DEBUG | session and CSRF cookies only over HTTPS |
| SECURE_SSL_REDIRECT | on unless DEBUG | redirect http:// to https:// (/healthz is exempt) |
| SECURE_HSTS_SECONDS | 31536000 unless DEBUG (then 0) | Strict-Transport-Security max-age |
| SECURE_HSTS_INCLUDE_SUBDOMAINS | on unless DEBUG | HSTS for the host's subdomains too |
| SECURE_HSTS_PRELOAD | on unless DEBUG | allow submitting the host to browsers' preload lists |
| SECURE_PROXY_SSL_HEADER | X-Forwarded-Proto | the header a proxy sets to "https"; empty: none |
| TRUSTED_PROXY_COUNT | 0 | proxies in front that append the client to X-Forwarded-For |
| LOGIN_FAILURE_LIMIT | 5 | failed sign-ins per user and address before a lock-out |
| LOGIN_LOCKOUT_MINUTES | 15 | how long the lock-out lasts (each failure restarts it) |
| API_TOKEN_TTL_HOURS | 10 | lifetime of an API token |
| LANGUAGE_CODE | zh-hans | the default language (users can switch) |
| TIME_ZONE | Asia/Shanghai | the business time zone |
| SOP_CURRENCY | CNY | the currency prices are shown in |
| LOG_LEVEL | INFO | the project's log level |
| WEB_THREADS | 4 | under ASGI (sop_project.asgi), threads per web process serving pages |
| LIVE_STREAM_SECONDS | 300 | an open live stream is re-authorized (reconnected) this often |
| LIVE_WSGI_STREAM_SECONDS | 25 | under a WSGI server, how long one live stream holds its thread |
| LIVE_HEARTBEAT_SECONDS | 15 | a comment line on idle live streams; access is re-checked as often |
| LIVE_STREAMS_PER_USER | 5 | live streams one user may hold open (429 beyond: the page polls) |
| LIVE_STREAM_CONNECTIONS | 100 | live streams (Redis connections of their own pool) per process |
| SOP_REMINDER_SECONDS | 300 | how often beat scans for stages due in two days or overdue |
| SOP_SITE_URL | http://127.0.0.1:8000 | the address links in e-mails point to |
| EMAIL_HOST | (unset) | SMTP server; unset = e-mails are printed on the console |
| EMAIL_PORT | 25 (587 with TLS, 465 with SSL) | SMTP port |
| EMAIL_HOST_USER, EMAIL_HOST_PASSWORD | (empty) | SMTP sign-in |
| EMAIL_USE_TLS, EMAIL_USE_SSL | false | STARTTLS, or SMTP over TLS |
| DEFAULT_FROM_EMAIL | S&OP <sop@localhost> | sender of notification e-mails |
| EMAIL_BACKEND | smtp with EMAIL_HOST, else console | any Django e-mail backend |
| SOP_NOTIFY_MODE | celery with REDIS_URL, else inline | where notification e-mails are sent |
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sop_project.secret_key import require_production_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core ---------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)
_DEVELOPMENT_KEY = "django-insecure-development-only-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEVELOPMENT_KEY)
if not DEBUG and SECRET_KEY == _DEVELOPMENT_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
if not DEBUG:
    require_production_secret_key(SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
    "axes",
    "planning",
    "reviews",
    "approvals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "planning.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's chosen language before the browser's Accept-Language.
    "approvals.web.language.ChosenLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves collected static files in production; the development server serves them itself.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "sop_project.urls"
WSGI_APPLICATION = "sop_project.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "approvals.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer fails a request (and /healthz) instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "5")
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web + in-process recompute) share the file: wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# --- Authentication and permissions --------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user+address before any password is checked.
    "planning.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: every page needs a signed-in user
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute force: after LOGIN_FAILURE_LIMIT failed sign-ins of one user from one address (login
# page, admin, API token), that pair is locked out for LOGIN_LOCKOUT_MINUTES; every further
# failure restarts the lock-out. Other users, and the same user elsewhere, are not affected.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "planning.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "planning.accounts.lockout.client_address"
AXES_USERNAME_CALLABLE = "planning.accounts.lockout.client_username"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# API tokens (django-rest-knox): stored hashed, expire, revoked by /api/auth/logout/.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=float(os.environ.get("API_TOKEN_TTL_HOURS", "10"))),
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Internationalization ------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
SOP_CURRENCY = os.environ.get("SOP_CURRENCY", "CNY")
USE_I18N = True
USE_TZ = True
# Dates name their time zone; numbers group thousands in both languages (sop_project/formats).
FORMAT_MODULE_PATH = ["sop_project.formats"]
# The language switch's cookie outlives the browser session (a year); the choice is also kept
# with the user (approvals.web.language).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list = [BASE_DIR / "sop_project" / "static"]
# Chart.js, installed from npm by `make install` (package.json); pages work without it.
if (BASE_DIR / "node_modules" / "chart.js" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Redis, cache and Celery ---------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# "celery" hands recomputes to a worker through Redis; "inline" runs them in this process after
# commit (the zero-service default of `make run`).
SOP_RECOMPUTE_MODE = os.environ.get("SOP_RECOMPUTE_MODE", "celery" if REDIS_URL else "inline")

# Live screens (planning.live): a cycle's changes are pushed to its open pages over Redis
# pub/sub. An ASGI stream is re-authorized every LIVE_STREAM_SECONDS (the browser reconnects);
# under a WSGI server (runserver, tests' live server) a stream holds a thread, so it is short.
LIVE_STREAM_SECONDS = float(os.environ.get("LIVE_STREAM_SECONDS", "300"))
LIVE_WSGI_STREAM_SECONDS = float(os.environ.get("LIVE_WSGI_STREAM_SECONDS", "25"))
LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", "15"))
# Each stream holds a Redis connection for minutes: a user holds a few (counted in Redis across
# processes), a process at most LIVE_STREAM_CONNECTIONS from a pool of the streams' own, so
# streams never take the connections of the cache or the broker. Keep processes x this under
# Redis's maxclients, with room for everything else.
LIVE_STREAMS_PER_USER = int(os.environ.get("LIVE_STREAMS_PER_USER", "5"))
LIVE_STREAM_CONNECTIONS = int(os.environ.get("LIVE_STREAM_CONNECTIONS", "100"))
# Served by sop_project.asgi: the threads per web process that run the pages (each keeps its
# database connection); open live streams need none.
WEB_THREADS = int(os.environ.get("WEB_THREADS", "4"))

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Workers keep their database connection between tasks, like a web process between requests
# (CONN_MAX_AGE; checked before each task by sop_project.celery), instead of a new connection
# per task: that was a large part of an isolated edit's latency.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A task unacknowledged this long is redelivered; longer than the longest task (Redis broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONSUMER = "sop_project.celery:PromptlyReconnectingConsumer"
# Retrying every 2 s, Celery's default of 100 attempts would give up after about 200 s of outage:
# a worker keeps trying for as long as the broker is away.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The sweep re-publishes any cycle whose analysis is behind its inputs (a lost message, a
# killed worker, Redis down during an edit), so nobody has to notice.  Run exactly one beat.
SOP_SWEEP_SECONDS = float(os.environ.get("SOP_SWEEP_SECONDS", "30"))
CELERY_BEAT_SCHEDULE = {
    "recompute-sweep": {
        "task": "planning.tasks.recompute_sweep",
        "schedule": SOP_SWEEP_SECONDS,
        # Sweeps that waited out a worker outage are dropped, not run back to back.
        "options": {"expires": 2 * SOP_SWEEP_SECONDS},
    }
}

# Notification e-mails go out from a Celery task after the change commits ("celery"), or
# in-process after the commit ("inline", the zero-service default of `make run`).
SOP_NOTIFY_MODE = os.environ.get("SOP_NOTIFY_MODE", "celery" if REDIS_URL else "inline")
# Reminders (a stage due in two days, or overdue) come from beat scanning the deadlines in the
# database; a unique key per user and event makes every scan after the first add nothing.
SOP_REMINDER_SECONDS = float(os.environ.get("SOP_REMINDER_SECONDS") or "300")
CELERY_BEAT_SCHEDULE["notification-reminders"] = {
    "task": "approvals.tasks.notification_reminders",
    "schedule": SOP_REMINDER_SECONDS,
    "options": {"expires": 2 * SOP_REMINDER_SECONDS},
}

# --- E-mail ----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise every e-mail is printed on the console (development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_PORT = int(
    os.environ.get("EMAIL_PORT") or ("587" if EMAIL_USE_TLS else "465" if EMAIL_USE_SSL else "25")
)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 10
# The file backend's folder (tests point a worker's e-mails at one).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "test-artifacts" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "S&OP <sop@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SOP_SITE_URL = os.environ.get("SOP_SITE_URL") or "http://127.0.0.1:8000"

# --- REST framework ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "planning.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bounded in size and depth, NUL refused (planning/api/parsers.py); forms as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "planning.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "planning.api.pagination.StrictLimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 500,
    "EXCEPTION_HANDLER": "planning.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "S&OP workflow API",
    "DESCRIPTION": "Run the monthly Sales & Operations Planning cycle over HTTP.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation pages' assets come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response bodies as separate components (read-only fields only in answers).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "planning.api.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "planning.roles.Stage",
        # A notification's kind, and the kinds a user has e-mailed (the same choices).
        "NotificationKindEnum": "approvals.models.NotificationKind",
        "SendBackStageEnum": [
            ("demand_review", "Demand review"),
            ("supply_review", "Supply review"),
        ],
    },
}

# --- Security (production) -----------------------------------------------------------------
# Everything is on when DEBUG is off; each can be turned down for the proxy in front.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes (container health checks, load balancers) ask over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
if _PROXY_SSL_HEADER:
    _PROXY_SSL_META = "HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_META, "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): every script and style is a static file of this site,
# so no inline script, style or event handler runs, wherever it came from.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI's stylesheet draws its icons from data: URIs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging -------------------------------------------------------------------------------
# Error pages and e-mails show querysets by their model only, never their rows.
DEFAULT_EXCEPTION_REPORTER_FILTER = "approvals.web.error_reports.RowHidingExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "planning": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        "reviews": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        "approvals": {"level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}
