"""django-q2 schedules for the operations commands.

``ensure_schedules()`` creates (or updates, by name) one django-q2 ``Schedule`` per command;
call it from a data migration or a deployment step, never at import time.  Each schedule
runs a function below in a cluster worker; they return the command's report as a dict, which
django-q2 stores as the result.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from powercrud_signals.events import Status
from powercrud_signals.operations.q2_state import Timing
from powercrud_signals.operations.reconcile import cleanup_active_tasks, reconcile_records
from powercrud_signals.operations.records import dashboard_table
from powercrud_signals.operations.retention import prune

__all__ = ["SCHEDULE_NAMES", "cleanup", "ensure_schedules", "prune_records", "reconcile"]

SCHEDULE_NAMES = {
    "reconcile": "powercrud_signals: reconcile task records",
    "cleanup": "powercrud_signals: clean up async tasks",
    "prune": "powercrud_signals: prune task records",
}


def reconcile(margin: float = 60.0, max_runtime: float | None = None) -> dict[str, Any]:
    """Scheduled ``reconcile_task_records``."""
    timing = Timing.from_cluster(margin=margin, max_runtime=max_runtime)
    return reconcile_records(timing, source="schedule").as_dict()


def cleanup(margin: float = 60.0, max_runtime: float | None = None) -> dict[str, Any]:
    """Scheduled ``cleanup_async_tasks``."""
    timing = Timing.from_cluster(margin=margin, max_runtime=max_runtime)
    return cleanup_active_tasks(timing, source="schedule").as_dict()


def prune_records(success_days: float | None = 7, failed_days: float | None = 30) -> dict[str, Any]:
    """Scheduled ``prune_task_records``; None keeps that status forever."""
    table = dashboard_table()
    if table is None:
        return {"skipped": "persistence disabled"}
    max_age = {
        Status.SUCCESS.value: None if success_days is None else timedelta(days=success_days),
        Status.FAILED.value: None if failed_days is None else timedelta(days=failed_days),
    }
    return prune(table, max_age).as_dict()


def ensure_schedules(
    *,
    reconcile_minutes: int = 5,
    cleanup_minutes: int = 5,
    prune_at: time = time(3, 17),
    success_days: float | None = 7,
    failed_days: float | None = 30,
) -> list[Any]:
    """Create or update the three schedules; returns the ``Schedule`` rows.

    Reconciliation and cleanup run every few minutes (each run only looks at tasks in flight
    or in PowerCRUD's active set); pruning once a day, by default at 03:17 (local time).
    """
    from django_q.models import Schedule

    specs: list[tuple[str, dict[str, Any]]] = [
        (
            "reconcile",
            {
                "func": "powercrud_signals.schedules.reconcile",
                "schedule_type": Schedule.MINUTES,
                "minutes": reconcile_minutes,
            },
        ),
        (
            "cleanup",
            {
                "func": "powercrud_signals.schedules.cleanup",
                "schedule_type": Schedule.MINUTES,
                "minutes": cleanup_minutes,
            },
        ),
        (
            "prune",
            {
                "func": "powercrud_signals.schedules.prune_records",
                # DAILY rather than CRON: cron schedules need the optional croniter package.
                "schedule_type": Schedule.DAILY,
                "next_run": _next(prune_at),
                "kwargs": f"success_days={success_days!r}, failed_days={failed_days!r}",
            },
        ),
    ]
    rows = []
    for key, fields in specs:
        if key == "prune" and Schedule.objects.filter(name=SCHEDULE_NAMES[key]).exists():
            fields.pop("next_run")  # keep the running schedule's own next run
        row, _ = Schedule.objects.update_or_create(
            name=SCHEDULE_NAMES[key], defaults={"repeats": -1, **fields}
        )
        rows.append(row)
    return rows


def _next(at: time) -> datetime:
    from django.conf import settings
    from django.utils import timezone

    # With USE_TZ = False now() is already local time, and localtime() refuses it.
    now = timezone.localtime() if settings.USE_TZ else timezone.now()
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)
