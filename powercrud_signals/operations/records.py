"""Read access to the dashboard model for the operations commands.

Columns are found through ``PERSISTENCE["FIELD_MAP"]``, resolved exactly as the persistence
receiver resolves it (``persistence.fieldmap``), so a project's own ``AsyncTaskRecord`` table
works too.  A logical name whose field the model lacks is simply not used.  Writes are never
made here: rows change only through events, so every receiver sees what the commands do.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, router

from powercrud_signals.conf import app_settings
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.persistence.fieldmap import resolve_field_map

# The logical names (see persistence.fieldmap) the operations commands read.
USED_COLUMNS = frozenset(
    {
        "task_name",
        "status",
        "created_at",
        "started_at",
        "updated_at",
        "completed_at",
        "failed_at",
        "attempt",
        "q2_task_id",
        "manager",
    }
)


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
        # The persistence receiver's own resolution, so both read the same columns.
        field_map = resolve_field_map(self.model, persistence.get("FIELD_MAP") or {})
        self.columns: dict[str, str] = {
            logical: mapped.field.name
            for logical, mapped in field_map.columns.items()
            if logical in USED_COLUMNS
        }
        self.alias: str = persistence.get("DATABASE") or router.db_for_write(self.model)

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
