"""Fitting a logical value to the column that receives it, so the database never rejects it.

Text is truncated to the column's ``max_length``; structured values become JSON text for a
text column and stay structured for a JSON column; a foreign key to the user model takes the
primary key of a saved user; integers are clamped to the column's range.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model
from django.utils import timezone

from powercrud_signals.persistence.fieldmap import ColumnKind, MappedColumn
from powercrud_signals.persistence.writes import RowWrite

ELLIPSIS = "…"


def fit_text(value: Any, max_length: int | None) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            text = str(value)
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        text = text.replace("\x00", "")
    if max_length is not None and len(text) > max_length:
        text = text[: max(0, max_length - 1)] + ELLIPSIS if max_length > 1 else text[:max_length]
    return text


def fit_integer(value: Any, mapped: MappedColumn) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            return None
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        mapped.field.get_internal_type(), (None, None)
    )
    if low is not None and value < low:
        return int(low)
    if high is not None and value > high:
        return int(high)
    return int(value)


def foreign_key_value(value: Any, mapped: MappedColumn) -> Any:
    """The primary key to store for ``value``: a saved instance of the related model's pk,
    a bare key that the related primary key column can hold, anything else None (the user's
    label is still stored in its own column)."""
    related = mapped.field.related_model
    if isinstance(value, Model):
        if related is not None and not isinstance(value, related):  # type: ignore[arg-type]
            return None
        if value._state.adding or value.pk is None:
            return None
        return value.pk
    if isinstance(value, (int, str)) and not isinstance(value, bool) and related is not None:
        return _fitting_key(value, related._meta.pk)  # type: ignore[union-attr]
    return None


def _fitting_key(value: int | str, pk_field: Any) -> Any:
    # A username passed where a user was expected must not reach an integer key column, and
    # an integer beyond the column's range would make the database reject the whole row.
    try:
        key = pk_field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        pk_field.get_internal_type(), (None, None)
    )
    if isinstance(key, int) and low is not None and high is not None and not low <= key <= high:
        return None
    return key


def fit_python(mapped: MappedColumn, value: Any) -> Any:
    """``value`` as the Python value ``mapped``'s column can store (None stays None)."""
    if value is None:
        return None
    kind = mapped.kind
    if kind is ColumnKind.TEXT:
        return fit_text(value, mapped.max_length)
    if kind is ColumnKind.INTEGER:
        return fit_integer(value, mapped)
    if kind is ColumnKind.BOOLEAN:
        return bool(value)
    if kind is ColumnKind.DATETIME:
        if not isinstance(value, datetime):
            return None
        if not settings.USE_TZ and timezone.is_aware(value):
            return timezone.make_naive(value)
        return value
    if kind is ColumnKind.FOREIGN_KEY:
        return foreign_key_value(value, mapped)
    return value


def fit_value(mapped: MappedColumn, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """The database parameter for ``value`` in ``mapped``'s column (None stays None)."""
    value = fit_python(mapped, value)
    if value is None or mapped.kind is ColumnKind.TEXT:
        return value
    return mapped.field.get_db_prep_save(value, connection)


def incoming_value(mapped: MappedColumn, write: RowWrite) -> Any:
    """The raw value ``write`` carries for ``mapped``'s logical name."""
    logical = mapped.logical
    if mapped.kind is ColumnKind.FOREIGN_KEY and logical in ("user", "user_id"):
        return write.user
    if logical == "user_id":
        return write.values.get("user")  # a text column for the user: its label
    if logical == "task_name":
        return write.task_name
    return write.values.get(logical)


def default_value(field: Any, connection: BaseDatabaseWrapper) -> Any:
    """What Django would insert for a field the event does not provide."""
    return field.get_db_prep_save(field.get_default(), connection)
