"""Dashboard writes on a second connection to the same PostgreSQL database
(docs/persistence.md)."""

from yourproject import settings_production

DATABASES = {**settings_production.DATABASES}

# --8<-- [start:alias]
DATABASES["dashboard"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
POWERCRUD_SIGNALS = {"PERSISTENCE": {"DATABASE": "dashboard"}}
# --8<-- [end:alias]
