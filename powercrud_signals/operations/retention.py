"""Retention: delete finished dashboard rows older than an age per status.

Only ``success`` and ``failed`` rows are ever deleted, so pruning is safe while tasks are in
flight.  Each batch is deleted by a statement that repeats the status and age conditions, so
a row that a retried task moved back in flight between selecting and deleting is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from powercrud_signals.events import Status
from powercrud_signals.operations.records import DashboardTable

# When a row finished, by status: its own finish column, else its last update.
_FINISHED_COLUMNS = {
    Status.SUCCESS.value: ("completed_at", "updated_at", "created_at"),
    Status.FAILED.value: ("failed_at", "updated_at", "created_at"),
}


@dataclass
class PruneReport:
    dry_run: bool
    cutoffs: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "cutoffs": self.cutoffs,
            "counts": self.counts,
            "total": self.total,
        }


def prune(
    table: DashboardTable,
    max_age: dict[str, timedelta | None],
    *,
    batch_size: int = 1000,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneReport:
    """Delete (or with ``dry_run`` count) rows per status older than ``max_age[status]``.

    A status whose age is None is kept forever; statuses other than success/failed are
    never touched.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now or timezone.now()
    status_col = table.col("status")
    if status_col is None:
        raise ValueError(f"{table.model._meta.label} has no status column to prune by")
    report = PruneReport(dry_run=dry_run, cutoffs={})
    for status, age in max_age.items():
        if status not in _FINISHED_COLUMNS:
            raise ValueError(f"only finished statuses can be pruned, not {status!r}")
        if age is None:
            continue
        cutoff = now - age
        report.cutoffs[status] = cutoff.isoformat()
        condition = Q(**{status_col: status}) & _older_than(table, status, cutoff)
        if dry_run:
            report.counts[status] = table.objects.filter(condition).count()
            continue
        report.counts[status] = _delete_in_batches(table, condition, batch_size)
    return report


def _older_than(table: DashboardTable, status: str, cutoff: datetime) -> Q:
    columns = [c for c in (table.col(n) for n in _FINISHED_COLUMNS[status]) if c]
    if not columns:
        raise ValueError(f"{table.model._meta.label} has no timestamp column to prune by")
    # COALESCE(a, b, c) < cutoff, spelled out: a < cutoff, or a is null and b < cutoff, ...
    # A row with no timestamp at all is never old.
    condition = Q()
    nulls = Q()
    for column in columns:
        condition |= nulls & Q(**{f"{column}__lt": cutoff})
        nulls &= Q(**{f"{column}__isnull": True})
    return condition


def _delete_in_batches(table: DashboardTable, condition: Q, batch_size: int) -> int:
    deleted = 0
    while True:
        selected = table.objects.filter(condition).order_by("pk").values_list("pk", flat=True)
        ids = list(selected[:batch_size])
        if not ids:
            return deleted
        # The condition again: a row that changed since it was selected is kept.
        _, per_model = table.objects.filter(condition, pk__in=ids).delete()
        deleted += per_model.get(table.model._meta.label, 0)
        if len(ids) < batch_size:
            return deleted
