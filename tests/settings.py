"""Settings for the powercrud-signals test suite.

The default database is an SQLite *file* so that a real django-q2 cluster, started in
subprocesses by the cluster tests, shares it with the test process.  Its path is exported in
POWERCRUD_SIGNALS_SQLITE_PATH so those subprocesses load these settings onto the same file.
A ``postgres`` alias is added when PostgreSQL answers on POWERCRUD_SIGNALS_PG_HOST/PORT.
"""

from __future__ import annotations

import importlib.resources
import os
import socket
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TMP_DIR = BASE_DIR / ".pytest-tmp"
TMP_DIR.mkdir(exist_ok=True)

SQLITE_PATH = os.environ.setdefault(
    "POWERCRUD_SIGNALS_SQLITE_PATH", str(TMP_DIR / f"tests-{os.getpid()}.sqlite3")
)

SECRET_KEY = "powercrud-signals-tests-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "neapolitan",
    "django_filters",
    "powercrud",
    "django_q",
    "powercrud_signals",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tests.urls"

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
            ]
        },
    }
]

_SQLITE_OPTIONS = {
    # Several processes (test runner, cluster workers, monitor) write to one file.
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

DATABASES: dict[str, dict[str, object]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SQLITE_PATH,
        "OPTIONS": _SQLITE_OPTIONS,
        "TEST": {"NAME": SQLITE_PATH},
    }
}

PG_HOST = os.environ.get("POWERCRUD_SIGNALS_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("POWERCRUD_SIGNALS_PG_PORT", "5432"))


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = _reachable(PG_HOST, PG_PORT)
if POSTGRES_AVAILABLE:
    DATABASES["postgres"] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": PG_HOST,
        "PORT": PG_PORT,
        "NAME": os.environ.get("POWERCRUD_SIGNALS_PG_NAME", "powercrud_signals"),
        "USER": os.environ.get("POWERCRUD_SIGNALS_PG_USER", "postgres"),
        "PASSWORD": os.environ.get("POWERCRUD_SIGNALS_PG_PASSWORD", "postgres"),
        "TEST": {
            "NAME": os.environ.get("POWERCRUD_SIGNALS_PG_TEST_NAME", "test_powercrud_signals")
        },
    }
    # A second connection to the same PostgreSQL database: the persistence receiver's
    # separate-connection mode (progress visible while the task's transaction is open).
    DATABASES["postgres_dashboard"] = {
        **DATABASES["postgres"],
        "TEST": {"MIRROR": "postgres"},
    }

REDIS_URL = os.environ.get("POWERCRUD_SIGNALS_REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "powercrud_signals_test_cache",
    }
}

Q_CLUSTER = {
    "name": "powercrud-signals-tests",
    "workers": 2,
    "timeout": 30,
    "retry": 60,
    "orm": "default",
    "poll": 0.1,
    "catch_up": False,
    "ack_failures": True,
    "max_attempts": 1,
    "save_limit": 0,
    "label": "Django Q2",
}

POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "CACHE_NAME": "default",
    "ASYNC_MANAGER_DEFAULT": {"manager_class": "powercrud_signals.manager.SignalAsyncManager"},
}

POWERCRUD_SIGNALS = {
    # Appends each event as a JSON line to $POWERCRUD_SIGNALS_EVENT_LOG when that is set,
    # so tests can watch events sent by cluster subprocesses.
    "RECEIVERS": ["tests.receivers.append_event_line"],
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The demo's catalogue app (a PowerCRUD CRUD view with async bulk edit and delete) for the
# PowerCRUD integration and browser tests; PowerCRUD's default list template needs crispy.
INSTALLED_APPS += ["crispy_forms", "crispy_tailwind", "example.catalogue"]
CRISPY_ALLOWED_TEMPLATE_PACKS = "tailwind"
CRISPY_TEMPLATE_PACK = "tailwind"
# PowerCRUD's packaged front-end bundle, which the catalogue's base template loads.
STATICFILES_DIRS = [str(importlib.resources.files("powercrud").joinpath("assets"))]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "powercrud_signals": {"handlers": ["console"], "level": "WARNING"},
        "django_q": {"handlers": ["console"], "level": "WARNING"},
    },
}

# Subprocesses started with POWERCRUD_SIGNALS_TEST_PERSISTENCE_DATABASE write dashboard rows
# to that alias (the browser test: to PostgreSQL, while the bulk job's own transaction holds
# the SQLite file's write lock).
_dashboard_alias = os.environ.get("POWERCRUD_SIGNALS_TEST_PERSISTENCE_DATABASE")
if _dashboard_alias:
    # mypy typed POWERCRUD_SIGNALS from its first value, which held only a list.
    _persistence = {"DATABASE": _dashboard_alias}
    POWERCRUD_SIGNALS = {**POWERCRUD_SIGNALS, "PERSISTENCE": _persistence}  # type: ignore[dict-item]
# django-q2 reads Q_CLUSTER["ALT_CLUSTERS"] when a cluster is started with Q_CLUSTER_NAME; the
# browser test runs its own cluster on its own queue so no other cluster takes its task.
Q_CLUSTER["ALT_CLUSTERS"] = {"pcs-browser": {}}
