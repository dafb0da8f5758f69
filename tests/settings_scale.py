"""The distributed set-up of the scale test: PostgreSQL for every table, Redis as django-q2's
broker and PowerCRUD's cache, shared by several qcluster processes (as on several machines).

POWERCRUD_SIGNALS_SCALE_DB names the PostgreSQL database (the test run's own test database);
POWERCRUD_SIGNALS_REDIS_URL the Redis database.
"""

from __future__ import annotations

import os

from django.db.backends.signals import connection_created

from tests.db_timing import install as install_db_timing
from tests.settings import *  # noqa: F403
from tests.settings import PG_HOST, PG_PORT, POWERCRUD_SIGNALS, Q_CLUSTER, REDIS_URL

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": PG_HOST,
        "PORT": PG_PORT,
        "NAME": os.environ.get("POWERCRUD_SIGNALS_SCALE_DB", "test_powercrud_signals"),
        "USER": os.environ.get("POWERCRUD_SIGNALS_PG_USER", "postgres"),
        "PASSWORD": os.environ.get("POWERCRUD_SIGNALS_PG_PASSWORD", "postgres"),
        "CONN_MAX_AGE": 60,
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "pcs-scale",
    }
}

Q_CLUSTER = {
    **{k: v for k, v in Q_CLUSTER.items() if k != "orm"},
    "name": "powercrud-signals-scale",
    "redis": REDIS_URL,
    "workers": 2,
    "timeout": 60,
    "retry": 120,
    "save_limit": 0,
    "ack_failures": True,
    "max_attempts": 1,
}

if os.environ.get("POWERCRUD_SIGNALS_SCALE_PERSISTENCE") == "off":
    POWERCRUD_SIGNALS = {**POWERCRUD_SIGNALS, "PERSISTENCE": {"ENABLED": False}}

if os.environ.get("POWERCRUD_SIGNALS_SCALE_DASHBOARD_ASYNC_COMMIT"):
    # An experiment for docs/operations.md: the dashboard on its own connection to the same
    # database, committing without waiting for the WAL flush (a crash may lose the last
    # dashboard writes, which reconciliation repairs; django-q2's own writes stay durable).
    DATABASES["dashboard"] = {
        **DATABASES["default"],
        "OPTIONS": {"options": "-c synchronous_commit=off"},
        "TEST": {"MIRROR": "default"},
    }
    POWERCRUD_SIGNALS = {
        **POWERCRUD_SIGNALS,
        "PERSISTENCE": {**POWERCRUD_SIGNALS.get("PERSISTENCE", {}), "DATABASE": "dashboard"},
    }

connection_created.connect(install_db_timing, dispatch_uid="tests.db_timing")
