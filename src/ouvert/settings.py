"""Django settings. Every value that can change comes from ``ouvert.config``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ouvert import config

BASE_DIR = Path(__file__).resolve().parent
OUVERT_HOME = config.home()

SECRET_KEY = config.secret_key(OUVERT_HOME)
DEBUG = config.get_bool("OUVERT_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in (config.get("OUVERT_ALLOWED_HOSTS") or "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
SITE_URL = (config.get("OUVERT_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ouvert.core",
    "ouvert.accounts",
    "ouvert.moderation",
    "ouvert.catalog",
    "ouvert.datastore",
    "ouvert.api",
    "ouvert.participation",
    "ouvert.notifications",
    "ouvert.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ouvert.accounts.middleware.TokenAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ouvert.urls"
WSGI_APPLICATION = "ouvert.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ouvert.web.context_processors.site",
            ],
        },
    }
]


def _database(url: str) -> dict:
    # Connections are kept for 60 s between requests (each web thread has its own): opening
    # one costs more than a cached API answer (SQLite: the PRAGMAs and Django's SQL functions
    # set up on every new connection; PostgreSQL: a new server process). Django closes instead
    # of keeping a connection left inside a transaction, so no request sees another's; in WAL
    # mode an idle SQLite connection holds no lock and does not hold back checkpoints.
    db = dj_database_url.parse(url, conn_max_age=60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades
            # failing mid-transaction under concurrent writers.
            # A 32 MB page cache per connection (the default is 2 MB) and reads through a
            # memory map: a search over a large catalog reads its index pages many times.
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                             "PRAGMA cache_size=-32768; PRAGMA mmap_size=1073741824;"),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return db


DATABASES = {
    "default": _database(
        config.get("OUVERT_DATABASE_URL") or f"sqlite:///{OUVERT_HOME / 'ouvert.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = config.get("OUVERT_DEFAULT_LANGUAGE") or "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Toronto"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = OUVERT_HOME / "static"
MEDIA_ROOT = OUVERT_HOME / "files"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG  # production serves the collected, compressed files
WHITENOISE_AUTOREFRESH = DEBUG

OUVERT_MAX_UPLOAD_SIZE = int(config.get("OUVERT_MAX_UPLOAD_SIZE") or 1024**3)
FILE_UPLOAD_HANDLERS = [
    "ouvert.catalog.uploads.HashingMemoryFileUploadHandler",
    "ouvert.catalog.uploads.HashingTemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

OUVERT_SEARCH_BACKEND = config.get("OUVERT_SEARCH_BACKEND") or "auto"
OUVERT_TASKS = (config.get("OUVERT_TASKS") or "database").strip().lower()
OUVERT_REDIS_URL = config.get("OUVERT_REDIS_URL") or ""
OUVERT_SEARCH_SYNONYMS = config.get_bool("OUVERT_SEARCH_SYNONYMS", default=True)
# Searches from a copy of the index in memory: auto (read in the background), always, off.
OUVERT_SEARCH_MEMORY = (config.get("OUVERT_SEARCH_MEMORY") or "auto").strip().lower()
OUVERT_PARTICIPATION_FLAG_THRESHOLD = int(config.get("OUVERT_PARTICIPATION_FLAG_THRESHOLD") or 3)
OUVERT_PARTICIPATION_PREMODERATION_DAYS = int(config.get("OUVERT_PARTICIPATION_PREMODERATION_DAYS") or 0)
OUVERT_PARTICIPATION_EXPORT_ORGANISATION = config.get("OUVERT_PARTICIPATION_EXPORT_ORGANISATION") or ""


def _email(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        path = parsed.path or str(OUVERT_HOME / "mail")
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": path}
    if parsed.scheme in {"smtp", "smtps"}:
        query = parse_qs(parsed.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": parsed.username or "",
            "EMAIL_HOST_PASSWORD": parsed.password or "",
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
        }
    raise ValueError(f"OUVERT_EMAIL_URL: unsupported scheme {parsed.scheme!r}")


globals().update(_email(config.get("OUVERT_EMAIL_URL") or f"file://{OUVERT_HOME / 'mail'}"))
DEFAULT_FROM_EMAIL = config.get("OUVERT_EMAIL_FROM") or "Ouvert <no-reply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if SITE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"ouvert": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
