"""Settings for elite, read from the environment.

One module for every environment: `make run` turns DJANGO_DEBUG on, production leaves it off and must then
provide DJANGO_SECRET_KEY. See the settings table in README.md.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything but a clear yes or no is a mistake worth stopping for."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no or on/off; it is {raw!r}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Required when debug is off. Left empty here rather than refused, so that commands which never sign anything
# (makemigrations, migrate, collectstatic) run without it; serving refuses to start (elite/wsgi.py) and every command
# that runs the system checks (runserver, check, test) stops with the sentence in elite/checks.py.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"
SECRET_KEY_MISSING = not SECRET_KEY  # read this, not SECRET_KEY: Django refuses to hand out an empty key

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

SCHOOL_NAME = os.environ.get("ELITE_SCHOOL_NAME", "Elite EMS Academy")
# The public address of the site, used in e-mails that link back to it (private status links).
SITE_URL = os.environ.get("ELITE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "elite.apps.SchoolAdminConfig",  # django.contrib.admin with the school's site (elite/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "courses",
    "enrollment",
    "clinical",
    "payments",
    "skills",
    "backups",
    "demo",
    "axes",
    # The project last: it has no models, templates or static files of its own to shadow anyone's; it is an app
    # only to register its configuration checks (elite/apps.py).
    "elite",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the body, the session or the user (elite/middleware.py): a body too large to be one of
    # our forms is refused unread (413); a NUL byte anywhere, which PostgreSQL cannot compare, is refused (400).
    "elite.middleware.RequestBodyLimitMiddleware",
    "elite.middleware.NulByteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "elite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "courses.context_processors.school",
            ],
        },
    },
]

WSGI_APPLICATION = "elite.wsgi.application"

# Database: SQLite file by default (zero set-up); PostgreSQL (psycopg 3) through DATABASE_URL in production.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    # No server-side cursors (Django's select fields read their choices through one): behind PgBouncer in
    # transaction mode (see Performance) a cursor cannot outlive its transaction, and PostgreSQL plans a cursor for
    # its first rows, a plan that read every enrollment to list one sponsor's cohorts (150 ms instead of 6 ms).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # IMMEDIATE takes the write lock when a transaction starts, so writers queue instead of failing with
            # "database is locked"; SQLite ignores select_for_update(), this is what serialises seat-taking there.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
            # Threaded tests need a file database: the shared in-memory one raises "database table is locked".
            "TEST": {"NAME": BASE_DIR / "test-db.sqlite3"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASE_URL:
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every worker and server (rate limits must not be counted per process): the database by default,
# Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
# Public pages (home, courses, a cohort) are served from each process's memory for this many seconds: they change
# rarely, and seat counts stay correct within that time. Per process on purpose: nothing shared is needed for 1 s.
CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-pages"}
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("ELITE_PAGE_CACHE_SECONDS", "1"))

# Signups per client address, e.g. "20/h"; "0" turns the limit off (load tests from one address need that). Only
# signups that pass the form's checks count; SIGNUP_POST_LIMIT bounds every POST, typos included.
SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "20/h")
SIGNUP_POST_LIMIT = os.environ.get("ELITE_SIGNUP_POST_LIMIT", "120/h")
# How many proxies in front of the app servers add themselves to X-Forwarded-For and are trusted: 0 trusts no
# forwarding header (the connection's address is the client's), 1 is one TLS proxy in front.
TRUSTED_PROXIES = int(os.environ.get("ELITE_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "enrollment.throttling.client_address"
# A signup holds its seat or waitlist place this long before its e-mail address must be confirmed from the link.
CONFIRM_MINUTES = int(os.environ.get("ELITE_CONFIRM_MINUTES", "120"))
# Every app's minute jobs (`manage.py work` enqueues each once a minute): dotted paths of django.tasks tasks.
MINUTE_JOBS = (
    "enrollment.tasks.settle_waitlists",
    "enrollment.notifications.send_due_emails",
    "enrollment.tasks.forget_expired_counters",
    "enrollment.tasks.remind_exam_registration",
    "clinical.tasks.send_preceptor_links",
    "clinical.tasks.remind_expiring_documents",
    "payments.tasks.send_payment_reminders",
    "payments.tasks.lapse_unpaid_deposits",
)
# Clinical shifts: booking and dropping close this many hours before a shift starts; patient contacts are logged
# within this many hours of its end; a preceptor's sign-off link lasts this many days.
CLINICAL_BOOKING_CLOSES_HOURS = int(os.environ.get("ELITE_CLINICAL_BOOKING_CLOSES_HOURS", "24"))
CLINICAL_LOG_HOURS = int(os.environ.get("ELITE_CLINICAL_LOG_HOURS", "48"))
CLINICAL_PRECEPTOR_LINK_DAYS = int(os.environ.get("ELITE_CLINICAL_PRECEPTOR_LINK_DAYS", "7"))
# Lookups of the public certificate verification page (/verify/<code>/) per client address.
VERIFY_RATE_LIMIT = os.environ.get("ELITE_VERIFY_RATE_LIMIT", "60/h")
# "Send the e-mail again" per address, whoever asks.
RESEND_RATE_LIMIT = os.environ.get("ELITE_RESEND_RATE_LIMIT", "3/h")
# Paying online with Stripe Checkout: on when both are set (the secret API key, sk_live_... or sk_test_..., and the
# webhook endpoint's signing secret, whsec_...); without them the payments page says how to pay the office. Payments
# are posted only from the webhook (/payments/stripe/webhook/), verified with the signing secret.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Where the Stripe API is: tests point this at a local stand-in so that no test reaches the network.
STRIPE_API_BASE = "https://api.stripe.com"
# bench/run.py measures the stack's own limit on /bench/hello, a view that does nothing; off everywhere else.
BENCH_HELLO = env_bool("ELITE_BENCH", False)
# It also replays there the reads a page ran (/bench/replay/<page>), from the files it writes here beforehand.
BENCH_REPLAY_DIR = BASE_DIR / "bench" / "results" / "replay"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Instructors log in on the site (Django's auth views at /accounts/); staff may use the admin's own login too.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/instructor/"

# Failed logins are throttled by django-axes, on every authenticate() call (the site's login and the admin's): after
# 5 failures for one username from one address, that pair is refused for 15 minutes, whatever the password. Attempts
# live in the database, so every worker and server counts the same failures. Unlock early with
# `python manage.py axes_reset_username <username>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded evidence (licences, CPR cards) is private: it is served only through a permission-checked view, never
# from a public media URL, so MEDIA_URL is deliberately not routed.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-public/"
# Where `manage.py backup` (and `make backup`) writes its files unless told otherwise; see README, "Backup and restore".
BACKUP_DIR = Path(os.environ.get("ELITE_BACKUP_DIR", BASE_DIR / "var" / "backups"))
# Uploads: scans of up to 5 MB each (enrollment/evidence.py), at most two on a form (a paramedic signup asks for an
# EMT licence and a CPR card). A larger body is refused before it is read; a larger file stops being stored at 5 MB
# and the form says so; the text fields of any of our forms fit in far less than 1 MB.
MAX_REQUEST_BODY_BYTES = 12 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger files go to a temporary file, not a worker's memory
FILE_UPLOAD_HANDLERS = [
    "enrollment.evidence.EvidenceSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail, the Django 6.1 way (MAILERS). EMAIL_BACKEND picks console (default), smtp or locmem.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SCHOOL_NAME} <enrollment@elite-ems.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = os.environ.get("EMAIL_BACKEND", "console")
if _email_backend not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {', '.join(_EMAIL_BACKENDS)}; it is {_email_backend!r}.")
MAILERS = {"default": {"BACKEND": _EMAIL_BACKENDS[_email_backend]}}
if _email_backend == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "587")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
        "timeout": 10,
    }

# Content-Security-Policy (Django 6's built-in middleware): our templates have no inline scripts or styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# HTTPS hardening: on whenever debug is off, unless DJANGO_HTTPS=0 (plain-http serving on this machine, e.g. the
# bench). Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=1.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Background work (e-mail, the minute jobs) on Django's Tasks framework. The default backend keeps the queue in the
# database and `python manage.py work` runs it; a bigger school can move to a distributed backend (django-tasks-rq,
# a Celery bridge) by naming it in ELITE_TASKS_BACKEND, with no change to the code.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ELITE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
