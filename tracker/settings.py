"""
Settings for the extradition case tracker.

One module for every environment: everything that differs between a laptop and production
comes from environment variables (https://django-environ.readthedocs.io/). The defaults are the
embedded setup: SQLite and a Celery broker on the file system, both under ``var/``.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Everything the app writes at run time (SQLite file, broker queue, mail files) lives here.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/stable/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)

# https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
# A missing key in production must stop the server, not fall back to something guessable.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for a local run, set DEBUG=true)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on"

# https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public address of the app, used to build absolute links in emails and feeds.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# https://docs.djangoproject.com/en/stable/topics/i18n/
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Full-text search types; inert on SQLite.
    "django.contrib.postgres",
    "django_filters",
    "django_countries",
    "django_htmx",
    "simple_history",
    # Two-factor login (accounts.two_factor): codes from an authenticator app.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "cases",
    "alerts",
    "clocks",
    "analytics",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "exchange",
    # The project itself, for the commands that span every app (generate_data, benchmark).
    "tracker",
    # Last, as its documentation asks: it wraps the authentication backends.
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has the user given a two-factor code in this session?
    "django_otp.middleware.OTPMiddleware",
    # Deny by default: only views marked login_not_required are open to anonymous visitors.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Logged-in pages, the API and private feeds: Cache-Control: no-store.
    "tracker.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    # Users with an authenticator app (and administrators, who must have one) give a code first.
    "accounts.two_factor.TwoFactorMiddleware",
    # Records the request's user on every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a lockout raised by the authentication backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if env.bool("QUERY_COUNT_HEADER", default=False):
    MIDDLEWARE.insert(0, "tracker.middleware.QueryCountHeaderMiddleware")

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"
ASGI_APPLICATION = "tracker.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# HTTPS AND SECURITY HEADERS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/stable/ref/settings/#secure-ssl-redirect
# On by default whenever DEBUG is off; each can be turned off for a plain-HTTP test deployment.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A monitor inside the network may poll the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Uploads (the import page): how much a request, and each file in it, may carry; refused unread.
# https://docs.djangoproject.com/en/6.1/ref/settings/#data-upload-max-memory-size
# Django applies UPLOAD_MAX_BYTES to a request's form fields only; the first upload handler
# applies it to each file too, except on the import page, where the page's own
# EXCHANGE_IMPORT_MAX_BYTES applies instead (exchange/uploads.py: upload_limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# https://docs.djangoproject.com/en/6.1/ref/settings/#file-upload-handlers
# First the handler that stops a file over the limit without reading the rest of the body, then
# Django's two defaults, which keep what is allowed through (in memory, or in a temporary file).
FILE_UPLOAD_HANDLERS = [
    "exchange.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# CONTENT SECURITY POLICY
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/6.1/ref/csp/
# Everything is served from this origin (htmx is vendored under static/); no inline script or
# style runs without the per-request nonce, and no other site may frame the app.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# DATABASES
# ------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to the same file: WAL lets readers go on while
    # one writes, and IMMEDIATE transactions wait for the lock instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The tests' database is a file too, not Django's shared in-memory one: there a second
    # connection (the live server's threads, a Celery worker in the test process) is refused at once
    # with "database table is locked", which no busy timeout waits out; a file in WAL mode makes
    # it wait its turn, as the web server and the worker do in use.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    # Tests keep 0: PostgreSQL refuses to drop a test database that a thread still holds open.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes with included columns (the stage track's) serve PostgreSQL; SQLite builds them without.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# AUTHENTICATION AND SESSIONS
# ------------------------------------------------------------------------------
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RolePermissionBackend",
]
# Lock out a username, and separately an address, after repeated failures, for a while.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy: how many proxies stand in front of the app (0: none, trust REMOTE_ADDR only).
# Each proxy appends the address it saw to X-Forwarded-For; see accounts.network.client_ip.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
if PROXY_COUNT:
    # The proxy terminates TLS and says so in this header; it must strip any the client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# https://docs.djangoproject.com/en/stable/topics/http/sessions/
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=120) * 60
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_LIFETIME_HOURS", default=12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Administrators (staff) must log in with a code from an authenticator app as well as their
# password (django-otp); for everyone else it is optional (their account page).
TWO_FACTOR_REQUIRED_FOR_ADMINS = env.bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", default=True)
# https://django-otp-official.readthedocs.io/en/stable/overview.html#totp-devices
OTP_TOTP_ISSUER = "Extradition Tracker"
# Password reset emails asked for per hour, per email address and per client address.
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=5)
# A reset link works for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# CACHE
# ------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url
# Throttles (password reset) count here: with several web processes, give them one shared cache,
# e.g. CACHE_URL=redis://host:6379/1. The default is per process, enough for one runserver.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# STATIC FILES
# ------------------------------------------------------------------------------
# https://whitenoise.readthedocs.io/
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# EMAIL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/6.1/topics/email/ (MAILERS replaces the EMAIL_* settings).
# Default: every message is written to a file under var/mail, so nothing leaves the machine.
# Production: EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://, smtp+ssl://).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Extradition Tracker <alerts@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    _email = environ.Env.email_url_config(_email_url)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email["EMAIL_HOST"],
                "port": _email["EMAIL_PORT"],
                "username": _email.get("EMAIL_HOST_USER") or None,
                "password": _email.get("EMAIL_HOST_PASSWORD") or None,
                "use_tls": bool(_email.get("EMAIL_USE_TLS")),
                "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
                "timeout": env.int("EMAIL_TIMEOUT", default=20),
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

# ALERTS
# ------------------------------------------------------------------------------
# Hour of the day (0-23, in TIME_ZONE) at which the daily digests go out.
ALERTS_DIGEST_HOUR = env.int("ALERTS_DIGEST_HOUR", default=18)
# Default reminder lead times of a new deadline, in days before its date.
ALERTS_REMINDER_DAYS = [int(days) for days in env.list("ALERTS_REMINDER_DAYS", default=["7", "1"])]
# Tries per email before its outbox row is marked failed (and shown as such in the admin).
ALERTS_MAX_ATTEMPTS = env.int("ALERTS_MAX_ATTEMPTS", default=6)
# Seconds before the first retry; doubled after each failure, up to ALERTS_RETRY_BACKOFF_MAX.
ALERTS_RETRY_BACKOFF = env.float("ALERTS_RETRY_BACKOFF", default=30.0)
ALERTS_RETRY_BACKOFF_MAX = env.float("ALERTS_RETRY_BACKOFF_MAX", default=1800.0)
# While the mail server cannot be reached at all, emails wait (retried at ALERTS_RETRY_BACKOFF_MAX)
# and go out when it is back; only after this many hours from when they were written are they failed.
ALERTS_OUTAGE_GIVE_UP_HOURS = env.int("ALERTS_OUTAGE_GIVE_UP_HOURS", default=72)
# /healthz and the admin pages report the outbox as stuck when an email has waited longer than this.
ALERTS_OUTBOX_MAX_AGE_MINUTES = env.int("ALERTS_OUTBOX_MAX_AGE_MINUTES", default=30)
# Seconds a pending email may wait past its due time before the sweep queues it again.
ALERTS_SWEEP_AFTER = env.int("ALERTS_SWEEP_AFTER", default=120)
# How many of the case's latest events an alert email lists.
ALERTS_LATEST_EVENTS = env.int("ALERTS_LATEST_EVENTS", default=5)
# Days back the sweep looks for recorded events whose alerts were never written (the process
# died between the change's commit and writing them); older events are history, not news.
ALERTS_FANOUT_DAYS = env.int("ALERTS_FANOUT_DAYS", default=3)

# IMPORT, EXPORT AND THE READ API
# ------------------------------------------------------------------------------
# Import files above this size are refused before they are read.
EXCHANGE_IMPORT_MAX_BYTES = env.int("EXCHANGE_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# An export of at most this many events streams in the request; a larger one is written to a file by
# the worker, and its page shows the progress and then the download link (exchange/services.py).
EXCHANGE_EXPORT_INLINE_MAX_EVENTS = env.int("EXCHANGE_EXPORT_INLINE_MAX_EVENTS", default=20_000)
# Hours a worker-written export is kept; the beat task "exchange-exports-expire" then deletes it.
EXCHANGE_EXPORT_KEEP_HOURS = env.int("EXCHANGE_EXPORT_KEEP_HOURS", default=24)
# Cases written between two saves of a worker-written export's progress.
EXCHANGE_EXPORT_PROGRESS_EVERY = env.int("EXCHANGE_EXPORT_PROGRESS_EVERY", default=200)
# https://docs.djangoproject.com/en/stable/ref/settings/#media-root
# Where default_storage keeps the files the app writes (worker-written exports, under exports/).
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# https://www.django-rest-framework.org/api-guide/settings/ : read-only, token-authenticated, paginated.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Extradition Case Tracker API",
    "DESCRIPTION": "Read-only access to cases and their events. Send `Authorization: Token <your token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description is for the API's own clients: a token (or a logged-in session) is needed to read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.TokenAuthentication",
                             "rest_framework.authentication.SessionAuthentication"],
    "ENUM_NAME_OVERRIDES": {"StageEnum": "cases.models.Stage", "CustodyChangeEnum": "cases.models.Event.CustodyChange"},
}

# CELERY
# ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Default: kombu's file-system transport, a broker that needs no server. Production:
# CELERY_BROKER_URL=redis://host:6379/0 or amqp://user:password@host:5672//.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast and reply queues (worker control): also under var/, not the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within the visibility timeout is delivered again (Redis and SQS):
    # keep it well above the longest retry countdown plus run time.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule `celery beat` runs (https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html).
CELERY_BEAT_SCHEDULE = {
    # Writes the alerts of recent events that have none yet (the process died after the change
    # committed), and re-queues outbox rows left unsent (broker down at commit time, worker killed).
    "alerts-sweep": {"task": "alerts.tasks.alerts_sweep", "schedule": 60.0},
    # Reminders ahead of deadlines and hearings, and overdue notices.
    "alerts-deadline-reminders": {"task": "alerts.tasks.deadline_reminders_send", "schedule": crontab(minute="*/15")},
    # One digest email per follower who chose it, at ALERTS_DIGEST_HOUR local time (TIME_ZONE).
    "alerts-daily-digest": {"task": "alerts.tasks.digests_send", "schedule": crontab(minute=0, hour=ALERTS_DIGEST_HOUR)},
    # Every open case's statutory clocks again, before the reminders of the day are written.
    "clocks-recompute": {"task": "clocks.tasks.clocks_recompute_all", "schedule": crontab(minute=30, hour=2)},
    # What the figures across matters read of each case, rebuilt from every record.
    "analytics-derive": {"task": "analytics.tasks.matters_derive_all", "schedule": crontab(minute=0, hour=3)},
    # The search index's pending words merged, should a change's own run have been lost (see
    # cases.search.search_index_tidy).
    "cases-search-index-tidy": {"task": "cases.tasks.search_index_tidy", "schedule": crontab(minute="*/10")},
    # Worker-written exports older than EXCHANGE_EXPORT_KEEP_HOURS: their files and rows.
    "exchange-exports-expire": {"task": "exchange.tasks.export_files_expire", "schedule": crontab(minute=40)},
}

# LOGGING
# ------------------------------------------------------------------------------
# The security log (logins, lockouts, refusals, role changes, passwords, two-factor, private
# addresses) is JSON, one event a line, so that a log collector can index it; LOG_FORMAT=json makes
# every other log line JSON too. It always goes to stderr; besides, to a file rotated at midnight
# (SECURITY_LOG_FILE, keeping SECURITY_LOG_RETENTION_DAYS days) and/or to syslog
# (SECURITY_LOG_SYSLOG: a socket path such as /dev/log, or host:port for UDP).
_json = {"()": "pythonjsonlogger.json.JsonFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
SECURITY_LOG_FILE = env.str("SECURITY_LOG_FILE", default="")
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=90)
SECURITY_LOG_SYSLOG = env.str("SECURITY_LOG_SYSLOG", default="")
_security_handlers = {"security": {"class": "logging.StreamHandler", "formatter": "json"}}
if SECURITY_LOG_FILE:
    _security_handlers["security_file"] = {
        "class": "logging.handlers.TimedRotatingFileHandler", "formatter": "json", "filename": SECURITY_LOG_FILE,
        "when": "midnight", "backupCount": SECURITY_LOG_RETENTION_DAYS, "utc": True, "encoding": "utf-8",
    }
if SECURITY_LOG_SYSLOG:
    _host, _, _port = SECURITY_LOG_SYSLOG.rpartition(":")
    _security_handlers["security_syslog"] = {
        "class": "logging.handlers.SysLogHandler", "formatter": "json", "facility": "auth",
        "address": (_host, int(_port)) if _host and _port.isdigit() else SECURITY_LOG_SYSLOG,
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": _json,
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env.str("LOG_FORMAT", default="plain")},
        **_security_handlers,
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"security": {"handlers": list(_security_handlers), "level": "INFO", "propagate": False}},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
