"""Settle tasks the event pipeline lost track of, judged by django-q2's own records.

One engine, two sources of candidates:

- :func:`reconcile_records`: dashboard rows still pending/in progress (or with no status),
  plus django-q2 ``Task`` rows of PowerCRUD tasks finished recently whose dashboard row is
  missing or not final (a completion write that failed, a hook that never ran);
- :func:`cleanup_active_tasks`: PowerCRUD's active-task set in the cache (works without
  the dashboard), the set PowerCRUD's own cleanup command reads.

Per candidate, django-q2 decides (see ``q2_state``): a finished ``Task`` replays the
completion hook; a queued package is left alone; a task django-q2 no longer has is failed
with ``extra["reason"] = "abandoned"`` once it is older than the cluster could run it, and
left alone before that.  Nothing here writes a row directly: outcomes are events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from powercrud_signals.events import Status
from powercrud_signals.operations import finishing
from powercrud_signals.operations.q2_state import (
    BrokerSnapshot,
    QueueState,
    Timing,
    finished_tasks,
    snapshot_broker,
)
from powercrud_signals.operations.records import DashboardTable, dashboard_table
from powercrud_signals.q2 import POWERCRUD_BULK_TASKS

logger = logging.getLogger("powercrud_signals.operations")

POWERCRUD_HOOK = "powercrud.async_hooks.task_completion_hook"
ABSENCE_KEY = "powercrud_signals:absent:"
ABSENCE_TTL = 7 * 24 * 3600

IN_FLIGHT = (Status.PENDING.value, Status.IN_PROGRESS.value)


@dataclass(frozen=True)
class Candidate:
    """A task that may need settling, with what the dashboard knows about it."""

    task_name: str
    status: str | None = None
    started_at: datetime | None = None
    attempt: int | None = None
    q2_task_id: str | None = None
    manager: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in _FINAL


@dataclass(frozen=True)
class Outcome:
    task_name: str
    action: str
    """``completed``/``failed`` (completion replayed), ``abandoned``, ``released`` (locks
    only: the outcome was already recorded) or ``skipped``."""
    reason: str


@dataclass
class Report:
    """What one run did (or, with ``dry_run``, would do)."""

    dry_run: bool
    broker: str
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def settled(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.action != "skipped"]

    def as_dict(self) -> dict[str, Any]:
        actions = sorted({outcome.action for outcome in self.outcomes})
        return {
            "dry_run": self.dry_run,
            "broker": self.broker,
            "inspected": len(self.outcomes),
            "counts": {action: self.count(action) for action in actions},
            "tasks": [
                {"task_name": o.task_name, "action": o.action, "reason": o.reason}
                for o in self.outcomes
            ],
        }


def reconcile_records(
    timing: Timing,
    *,
    dry_run: bool = False,
    lookback: timedelta = timedelta(hours=24),
    finish_grace: timedelta = timedelta(seconds=60),
    now: datetime | None = None,
    source: str = "reconcile_task_records",
) -> Report:
    """Settle dashboard rows left in flight, and finished tasks the dashboard missed."""
    now = now or timezone.now()
    table = dashboard_table()
    snapshot = snapshot_broker()  # before the Task table: see q2_state.snapshot_broker
    if table is None:
        return Report(dry_run=dry_run, broker=snapshot.broker)
    candidates = {c.task_name: c for c in _in_flight_rows(table)}
    for name in _finished_without_final_row(table, now - lookback, now - finish_grace):
        candidates.setdefault(name, Candidate(task_name=name))
    return _settle(
        list(candidates.values()), snapshot, timing, dry_run, finish_grace, now, source, replay=True
    )


def cleanup_active_tasks(
    timing: Timing,
    *,
    dry_run: bool = False,
    finish_grace: timedelta = timedelta(seconds=60),
    now: datetime | None = None,
    source: str = "cleanup_async_tasks",
) -> Report:
    """Settle the tasks in PowerCRUD's active-task set (the set its locks hang off)."""
    now = now or timezone.now()
    manager = finishing.configured_manager()
    snapshot = snapshot_broker()
    names = sorted(str(name) for name in manager.get_active_tasks())  # type: ignore[attr-defined]
    known: dict[str, Candidate] = {}
    table = dashboard_table()
    if table is not None and names:
        column = table.col("task_name")
        for start in range(0, len(names), 500):
            batch = table.objects.filter(**{f"{column}__in": names[start : start + 500]})
            known.update({c.task_name: c for c in _candidates(table.rows(batch))})
    candidates = [known.get(name) or Candidate(task_name=name) for name in names]
    # Without a dashboard there is no telling whether the hook already reported a finished
    # task (PowerCRUD registers a task as active after enqueueing it, so a fast task can be
    # re-registered after its hook ran): release its locks without a second outcome.
    return _settle(
        candidates, snapshot, timing, dry_run, finish_grace, now, source, replay=table is not None
    )


def _in_flight_rows(table: DashboardTable) -> list[Candidate]:
    status = table.col("status")
    if status is None:
        return []
    queryset = table.objects.filter(**{f"{status}__in": IN_FLIGHT}) | table.objects.filter(
        **{f"{status}__isnull": True}
    )
    return list(_candidates(table.rows(queryset)))


def _candidates(rows: Iterable[dict[str, Any]]) -> Iterable[Candidate]:
    for row in rows:
        attempt = row.get("attempt")
        yield Candidate(
            task_name=str(row["task_name"]),
            status=row.get("status"),
            started_at=row.get("started_at") if row.get("status") == Status.IN_PROGRESS else None,
            attempt=attempt if isinstance(attempt, int) else None,
            q2_task_id=row.get("q2_task_id") or None,
            manager=row.get("manager") or None,
        )


def _finished_without_final_row(
    table: DashboardTable, since: datetime, until: datetime
) -> list[str]:
    """Names of PowerCRUD tasks django-q2 finished in the window with no final dashboard row."""
    from django_q.models import Task

    names = list(
        Task.objects.filter(hook=POWERCRUD_HOOK, stopped__gte=since, stopped__lte=until)
        .values_list("name", flat=True)
        .distinct()
    )
    status, column = table.col("status"), table.col("task_name")
    if not names or status is None or column is None:
        return []
    final: set[str] = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        final.update(
            table.objects.filter(**{f"{column}__in": batch, f"{status}__in": _FINAL}).values_list(
                column, flat=True
            )
        )
    return [name for name in names if name not in final]


_FINAL = (Status.SUCCESS.value, Status.FAILED.value)


def _settle(
    candidates: list[Candidate],
    snapshot: BrokerSnapshot,
    timing: Timing,
    dry_run: bool,
    finish_grace: timedelta,
    now: datetime,
    source: str,
    replay: bool,
) -> Report:
    report = Report(dry_run=dry_run, broker=snapshot.broker)
    tasks = finished_tasks(c.task_name for c in candidates)
    for candidate in candidates:
        try:
            outcome = _settle_one(
                candidate,
                tasks.get(candidate.task_name),
                snapshot,
                timing,
                dry_run,
                finish_grace,
                now,
                source,
                replay,
            )
        except Exception as exc:
            logger.exception("settle_failed task_name=%s", candidate.task_name)
            outcome = Outcome(candidate.task_name, "skipped", f"error: {type(exc).__name__}")
        report.outcomes.append(outcome)
        if outcome.action != "skipped":
            logger.warning(
                "task_settled task_name=%s action=%s reason=%s source=%s dry_run=%s",
                candidate.task_name,
                outcome.action,
                outcome.reason,
                source,
                dry_run,
            )
    return report


def _settle_one(
    candidate: Candidate,
    task: Any,
    snapshot: BrokerSnapshot,
    timing: Timing,
    dry_run: bool,
    finish_grace: timedelta,
    now: datetime,
    source: str,
    replay: bool,
) -> Outcome:
    name = candidate.task_name
    state = snapshot.state_of(name, task is not None)
    if state is QueueState.QUEUED:
        return Outcome(name, "skipped", "queued in the broker")
    if state is QueueState.UNKNOWN:
        return Outcome(name, "skipped", f"{snapshot.broker} broker cannot be listed")
    extra = {"reconciled_by": source}
    if state is QueueState.FINISHED:
        stopped = getattr(task, "stopped", None)
        if stopped is not None and stopped > now - finish_grace:
            return Outcome(name, "skipped", "finished moments ago; the hook may be running")
    if candidate.is_final or (state is QueueState.FINISHED and not replay):
        if not dry_run:
            finishing.release(name, manager_path=candidate.manager, extra=extra)
        return Outcome(name, "released", "outcome already recorded; locks released")
    if state is QueueState.FINISHED:
        action = "completed" if _succeeded(task) else "failed"
        if not dry_run:
            extra["reason"] = finishing.REASON_HOOK_MISSED
            finishing.replay_completion(task, name, extra)
        return Outcome(name, action, "django-q2 finished it; completion replayed")
    absent_since = None if candidate.started_at else _absent_since(name, now, dry_run)
    if not timing.is_abandoned(candidate.started_at, absent_since, now):
        if timing.max_runtime is None:
            return Outcome(name, "skipped", "no cluster timeout; it may still be running")
        return Outcome(name, "skipped", "not in django-q2's records yet; may still be running")
    if not dry_run:
        since = candidate.started_at or absent_since
        finishing.fail_abandoned(
            name,
            message=(
                "Task abandoned: django-q2 has no result for it and it is not queued "
                f"(last seen {since.isoformat() if since else 'unknown'}; "
                "the worker or cluster running it probably died)"
            ),
            manager_path=candidate.manager,
            attempt=candidate.attempt,
            q2_task_id=candidate.q2_task_id,
            extra={**extra, "reason": finishing.REASON_ABANDONED},
        )
        _forget_absence(name)
    return Outcome(name, "abandoned", "not queued, no result, older than the cluster timeout")


def _succeeded(task: Any) -> bool:
    # As the manager reports it: a PowerCRUD bulk worker returning False failed.
    if (
        getattr(task, "result", None) is False
        and getattr(task, "func", None) in POWERCRUD_BULK_TASKS
    ):
        return False
    return bool(getattr(task, "success", None))


def _absence_cache() -> Any:
    from django.core.cache import caches
    from powercrud.conf import get_powercrud_setting

    return caches[get_powercrud_setting("CACHE_NAME", "default") or "default"]


def _absent_since(task_name: str, now: datetime, dry_run: bool) -> datetime | None:
    """When a never-started task was first found missing from django-q2 (recorded now if new)."""
    try:
        cache = _absence_cache()
        key = ABSENCE_KEY + task_name
        if not dry_run:
            cache.add(key, now, ABSENCE_TTL)
        value = cache.get(key)
    except Exception:
        logger.warning("absence_mark_unavailable task_name=%s", task_name, exc_info=True)
        return None
    return value if isinstance(value, datetime) else None


def _forget_absence(task_name: str) -> None:
    try:
        _absence_cache().delete(ABSENCE_KEY + task_name)
    except Exception:
        logger.debug("absence_mark_not_deleted task_name=%s", task_name, exc_info=True)
