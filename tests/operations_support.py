"""Real rows for the operations tests: dashboard rows, django-q2 Task rows, PowerCRUD locks."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_q.models import Task

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord

POWERCRUD_HOOK = "powercrud.async_hooks.task_completion_hook"
MANAGER_PATH = "powercrud_signals.manager.SignalAsyncManager"


def ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)


def record(status: str | None, task_name: str | None = None, **fields: Any) -> TaskRecord:
    """A dashboard row in the given state (as the persistence receiver leaves it)."""
    name = task_name or str(uuid.uuid4())
    defaults: dict[str, Any] = {"created_at": fields.get("created_at", ago(minutes=1))}
    if status == "in_progress":
        defaults["started_at"] = fields.get("started_at", ago(minutes=1))
    defaults.update(fields)
    defaults.setdefault("updated_at", defaults["created_at"])
    defaults.setdefault("manager", MANAGER_PATH)
    # update_or_create: launching a task already wrote its row when persistence is on.
    row, _ = TaskRecord.objects.update_or_create(
        task_name=name, defaults={"status": status, **defaults}
    )
    return row


def finished_task(
    task_name: str,
    *,
    success: bool = True,
    result: Any = "done",
    stopped: datetime | None = None,
    func: str = "tests.testapp.tasks.add",
    kwargs: dict[str, Any] | None = None,
    attempt_count: int = 1,
) -> Task:
    """A django-q2 Task row as the monitor saves it, *without* its completion hook running.

    ``bulk_create`` skips ``post_save``, which is what calls the hook: this is exactly the
    state a monitor that died (or a hook that failed) leaves behind.
    """
    stopped = stopped or ago(minutes=5)
    task = Task(
        id=uuid.uuid4().hex,
        name=task_name,
        func=func,
        hook=POWERCRUD_HOOK,
        args=(1, 2),
        kwargs={"task_key": task_name, "manager_class": MANAGER_PATH, **(kwargs or {})},
        result=result,
        started=stopped - timedelta(seconds=2),
        stopped=stopped,
        success=success,
        attempt_count=attempt_count,
    )
    Task.objects.bulk_create([task])
    return task


def hold_locks(task_name: str, *ids: int) -> SignalAsyncManager:
    """Register the task as active with object locks and a progress key, as a launch does."""
    manager = SignalAsyncManager()
    # add_active_task also creates the progress key (without sending an event).
    assert manager.add_active_task(task_name, conflict_ids={"testapp.Book": set(ids)})
    return manager


def holds_locks(task_name: str, *ids: int) -> bool:
    manager = SignalAsyncManager()
    locked = manager.check_conflict({"testapp.Book": list(ids)})
    return (
        task_name in manager.get_active_tasks()
        and locked == set(ids)
        and manager.get_progress(task_name) is not None
    )


def released(task_name: str, *ids: int) -> bool:
    manager = SignalAsyncManager()
    return (
        task_name not in manager.get_active_tasks()
        and not manager.check_conflict({"testapp.Book": list(ids)})
        and manager.get_progress(task_name) is None
    )
