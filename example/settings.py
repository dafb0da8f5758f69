"""Settings of the demo project: PowerCRUD + django-q2 + powercrud-signals on one SQLite file.

The web server, the qcluster and ``run_demo.py --check`` all load these settings, so they
share the database (ORM broker, DB cache, catalogue, dashboard rows).  Nothing here is fit
for production: the secret key is public and DEBUG is on.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "powercrud-signals-demo-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_tailwind",
    "neapolitan",
    "django_filters",
    "powercrud",
    "django_q",
    "powercrud_signals",
    "example.catalogue",
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

ROOT_URLCONF = "example.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project templates first: example/templates/powercrud_signals/base.html puts the
        # dashboard inside the catalogue's layout (the usual way to override an app template).
        "DIRS": [EXAMPLE_DIR / "templates"],
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
    # The web server, the cluster's workers and its monitor write to the same files.
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
_DEMO_DB = Path(os.environ.get("POWERCRUD_SIGNALS_DEMO_DB", EXAMPLE_DIR / ".demo" / "demo.sqlite3"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DEMO_DB,
        "OPTIONS": _SQLITE_OPTIONS,
    },
    # Dashboard rows in a file of their own, so they are written while a bulk job's own
    # transaction holds the main file (see example/routers.py).
    "dashboard": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DEMO_DB.with_name("dashboard.sqlite3"),
        "OPTIONS": _SQLITE_OPTIONS,
    },
}
DATABASE_ROUTERS = ["example.routers.DashboardRouter"]

# PowerCRUD keeps locks and progress in the cache, which every process must share.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "powercrud_demo_cache",
    }
}

Q_CLUSTER = {
    "name": "powercrud-signals-demo",
    "workers": 2,
    "timeout": 300,
    "retry": 360,
    "orm": "default",
    "poll": 0.2,
    "catch_up": False,
    "max_attempts": 1,
    "ack_failures": True,
    "save_limit": 100,
}

POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "CACHE_NAME": "default",
    # Settings alone opt every PowerCRUD async view in to signals.  The catalogue view also
    # uses SignalsAsyncMixin, which would be enough on its own and adds the dashboard link.
    "ASYNC_MANAGER_DEFAULT": {"manager_class": "powercrud_signals.manager.SignalAsyncManager"},
}

# The persistence receiver writes every transition to TaskRecord, in the dashboard database
# (the router would send it there too; naming it lets the dashboard read the same alias).
POWERCRUD_SIGNALS = {"PERSISTENCE": {"DATABASE": "dashboard"}}

STATIC_URL = "/static/"
# PowerCRUD's packaged front-end bundle (htmx, Tom Select, Tippy, daisyUI styles).
STATICFILES_DIRS = [str(resources.files("powercrud").joinpath("assets"))]

CRISPY_ALLOWED_TEMPLATE_PACKS = "tailwind"
CRISPY_TEMPLATE_PACK = "tailwind"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The handler's level too: PowerCRUD sets its async manager's logger to DEBUG on import.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "loggers": {
        "powercrud_signals": {"handlers": ["console"], "level": "WARNING"},
        "django_q": {"handlers": ["console"], "level": "WARNING"},
        "powercrud": {"handlers": ["console"], "level": "WARNING"},
    },
}
