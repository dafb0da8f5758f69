"""Dashboard rows live in their own SQLite file (the "dashboard" database).

PowerCRUD runs a bulk update inside one transaction; on SQLite that holds the write lock of
the whole file until the job ends, so progress written to the same file could only appear at
the end.  A second file has its own lock, and the dashboard shows progress as it happens.
"""

from __future__ import annotations

from typing import Any

DASHBOARD_APP = "powercrud_signals"
DASHBOARD_DB = "dashboard"


class DashboardRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return DASHBOARD_DB if model._meta.app_label == DASHBOARD_APP else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DASHBOARD_DB if model._meta.app_label == DASHBOARD_APP else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # A task row names its user by id only (no database constraint), across the files.
        return True if DASHBOARD_APP in (obj1._meta.app_label, obj2._meta.app_label) else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == DASHBOARD_DB:
            return app_label == DASHBOARD_APP
        return None
