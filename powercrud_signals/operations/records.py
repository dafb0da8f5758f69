"""Read access to the dashboard model for the operations commands.

Columns are found through ``PERSISTENCE["FIELD_MAP"]`` (the logical names PowerCRUD's
``AsyncDashboardConfig`` uses, plus ``created_at``/``started_at``/``updated_at``/``attempt``/
``q2_task_id``/``manager``), so a project's own ``AsyncTaskRecord`` table works too.  A logical
name whose column the model lacks is simply not used.  Writes are never made here: rows change
only through events, so every receiver sees what the commands do.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router

from powercrud_signals.conf import app_settings
from powercrud_signals.exceptions import ConfigurationError

DEFAULT_COLUMNS = {
    "task_name": "task_name",
    "status": "status",
    "created_at": "created_at",
    "started_at": "started_at",
    "updated_at": "updated_at",
    "completed_at": "completed_at",
    "failed_at": "failed_at",
    "attempt": "attempt",
    "q2_task_id": "q2_task_id",
    "manager": "manager",
}


class DashboardTable:
    """The configured dashboard model, its database alias and its column names."""

    def __init__(self) -> None:
        persistence = app_settings.persistence
        label = persistence.get("MODEL")
        try:
            self.model: type[models.Model] = apps.get_model(str(label))
        except (LookupError, ValueError) as exc:
            raise ConfigurationError(
                f"POWERCRUD_SIGNALS['PERSISTENCE']['MODEL'] = {label!r} is not an installed model"
            ) from exc
        field_map = persistence.get("FIELD_MAP") or {}
        self.columns: dict[str, str] = {}
        for logical, default in DEFAULT_COLUMNS.items():
            column = field_map.get(logical, default)
            if column and self._has_field(column):
                self.columns[logical] = column
        if "task_name" not in self.columns:
            raise ConfigurationError(
                f"{label} has no task name column; map it with FIELD_MAP['task_name']"
            )
        self.alias: str = persistence.get("DATABASE") or router.db_for_write(self.model)

    def _has_field(self, name: str) -> bool:
        try:
            self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    def col(self, logical: str) -> str | None:
        return self.columns.get(logical)

    @property
    def objects(self) -> models.QuerySet[Any]:
        return self.model._default_manager.using(self.alias)

    def rows(self, queryset: models.QuerySet[Any]) -> list[dict[str, Any]]:
        """Rows as dicts keyed by logical name (missing columns read as None)."""
        wanted = {logical: column for logical, column in self.columns.items()}
        out = []
        for values in queryset.values(*wanted.values()):
            out.append({logical: values.get(column) for logical, column in wanted.items()})
        return out


def dashboard_table() -> DashboardTable | None:
    """The dashboard table, or None when persistence is turned off in settings."""
    if not app_settings.persistence_enabled:
        return None
    return DashboardTable()
