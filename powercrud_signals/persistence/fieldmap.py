"""Which column of the dashboard model holds which part of a lifecycle event.

The logical names are those of PowerCRUD's ``AsyncDashboardConfig.field_map`` plus the
columns this app adds; the defaults are the bundled ``TaskRecord``'s field names, which
already follow PowerCRUD's ``ModelTrackingAsyncManager`` defaults.  A field map entry names a
model *field* (as PowerCRUD's does); ``None`` skips that logical name.  Logical names whose
field the model does not have are skipped, so a model with only a task-name column works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from powercrud_signals.exceptions import ConfigurationError

#: logical name -> default field name.  The first twelve are PowerCRUD's.
DEFAULT_FIELD_MAP: dict[str, str] = {
    "task_name": "task_name",
    "status": "status",
    "message": "message",
    "progress": "progress_payload",
    "user": "user_label",
    "affected": "affected_objects",
    "kwargs": "task_kwargs",
    "args": "task_args",
    "result": "result_payload",
    "cleaned": "cleaned_up",
    "completed_at": "completed_at",
    "failed_at": "failed_at",
    "progress_current": "progress_current",
    "progress_total": "progress_total",
    "user_id": "user",
    "q2_task_id": "q2_task_id",
    "attempt": "attempt",
    "manager": "manager",
    "created_at": "created_at",
    "started_at": "started_at",
    "updated_at": "updated_at",
    "cleaned_at": "cleaned_at",
}

LOGICAL_NAMES = frozenset(DEFAULT_FIELD_MAP)


class ColumnKind(Enum):
    """How a value is fitted to a column, and what "empty" means for it in SQL."""

    TEXT = "text"
    JSON = "json"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    FOREIGN_KEY = "foreign_key"
    OTHER = "other"


@dataclass(frozen=True)
class MappedColumn:
    """One model field that receives one logical value."""

    logical: str
    field: models.Field[Any, Any]
    kind: ColumnKind

    @property
    def column(self) -> str:
        return str(self.field.column)

    @property
    def max_length(self) -> int | None:
        return getattr(self.field, "max_length", None) if self.kind is ColumnKind.TEXT else None


def column_kind(field: models.Field[Any, Any]) -> ColumnKind:
    if isinstance(field, models.JSONField):
        return ColumnKind.JSON
    if isinstance(field, models.ForeignKey):
        return ColumnKind.FOREIGN_KEY
    if isinstance(field, models.BooleanField):
        return ColumnKind.BOOLEAN
    if isinstance(field, models.DateTimeField):
        return ColumnKind.DATETIME
    if isinstance(field, models.IntegerField):  # includes Big/Small/Positive variants
        return ColumnKind.INTEGER
    if isinstance(field, (models.CharField, models.TextField)):
        return ColumnKind.TEXT
    return ColumnKind.OTHER


@dataclass(frozen=True)
class FieldMap:
    """The resolved map for one model: logical name -> column, only for columns that exist."""

    model: type[models.Model]
    columns: Mapping[str, MappedColumn]

    @property
    def key(self) -> MappedColumn:
        return self.columns["task_name"]

    def get(self, logical: str) -> MappedColumn | None:
        return self.columns.get(logical)


def resolve_field_map(
    model: type[models.Model], overrides: Mapping[str, str | None] | None = None
) -> FieldMap:
    """Resolve ``overrides`` (a ``FIELD_MAP`` setting) over the defaults for ``model``.

    Raises ConfigurationError for an unknown logical name, a field the override names that
    the model does not have, or a task-name field that is missing or not unique (the upsert
    needs a unique key).  Default fields the model lacks are skipped silently.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - LOGICAL_NAMES)
    if unknown:
        raise ConfigurationError(
            f"FIELD_MAP names unknown logical name(s) {unknown}; "
            f"known: {', '.join(sorted(LOGICAL_NAMES))}"
        )
    label = model._meta.label
    columns: dict[str, MappedColumn] = {}
    for logical, default in DEFAULT_FIELD_MAP.items():
        explicit = logical in overrides
        name = overrides[logical] if explicit else default
        if not name:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            if explicit:
                raise ConfigurationError(
                    f"FIELD_MAP[{logical!r}] = {name!r}, but {label} has no field {name!r}"
                ) from None
            continue
        if not getattr(field, "concrete", False) or field.many_to_many or field.one_to_many:
            raise ConfigurationError(
                f"FIELD_MAP[{logical!r}] = {name!r} on {label} is not a column"
            )
        columns[logical] = MappedColumn(logical, field, column_kind(field))  # type: ignore[arg-type]
    key = columns.get("task_name")
    if key is None:
        raise ConfigurationError(f"{label} has no task-name field; map 'task_name' to one")
    if not key.field.unique:
        raise ConfigurationError(
            f"{label}.{key.field.name} must be unique (unique=True): it is the key every "
            "event is written under"
        )
    return FieldMap(model=model, columns=columns)
