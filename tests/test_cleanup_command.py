"""cleanup_async_tasks: release PowerCRUD locks of finished or lost tasks, through signals,
keeping those of queued and running tasks (which PowerCRUD's own command releases)."""

from __future__ import annotations

import json
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from powercrud_signals.testing import capture_events
from tests.operations_support import ago, finished_task, hold_locks, holds_locks, record, released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """PowerCRUD's active-task set lives in the cache, which outlives other tests' rows."""
    from django.core.cache import caches

    caches["default"].clear()


def cleanup(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("cleanup_async_tasks", "--json", *args, stdout=out)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def actions(report: dict[str, Any]) -> dict[str, str]:
    return {task["task_name"]: task["action"] for task in report["tasks"]}


def launch_queued(*ids: int) -> str:
    """A real queued task holding object locks, as a PowerCRUD bulk edit launches it."""
    return SignalAsyncManager().launch_async_task(
        "tests.testapp.tasks.add", 1, 2, conflict_ids={"testapp.Book": set(ids)}
    )


def test_queued_task_keeps_its_locks_and_a_finished_one_is_released() -> None:
    queued = launch_queued(1, 2)
    finished = str(uuid.uuid4())
    hold_locks(finished, 3)
    finished_task(finished, success=True, result=3)

    with capture_events() as events:
        report = cleanup()

    assert actions(report) == {queued: "skipped", finished: "completed"}
    assert holds_locks(queued, 1, 2)
    assert released(finished, 3)
    # Through the signal-emitting manager: receivers hear of it.
    events.assert_kinds(["complete", "cleanup"], finished)
    assert {e.manager for e in events} == {"powercrud_signals.manager.SignalAsyncManager"}
    assert events.for_task(queued) == []


def test_powercrud_own_cleanup_releases_the_queued_task_and_sends_no_signal() -> None:
    # The behaviour cleanup_async_tasks replaces, on the same state.
    queued = launch_queued(1, 2)

    with capture_events() as events:
        call_command("pcrud_cleanup_async", stdout=StringIO())

    assert released(queued, 1, 2)
    assert list(events) == []


def test_recorded_outcome_is_not_sent_twice() -> None:
    # PowerCRUD registers a task as active after enqueueing it, so a fast task can be
    # registered again after its hook reported it: release the locks, send no second outcome.
    name = str(uuid.uuid4())
    hold_locks(name, 4)
    record("success", name, completed_at=ago(minutes=5))
    finished_task(name)

    with capture_events() as events:
        report = cleanup()

    assert actions(report) == {name: "released"}
    events.assert_kinds(["cleanup"], name)
    assert released(name, 4)
    row = TaskRecord.objects.get(task_name=name)
    assert row.status == "success" and row.cleaned_up


def test_lost_task_is_failed_as_abandoned_and_a_running_one_kept() -> None:
    lost, running = str(uuid.uuid4()), str(uuid.uuid4())
    hold_locks(lost, 5)
    hold_locks(running, 6)
    record("in_progress", lost, started_at=ago(minutes=10))
    record("in_progress", running, started_at=ago(seconds=5))

    with capture_events() as events:
        report = cleanup()

    assert actions(report) == {lost: "abandoned", running: "skipped"}
    events.assert_kinds(["fail", "cleanup"], lost)
    assert events.of_kind("fail")[0].extra["reason"] == "abandoned"
    assert released(lost, 5)
    assert holds_locks(running, 6)
    statuses = dict(TaskRecord.objects.values_list("task_name", "status"))
    assert statuses == {lost: "failed", running: "in_progress"}


def test_without_a_dashboard_finished_tasks_are_released_without_a_second_outcome(
    settings: Any,
) -> None:
    settings.POWERCRUD_SIGNALS = {**settings.POWERCRUD_SIGNALS, "PERSISTENCE": {"ENABLED": False}}
    name = str(uuid.uuid4())
    hold_locks(name, 7)
    finished_task(name)

    with capture_events() as events:
        report = cleanup()

    assert actions(report) == {name: "released"}
    events.assert_kinds(["cleanup"], name)
    assert released(name, 7)


def test_dry_run_changes_nothing() -> None:
    name = str(uuid.uuid4())
    hold_locks(name, 8)
    finished_task(name)

    with capture_events() as events:
        report = cleanup("--dry-run")

    assert actions(report) == {name: "completed"}
    assert list(events) == []
    assert holds_locks(name, 8)


def test_async_disabled_is_reported(settings: Any) -> None:
    settings.POWERCRUD_SETTINGS = {**settings.POWERCRUD_SETTINGS, "ASYNC_ENABLED": False}
    out = StringIO()

    call_command("cleanup_async_tasks", stdout=out)

    assert "async features are disabled" in out.getvalue()


def test_an_unusable_configured_manager_falls_back_to_the_signal_manager(settings: Any) -> None:
    settings.POWERCRUD_SETTINGS = {
        **settings.POWERCRUD_SETTINGS,
        "ASYNC_MANAGER_DEFAULT": {"manager_class": "no.such.Manager"},
    }
    name = str(uuid.uuid4())
    hold_locks(name, 9)
    finished_task(name)

    with capture_events() as events:
        report = cleanup()

    assert actions(report) == {name: "completed"}
    assert {e.manager for e in events} == {"powercrud_signals.manager.SignalAsyncManager"}
    assert released(name, 9)
