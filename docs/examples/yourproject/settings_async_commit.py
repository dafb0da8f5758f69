"""Dashboard writes on a second PostgreSQL connection that does not wait for the WAL flush
(docs/operations.md)."""

from yourproject import settings_production

DATABASES = {**settings_production.DATABASES}

# --8<-- [start:async_commit]
DATABASES["dashboard"] = {
    **DATABASES["default"],
    "OPTIONS": {"options": "-c synchronous_commit=off"},
}
POWERCRUD_SIGNALS = {"PERSISTENCE": {"DATABASE": "dashboard"}}
# --8<-- [end:async_commit]
