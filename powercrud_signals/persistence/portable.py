"""The same rules for databases without ``INSERT ... ON CONFLICT DO UPDATE`` (MySQL, Oracle).

Slower and not a single statement: inside a transaction the row is locked with
``SELECT ... FOR UPDATE`` (created first if missing, retrying on the unique-key race), the
rules of ``statements`` are applied in Python to the locked values, and the changed columns
are written with one ``UPDATE``.  The lock keeps concurrent writers for one task serial, so
the outcome is the one the SQL statement gives.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from powercrud_signals.events import TERMINAL_STATUSES, coerce_status, supersedes
from powercrud_signals.persistence.fieldmap import ColumnKind, FieldMap, MappedColumn
from powercrud_signals.persistence.values import fit_python, incoming_value
from powercrud_signals.persistence.writes import RULES, RowWrite, Rule


def supports_upsert(connection: BaseDatabaseWrapper) -> bool:
    """True where the single-statement upsert works (SQLite >= 3.24, PostgreSQL)."""
    return connection.vendor in ("sqlite", "postgresql") and bool(
        getattr(connection.features, "supports_update_conflicts_with_target", False)
    )


def _empty(value: Any, mapped: MappedColumn) -> bool:
    return value is None or (mapped.kind is ColumnKind.TEXT and value == "")


class PortableWriter:
    """Applies a RowWrite with a row lock and Python-side rules."""

    def __init__(self, field_map: FieldMap, create_defaults: dict[str, Any]) -> None:
        self.field_map = field_map
        self.create_defaults = create_defaults

    def write(self, write: RowWrite, alias: str) -> None:
        columns = self.field_map.columns
        model = self.field_map.model
        key = self.field_map.key.field
        present = [name for name in RULES if name in write.values and name in columns]
        incoming = {
            name: fit_python(columns[name], incoming_value(columns[name], write))
            for name in present
        }
        names = [columns[name].field.attname for name in present]
        for extra in ("status", "attempt"):
            if extra in columns and columns[extra].field.attname not in names:
                names.append(columns[extra].field.attname)
        manager = model._base_manager.using(alias)
        with transaction.atomic(using=alias):
            locked = manager.select_for_update().filter(**{key.attname: write.task_name})
            stored = locked.values(*names).first()
            if stored is None:
                if self._insert(write, incoming, alias):
                    return
                stored = locked.values(*names).first()
                if stored is None:  # pragma: no cover - the row that won the race vanished
                    return
            changes = self._changes(write, incoming, stored)
            if changes:
                manager.filter(**{key.attname: write.task_name}).update(**changes)

    def _insert(self, write: RowWrite, incoming: dict[str, Any], alias: str) -> bool:
        model = self.field_map.model
        columns = self.field_map.columns
        values: dict[str, Any] = {}
        by_field = {mapped.field.name: mapped for mapped in columns.values()}
        for field in model._meta.concrete_fields:
            mapped = by_field.get(field.name)
            value = None
            if mapped is not None:
                if mapped.logical == "task_name":
                    value = write.task_name
                else:
                    value = incoming.get(mapped.logical)
            if value is None and field.name in self.create_defaults:
                value = self.create_defaults[field.name]
            if value is None:
                value = field.get_default()
            values[field.attname] = value
        instance = model(**values)
        try:
            with transaction.atomic(using=alias):
                instance.save_base(raw=True, force_insert=True, using=alias)
        except IntegrityError:
            return False  # another writer created it first: apply the rules to its row
        return True

    def _changes(
        self, write: RowWrite, incoming: dict[str, Any], stored: dict[str, Any]
    ) -> dict[str, Any]:
        columns = self.field_map.columns
        status_col = columns.get("status")
        attempt_col = columns.get("attempt")
        stored_status = coerce_status(stored[status_col.field.attname]) if status_col else None
        stored_attempt = stored[attempt_col.field.attname] if attempt_col else None
        attempt = write.attempt if attempt_col else None
        if status_col is None:
            wins, loses = write.status is not None, False
        else:
            wins = supersedes(write.status, attempt, stored_status, stored_attempt)
            loses = supersedes(stored_status, stored_attempt, write.status, attempt)
        terminal = write.status in TERMINAL_STATUSES
        changes: dict[str, Any] = {}
        for name, value in incoming.items():
            mapped = columns[name]
            current = stored.get(mapped.field.attname)
            rule = RULES[name]
            if rule is Rule.FILL:
                take = _empty(current, mapped)
            elif rule is Rule.STATUS:
                take = wins
            elif rule is Rule.ATTEMPT:
                take, value = wins, value if value is not None else current
            elif rule is Rule.MESSAGE:
                take = (wins if terminal else not loses) or _empty(current, mapped)
            elif rule is Rule.UNLESS_LOSING:
                take = wins if terminal else not loses
            elif rule is Rule.EARLIEST:
                take = value is not None and (current is None or value < current)
            elif rule is Rule.LATEST:
                take = value is not None and (current is None or value > current)
            else:
                take = True
            if take and value is not None:
                changes[mapped.field.attname] = value
        return changes
