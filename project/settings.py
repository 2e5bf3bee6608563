"""Threshold settings: everything that differs between machines comes from environment variables.

The README's Configuration table lists every variable read here, with its default; a test keeps the two in step.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from project.env import env_bool, env_int, env_list, forwarded_address_settings, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = secret_key(DEBUG)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is empty: name at least one host, comma-separated.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "screening",
    "library",
]

# The header middlewares come before the request checks, so that a refused request gets the same headers.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.RequestHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]
# No uploads: a file part is refused unread, and a request body is capped at 1 MiB.
FILE_UPLOAD_HANDLERS = ["accounts.uploads.RefuseFiles"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
                "screening.context_processors.role",
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, else an embedded SQLite file in WAL mode whose transactions
# take the write lock at BEGIN, so that concurrent writers wait for each other instead of failing.
if env_list("DATABASE_URL", []):
    try:
        DATABASES = {"default": dj_database_url.config(env="DATABASE_URL", conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this app understands: {exc}") from None
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DJANGO_SQLITE_PATH") or BASE_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a stretch of inactivity: every request renews the clock. However active, a session ends
# SESSION_MAX_HOURS after sign-in (accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_HOURS = env_int("DJANGO_SESSION_MAX_HOURS", 12)
if SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured(f"DJANGO_SESSION_MAX_HOURS must be 1 or more; got {SESSION_MAX_HOURS}.")
# Unsaved intake forms are kept as drafts for their author (screening/drafts.py) this many days after the last change.
DRAFT_DAYS = env_int("DJANGO_DRAFT_DAYS", 14)
if DRAFT_DAYS < 1:
    raise ImproperlyConfigured(f"DJANGO_DRAFT_DAYS must be 1 or more; got {DRAFT_DAYS}.")

# Two-factor sign-in (django-otp): an authenticator app plus single-use recovery codes.
REQUIRE_2FA = env_bool("DJANGO_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Threshold"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a second-factor key or recovery code

# Password-reset and invitation emails: printed to the console in development, sent by SMTP otherwise.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL") or "threshold@localhost"

# Repeated failed sign-ins lock out one username from one address, and an address that tries many usernames;
# never a username everywhere, so that nobody can lock another person out by guessing at their account.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address, read by django-ipware: REMOTE_ADDR with no proxy, else the entry of X-Forwarded-For that
# the outermost proxy appended (whatever a client put before it is ignored).
AXES_IPWARE_PROXY_COUNT, AXES_IPWARE_META_PRECEDENCE_ORDER = forwarded_address_settings(
    env_int("DJANGO_PROXY_COUNT", 0))
IPWARE_STRICT = False
AXES_VERBOSE = False

# Printed documents. The rendered bytes are cached on a backend every worker and server shares: the database cache
# (its table made by migration screening 0008) unless DJANGO_REDIS_URL names a Redis server. A user renders at
# most PRINT_SLOTS documents at once across all workers; a slot older than PRINT_SLOT_STALE_SECONDS is taken over.
REDIS_URL = os.environ.get("DJANGO_REDIS_URL", "").strip()
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
          if REDIS_URL else
          {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "threshold_cache",
           "OPTIONS": {"MAX_ENTRIES": 5000}}}
PRINT_CACHE_SECONDS = 60 * 60 * 24
PRINT_SLOTS = 2
PRINT_SLOT_STALE_SECONDS = 120
# The urgent-help line printed on every page of the client handout.
CRISIS_LINE = (os.environ.get("DJANGO_CRISIS_LINE", "").strip()
               or "Urgent help: if you are in danger or in crisis, call your local emergency number now.")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves static files straight from the app and package directories (no collectstatic step);
# DJANGO_STATIC_ROOT names a directory for `collectstatic` when a proxy should serve them instead.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. The policy allows only our own static files; Bootstrap's inline SVG icons need data: images.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
