"""cxm's only settings module: everything that differs between machines comes from the
environment (see README, "Configuration")."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from cxm.env import (
    Env,
    parse_base_url,
    parse_database_url,
    parse_email_url,
    parse_from_email,
    parse_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

SECRET_KEY = env.string("SECRET_KEY")
DEBUG = env.boolean("DEBUG", default=False)
ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CXM_BASE_URL = parse_base_url(env.string("CXM_BASE_URL", default="http://localhost:8000"))
_base = urlsplit(CXM_BASE_URL)
HTTPS = _base.scheme == "https"
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_rq",
    "axes",
    "cxm",
    "odata",
    "surveys",
    "xdata",
    "analysis",
    "actions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: a method the view does not take is 405, not a CSRF failure (cxm/methods.py).
    "cxm.middleware.MethodNotAllowedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxm.middleware.UserLanguageMiddleware",
    # After the user's language is known: its 400 page is in that language. Still before any
    # view (and any middleware's process_view) reads the query or the form.
    "cxm.middleware.RejectNulMiddleware",
    "cxm.middleware.NotAllowedPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it inspects the response of the login view to count failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxm.urls"
WSGI_APPLICATION = "cxm.wsgi.application"

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
                "cxm.context_processors.shell",
            ],
        },
    }
]

# Database: PostgreSQL only. Persistent connections (reused across requests by each gunicorn
# worker) with a health check, so a restarted server costs one failed ping, not a 500.
DATABASES = {"default": parse_database_url(env.string("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.integer("DB_CONN_MAX_AGE", default=60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Statements run through cxm.db's prepared_cursor() are parsed and planned once per connection
# (psycopg prepares them at once, threshold 0); Django's own queries are never prepared. Off
# (None) for a connection pooler in transaction mode that cannot keep prepared statements.
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    0 if env.boolean("DB_PREPARED_STATEMENTS", default=True) else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = parse_redis_url(env.string("REDIS_URL"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cxm",
    }
}

# Queues by urgency: an import on `bulk` never delays an alert on `realtime`.
RQ_QUEUES = {
    "realtime": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 120},
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600},
    "bulk": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
}
# Loads jobs modules, URLconf and catalogues once, before RQ forks a work horse per job.
RQ = {"WORKER_CLASS": "cxm.worker.Worker"}
# A worker counts as alive while its heartbeat job ran within this many seconds.
CXM_WORKER_STALE_SECONDS = env.integer("CXM_WORKER_STALE_SECONDS", default=180, minimum=30)

AUTH_USER_MODEL = "cxm.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock that pair out for
# fifteen minutes; a success resets the count.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = env.integer("AXES_COOLOFF_MINUTES", default=15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cxm.views.auth.locked_out"
# Proxies in front of gunicorn that append to X-Forwarded-For (cxm/clientip.py): rate limits
# and login throttling count the client's address, not the proxy's.
CXM_PROXY_COUNT = env.integer("CXM_PROXY_COUNT", default=0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "cxm.clientip.client_ip"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True

# Languages: Korean first, English beside it.
LANGUAGE_CODE = env.choice("LANGUAGE_CODE", default="ko", choices=("ko", "en"))
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cxm.formats"]
TIME_ZONE = env.string("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js for the analysis dashboards, straight from the installed plotly package.
    "analysis.staticfinders.PlotlyFinder",
]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".devdata" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# E-mail
globals().update(parse_email_url(env.string("EMAIL_URL", default="console:")))
# The sender of survey invitations and staff notifications. The default is a placeholder on the
# demo's reserved domain (it names no real mailbox): `check --deploy` flags it (cxm.W002).
DEFAULT_FROM_EMAIL = parse_from_email(
    env.string("DEFAULT_FROM_EMAIL", default="cxm <noreply@demo.cxm.example>")
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# Security. Behind HTTPS (CXM_BASE_URL is https://…) cookies are secure, HTTP redirects to
# HTTPS and browsers are told to stay on HTTPS (HSTS).
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.integer(
    "SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz answers plain HTTP so a load balancer on the private network can probe it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.boolean("CXM_BEHIND_PROXY", default=False):
    # The TLS-terminating proxy in front of gunicorn says which scheme the client used.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Structured logging to stdout: JSON lines in production, readable lines under `make run`.
LOG_FORMAT = env.choice("LOG_FORMAT", default="json", choices=("json", "text"))
LOG_LEVEL = env.choice(
    "LOG_LEVEL", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
    },
    "filters": {"client_errors": {"()": "cxm.logfilters.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "rq.worker": {"level": LOG_LEVEL},
        # Axes logs every attempt at INFO; failures and lockouts (WARNING) are what matter.
        "axes": {"level": "WARNING"},
    },
}

# O-Data imports: files above this size are refused before their body is read.
CXM_IMPORT_MAX_BYTES = env.integer("CXM_IMPORT_MAX_BYTES", default=200 * 1024 * 1024, minimum=1)
# Customer 360: what one after-sales service contact costs, for cost-to-serve.
CXM_SERVICE_CONTACT_COST_KRW = env.integer("CXM_SERVICE_CONTACT_COST_KRW", default=8000, minimum=0)

# Open survey links (QR codes) are public: limits per client address.
CXM_OPEN_LINK_VIEWS_PER_MINUTE = env.integer("CXM_OPEN_LINK_VIEWS_PER_MINUTE", 120, minimum=1)
CXM_OPEN_LINK_SUBMITS_PER_HOUR = env.integer("CXM_OPEN_LINK_SUBMITS_PER_HOUR", 30, minimum=1)
# Unknown survey, unsubscribe and API tokens one address may present per minute before 429.
CXM_BAD_TOKENS_PER_MINUTE = env.integer("CXM_BAD_TOKENS_PER_MINUTE", 30, minimum=1)
# Requests per minute one integration token may make to the API.
CXM_API_REQUESTS_PER_MINUTE = env.integer("CXM_API_REQUESTS_PER_MINUTE", 1200, minimum=1)
# Password-reset e-mails per hour, counted per address and per e-mail address asked for.
CXM_PASSWORD_RESETS_PER_HOUR = env.integer("CXM_PASSWORD_RESETS_PER_HOUR", 5, minimum=1)
# Failed sign-ins per address and hour, whatever the username: django-axes pauses one
# (username, address) pair, which does not stop one address trying one password on many
# accounts. Generous, since a whole office may share one address.
CXM_LOGIN_FAILURES_PER_HOUR = env.integer("CXM_LOGIN_FAILURES_PER_HOUR", 30, minimum=1)
# Each web process keeps the published survey behind an open code this long (0: no cache), so
# a busy QR code costs no survey query per answer; a change reaches every process within it.
CXM_OPEN_LINK_CACHE_SECONDS = env.integer("CXM_OPEN_LINK_CACHE_SECONDS", 5, minimum=0)
# Webhooks post only to public addresses, unless the receiver's address is in one of these
# networks (e.g. a CRM on the company's own network): a webhook URL is otherwise a way to make
# the server reach its own loopback, cloud metadata or internal services.
CXM_WEBHOOK_ALLOWED_NETWORKS = env.networks("CXM_WEBHOOK_ALLOWED_NETWORKS")
# Survey fatigue: at most one invitation per customer in this many days (touchpoints may
# override it for journey-critical stages).
CXM_CONTACT_INTERVAL_DAYS = env.integer("CXM_CONTACT_INTERVAL_DAYS", 30, minimum=0)
