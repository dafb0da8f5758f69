"""The one SQL statement that writes an event to its task's row, with the guard inside it.

``INSERT ... ON CONFLICT (task_name) DO UPDATE SET col = CASE WHEN <rule> THEN excluded.col
ELSE table.col END, ...`` (SQLite >= 3.24 and PostgreSQL).  Every rule reads only the stored
row and the incoming values, in the same statement, so concurrent writers for one task can
neither create two rows nor move the task backwards.  The status rule is
``powercrud_signals.events.supersedes`` written in SQL:

- incoming status None never replaces (cleanup);
- stored status NULL (or a value this app does not know) is always replaced;
- when both attempts are known and differ, the later attempt wins;
- otherwise a strictly higher rank wins (pending 0 < in_progress 1 < success/failed 2).

Statement texts are cached per shape (which columns, which status, attempt known or not);
values are always bound parameters, names always quoted by the connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED, Field

from powercrud_signals.events import TERMINAL_STATUSES, Status, status_rank
from powercrud_signals.persistence.fieldmap import ColumnKind, FieldMap, MappedColumn
from powercrud_signals.persistence.values import default_value, fit_value, incoming_value
from powercrud_signals.persistence.writes import RULES, RowWrite, Rule

ShapeKey = tuple[Any, ...]


@dataclass(frozen=True)
class _Shape:
    sql: str
    insert_logicals: tuple[str | None, ...]
    """Per inserted column: the logical name whose value goes there, or None for a default."""
    guard_params: int
    """How many times the incoming attempt is bound in the SET clause."""


class UpsertBuilder:
    """Builds (and caches) the upsert for one model, field map and connection vendor."""

    def __init__(self, field_map: FieldMap, create_defaults: dict[str, Any] | None = None) -> None:
        self.field_map = field_map
        self.create_defaults = dict(create_defaults or {})
        self._by_field = {mapped.field.name: mapped for mapped in field_map.columns.values()}
        self._insert_fields = self._insertable_fields()
        self._shapes: dict[tuple[str, ShapeKey], _Shape] = {}

    def _insertable_fields(self) -> list[Field[Any, Any]]:
        meta = self.field_map.model._meta
        fields: list[Field[Any, Any]] = []
        for field in meta.concrete_fields:
            if field.primary_key and getattr(field, "db_returning", False):
                continue  # auto-increment key
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                mapped = self._by_field.get(field.name)
                if mapped is None:
                    continue  # the database fills it
            fields.append(field)
        return fields

    # ------------------------------------------------------------------ public

    def build(self, write: RowWrite, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        """The statement and its parameters for ``write`` on ``connection``."""
        columns = self.field_map.columns
        present = tuple(
            logical for logical in RULES if logical in write.values and logical in columns
        )
        has_attempt = write.attempt is not None and "attempt" in columns
        key: ShapeKey = (present, write.status, has_attempt)
        cache_key = (connection.vendor, key)
        shape = self._shapes.get(cache_key)
        if shape is None:
            shape = self._shape(present, write.status, has_attempt, connection)
            self._shapes[cache_key] = shape
        params: list[Any] = []
        for field, logical in zip(self._insert_fields, shape.insert_logicals, strict=True):
            if logical is None:
                params.append(self._default(field, connection))
            else:
                params.append(self._value(columns[logical], write, connection))
        params.extend([write.attempt] * shape.guard_params)
        return shape.sql, params

    # ----------------------------------------------------------------- values

    def _value(self, mapped: MappedColumn, write: RowWrite, connection: BaseDatabaseWrapper) -> Any:
        value = fit_value(mapped, incoming_value(mapped, write), connection)
        if value is None:
            return self._default(mapped.field, connection)
        return value

    def _default(self, field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Any:
        if field.name in self.create_defaults:
            mapped = self._by_field.get(field.name)
            given = self.create_defaults[field.name]
            if mapped is not None:
                return fit_value(mapped, given, connection)
            return field.get_db_prep_save(given, connection)
        return default_value(field, connection)

    # -------------------------------------------------------------- statement

    def _shape(
        self,
        present: tuple[str, ...],
        status: Status | None,
        has_attempt: bool,
        connection: BaseDatabaseWrapper,
    ) -> _Shape:
        q = connection.ops.quote_name
        columns = self.field_map.columns
        table = q(self.field_map.model._meta.db_table)
        by_column = {mapped.field.name: mapped.logical for mapped in columns.values()}
        insert_logicals: list[str | None] = []
        for field in self._insert_fields:
            logical = by_column.get(field.name)
            provides = logical is not None and (
                logical == "task_name"
                or logical in present
                or (logical == "user_id" and "user" in present)
                or (logical == "user" and "user_id" in present)
            )
            insert_logicals.append(logical if provides else None)
        insert_columns = ", ".join(q(str(field.column)) for field in self._insert_fields)
        placeholders = ", ".join(["%s"] * len(self._insert_fields))

        guard = _Guard(
            stored=lambda logical: f"{table}.{q(columns[logical].column)}",
            has_status="status" in columns,
            has_attempt_column="attempt" in columns,
            incoming=status,
            attempt_known=has_attempt,
        )
        assignments: list[str] = []
        for logical in present:
            if logical == "task_name":
                continue
            mapped = columns[logical]
            expression = self._assignment(RULES[logical], mapped, guard, table, q)
            if expression is not None:
                assignments.append(f"{q(mapped.column)} = {expression}")
        key_column = q(self.field_map.key.column)
        sql = (
            f"INSERT INTO {table} ({insert_columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({key_column}) "
        )
        sql += f"DO UPDATE SET {', '.join(assignments)}" if assignments else "DO NOTHING"
        return _Shape(sql=sql, insert_logicals=tuple(insert_logicals), guard_params=guard.params)

    def _assignment(
        self,
        rule: Rule,
        mapped: MappedColumn,
        guard: _Guard,
        table: str,
        q: Callable[[str], str],
    ) -> str | None:
        stored = f"{table}.{q(mapped.column)}"
        incoming = f"excluded.{q(mapped.column)}"
        if rule is Rule.FILL:
            return f"CASE WHEN {_empty(stored, mapped)} THEN {incoming} ELSE {stored} END"
        if rule is Rule.STATUS:
            supersedes = guard.supersedes()
            if supersedes is None:
                return None
            return f"CASE WHEN {supersedes} THEN {incoming} ELSE {stored} END"
        if rule is Rule.ATTEMPT:
            supersedes = guard.supersedes()
            if supersedes is None:
                return None
            return f"CASE WHEN {supersedes} THEN COALESCE({incoming}, {stored}) ELSE {stored} END"
        if rule in (Rule.MESSAGE, Rule.UNLESS_LOSING) and guard.incoming_is_terminal:
            # Two terminal outcomes of one attempt: the first stands, with its message and
            # result; so a terminal event writes them only when it replaces the status.
            supersedes = guard.supersedes()
            if supersedes is None:
                return None
            if rule is Rule.MESSAGE:
                supersedes = f"({supersedes} OR {_empty(stored, mapped)})"
            return f"CASE WHEN {supersedes} THEN {incoming} ELSE {stored} END"
        if rule is Rule.MESSAGE:
            loses = guard.loses()
            if loses is None:
                return incoming
            keep = f"{loses} AND NOT {_empty(stored, mapped)}"
            return f"CASE WHEN {keep} THEN {stored} ELSE {incoming} END"
        if rule is Rule.UNLESS_LOSING:
            loses = guard.loses()
            if loses is None:
                return incoming
            return f"CASE WHEN {loses} THEN {stored} ELSE {incoming} END"
        if rule in (Rule.EARLIEST, Rule.LATEST):
            op = "<" if rule is Rule.EARLIEST else ">"
            replace = f"{stored} IS NULL OR {incoming} {op} {stored}"
            return f"CASE WHEN {replace} THEN {incoming} ELSE {stored} END"
        return incoming  # Rule.SET


def _empty(stored: str, mapped: MappedColumn) -> str:
    if mapped.kind is ColumnKind.TEXT:
        return f"({stored} IS NULL OR {stored} = '')"
    return f"({stored} IS NULL)"


_RANKED = (Status.PENDING, Status.IN_PROGRESS, Status.SUCCESS, Status.FAILED)


class _Guard:
    """SQL for "the incoming status supersedes / loses to the stored one".

    Every predicate is NULL-free (TRUE or FALSE, never NULL), so ``CASE WHEN`` picks the
    branch the Python rule picks.  ``None`` from ``supersedes()`` means "never" (the column
    is left out); ``None`` from ``loses()`` means "never loses" (no status column).
    """

    def __init__(
        self,
        stored: Callable[[str], str],
        has_status: bool,
        has_attempt_column: bool,
        incoming: Status | None,
        attempt_known: bool,
    ) -> None:
        self.stored = stored
        self.has_status = has_status
        self.has_attempt_column = has_attempt_column
        self.incoming = incoming
        self.attempt_known = attempt_known and has_attempt_column
        self.params = 0

    @property
    def incoming_is_terminal(self) -> bool:
        return self.incoming in TERMINAL_STATUSES

    def _rank(self) -> str:
        status = self.stored("status")
        whens = " ".join(f"WHEN '{s.value}' THEN {status_rank(s)}" for s in _RANKED)
        return f"(CASE {status} {whens} END)"

    def _attempt(self, op: str) -> str:
        self.params += 1
        return f"{self.stored('attempt')} {op} %s"

    def supersedes(self) -> str | None:
        if self.incoming is None:
            return None
        if not self.has_status:
            return "(1 = 1)"
        rank, mine = self._rank(), status_rank(self.incoming)
        if not self.attempt_known:
            return f"({rank} IS NULL OR {rank} < {mine})"
        stored_attempt = self.stored("attempt")
        newer = f"({stored_attempt} IS NOT NULL AND {self._attempt('<')})"
        same = f"({stored_attempt} IS NULL OR {self._attempt('=')})"
        return f"({rank} IS NULL OR {newer} OR ({same} AND {rank} < {mine}))"

    def loses(self) -> str | None:
        if not self.has_status:
            return None
        rank = self._rank()
        if self.incoming is None:
            return f"({rank} IS NOT NULL)"
        mine = status_rank(self.incoming)
        if not self.attempt_known:
            return f"({rank} IS NOT NULL AND {rank} > {mine})"
        stored_attempt = self.stored("attempt")
        older = f"({stored_attempt} IS NOT NULL AND {self._attempt('>')})"
        same = f"({stored_attempt} IS NULL OR {self._attempt('=')})"
        return f"({rank} IS NOT NULL AND ({older} OR ({same} AND {rank} > {mine})))"
