"""Production settings for several qclusters sharing PostgreSQL and Redis (docs/deployment.md)."""

import os

# --8<-- [start:databases]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "NAME": os.environ.get("DB_NAME", "yourproject"),
        "USER": os.environ.get("DB_USER", "yourproject"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "CONN_MAX_AGE": 60,
    },
}
# --8<-- [end:databases]

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# --8<-- [start:cache]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}
# --8<-- [end:cache]

# --8<-- [start:cluster]
Q_CLUSTER = {
    # Every cluster, on every machine, uses the same name and broker: they share one queue.
    "name": "yourproject",
    "redis": REDIS_URL,
    "workers": int(os.environ.get("Q_WORKERS", "4")),
    "timeout": 600,  # the longest a task may run
    "retry": 660,  # must exceed timeout, or a running task is delivered twice
    "max_attempts": 1,
    "ack_failures": True,
    "save_limit": 10000,
}
# --8<-- [end:cluster]

# --8<-- [start:powercrud]
POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "CACHE_NAME": "default",
    "ASYNC_MANAGER_DEFAULT": {"manager_class": "powercrud_signals.manager.SignalAsyncManager"},
}
# --8<-- [end:powercrud]
