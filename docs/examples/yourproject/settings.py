"""The settings a project adds for powercrud-signals (docs/quickstart.md).

The test suite imports this module and runs the system checks against these values.
"""

# --8<-- [start:apps]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    # ... your own apps ...
    "django_htmx",
    "neapolitan",
    "django_filters",
    "powercrud",
    "django_q",
    "powercrud_signals",
]
# --8<-- [end:apps]

# --8<-- [start:powercrud]
POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "CACHE_NAME": "default",
    "ASYNC_MANAGER_DEFAULT": {
        "manager_class": "powercrud_signals.manager.SignalAsyncManager",
    },
}
# --8<-- [end:powercrud]

# --8<-- [start:cache]
# PowerCRUD keeps progress and locks in this cache, which the web process, every worker
# and the monitor must share: a database, Redis or Memcached cache, never locmem.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "powercrud_cache",
    }
}
# --8<-- [end:cache]

# --8<-- [start:receivers]
POWERCRUD_SIGNALS = {
    "RECEIVERS": [
        # every transition
        "yourproject.task_log.log_transition",
        # only the signals named
        {"receiver": "yourproject.task_log.count_failure", "signals": ["task_failed"]},
    ],
}
# --8<-- [end:receivers]
