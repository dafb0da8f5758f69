"""ensure_schedules(): one django-q2 schedule per operations command, idempotent, runnable
by a real cluster worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from powercrud_signals.models import TaskRecord
from powercrud_signals.schedules import SCHEDULE_NAMES, ensure_schedules
from tests.cluster import EventLog, Q2Cluster
from tests.operations_support import ago, record


@pytest.mark.django_db
def test_creates_three_schedules_and_updates_them_in_place() -> None:
    first = ensure_schedules()
    again = ensure_schedules(reconcile_minutes=2, failed_days=None)

    assert [s.pk for s in again] == [s.pk for s in first]
    assert Schedule.objects.count() == 3
    by_name = {s.name: s for s in Schedule.objects.all()}
    reconcile = by_name[SCHEDULE_NAMES["reconcile"]]
    assert (reconcile.func, reconcile.schedule_type, reconcile.minutes) == (
        "powercrud_signals.schedules.reconcile",
        Schedule.MINUTES,
        2,
    )
    cleanup = by_name[SCHEDULE_NAMES["cleanup"]]
    assert cleanup.func == "powercrud_signals.schedules.cleanup" and cleanup.repeats == -1
    prune = by_name[SCHEDULE_NAMES["prune"]]
    assert prune.schedule_type == Schedule.DAILY
    assert prune.kwargs == "success_days=7, failed_days=None"
    assert timezone.now() < prune.next_run <= timezone.now() + timezone.timedelta(days=1)
    # Re-running keeps the running schedule's own next run.
    next_run = prune.next_run
    ensure_schedules()
    assert Schedule.objects.get(pk=prune.pk).next_run == next_run


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        ("powercrud_signals.schedules.reconcile", {}),
        ("powercrud_signals.schedules.cleanup", {}),
        ("powercrud_signals.schedules.prune_records", {"success_days": 1}),
    ],
)
def test_each_scheduled_function_runs_in_a_cluster_worker(
    q2_cluster: Q2Cluster, event_log: EventLog, func: str, kwargs: dict[str, Any]
) -> None:
    lost = record("in_progress", started_at=ago(minutes=30)).task_name
    old = record("success", completed_at=ago(days=3)).task_name

    task_id = async_task(func, **kwargs)
    task = wait_for_task(task_id)

    assert task.success is True, task.result
    report = task.result
    if func.endswith("reconcile"):
        assert (lost, "abandoned") in {(t["task_name"], t["action"]) for t in report["tasks"]}
        event_log.wait_for_kind(lost, "fail", timeout=30)
    elif func.endswith("cleanup"):
        assert report["broker"] == "ORM"  # the active set is empty: nothing else to do
    else:
        assert report["counts"] == {"success": 1, "failed": 0}
        assert not TaskRecord.objects.filter(task_name=old).exists()


def wait_for_task(task_id: str, timeout: float = 60) -> Task:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = Task.objects.filter(id=task_id).first()
        if task is not None:
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish in {timeout}s")


def test_names_are_stable() -> None:
    assert len({*SCHEDULE_NAMES.values()}) == 3
    assert all(name.startswith("powercrud_signals: ") for name in SCHEDULE_NAMES.values())


@pytest.mark.django_db
def test_creates_the_schedules_under_use_tz_false(settings: Any) -> None:
    """timezone.localtime() refuses the naive now() of USE_TZ = False; a project with
    that setting must still be able to create the schedules (from a data migration)."""
    settings.USE_TZ = False
    rows = ensure_schedules()
    prune = next(row for row in rows if row.name == SCHEDULE_NAMES["prune"])
    assert prune.next_run is not None and timezone.is_naive(prune.next_run)
    assert (prune.next_run.hour, prune.next_run.minute) == (3, 17)
