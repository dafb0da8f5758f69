"""reconcile_task_records: settle rows django-q2 finished or lost; never touch queued tasks."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from powercrud_signals.operations.q2_state import Timing
from powercrud_signals.operations.reconcile import reconcile_records
from powercrud_signals.testing import capture_events
from tests.operations_support import ago, finished_task, hold_locks, holds_locks, record, released

pytestmark = pytest.mark.django_db

# Q_CLUSTER in tests.settings: timeout 30 s; the default margin is 60 s.
STALE = {"minutes": 10}


def reconcile(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("reconcile_task_records", "--json", *args, stdout=out)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def actions(report: dict[str, Any]) -> dict[str, str]:
    return {task["task_name"]: task["action"] for task in report["tasks"]}


def test_queued_task_is_left_alone_however_old_its_row() -> None:
    task_name = SignalAsyncManager().launch_async_task("tests.testapp.tasks.add", 1, 2)
    assert OrmQ.objects.count() == 1
    record("pending", task_name, created_at=ago(days=2))

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {task_name: "skipped"}
    assert report["tasks"][0]["reason"] == "queued in the broker"
    assert list(events) == []
    assert SignalAsyncManager().get_progress(task_name) == "pending"  # progress key kept
    assert OrmQ.objects.count() == 1
    assert TaskRecord.objects.get(task_name=task_name).status == "pending"


def test_started_task_lost_with_its_worker_is_failed_as_abandoned() -> None:
    name = str(uuid.uuid4())
    hold_locks(name, 7, 8)
    record("in_progress", name, started_at=ago(**STALE), attempt=1, q2_task_id="a" * 32)

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "abandoned"}
    events.assert_kinds(["fail", "cleanup"], name)
    fail = events.of_kind("fail")[0]
    assert fail.status == "failed"
    assert fail.extra["reason"] == "abandoned"
    assert fail.extra["reconciled_by"] == "reconcile_task_records"
    assert "abandoned" in fail.message
    assert (fail.attempt, fail.q2_task_id) == (1, "a" * 32)
    assert fail.manager == "powercrud_signals.manager.SignalAsyncManager"
    assert released(name, 7, 8)
    row = TaskRecord.objects.get(task_name=name)
    assert (row.status, row.attempt) == ("failed", 1)
    assert "abandoned" in row.message and row.failed_at is not None and row.cleaned_up


def test_recently_started_task_may_still_be_running() -> None:
    name = str(uuid.uuid4())
    hold_locks(name, 9)
    record("in_progress", name, started_at=ago(seconds=20))

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "skipped"}
    assert "may still be running" in report["tasks"][0]["reason"]
    assert list(events) == []
    assert holds_locks(name, 9)


def test_a_longer_max_runtime_keeps_a_long_task() -> None:
    name = str(uuid.uuid4())
    record("in_progress", name, started_at=ago(**STALE))

    assert actions(reconcile("--max-runtime", "3600")) == {name: "skipped"}
    assert actions(reconcile("--max-runtime", "60", "--margin", "0")) == {name: "abandoned"}


def test_never_started_task_is_abandoned_only_after_it_has_been_missing_long_enough() -> None:
    # Its queue time says nothing: it may have waited in the broker for hours and been taken
    # by a cluster a second ago.  The first run notes it missing; a later one fails it.
    name = str(uuid.uuid4())
    record("pending", name, created_at=ago(days=1))
    timing = Timing(max_runtime=30, max_wait=60, margin=60)
    now = timezone.now()

    with capture_events() as events:
        first = reconcile_records(timing, now=now)
        early = reconcile_records(timing, now=now + timedelta(seconds=149))
        late = reconcile_records(timing, now=now + timedelta(seconds=151))

    assert [o.action for o in (*first.outcomes, *early.outcomes)] == ["skipped", "skipped"]
    assert [o.action for o in late.outcomes] == ["abandoned"]
    events.assert_kinds(["fail", "cleanup"], name)
    assert TaskRecord.objects.get(task_name=name).status == "failed"


def test_finished_task_whose_hook_never_ran_gets_its_completion_replayed() -> None:
    ok, bad = str(uuid.uuid4()), str(uuid.uuid4())
    hold_locks(ok, 1)
    hold_locks(bad, 2)
    record("in_progress", ok)
    record("pending", bad)
    finished_task(ok, success=True, result=3)
    finished_task(bad, success=False, result="ValueError: boom : Traceback ...")

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {ok: "completed", bad: "failed"}
    events.assert_kinds(["complete", "cleanup"], ok)
    events.assert_kinds(["fail", "cleanup"], bad)
    complete = events.for_task(ok)[0]
    assert (complete.status, complete.result) == ("success", 3)
    assert complete.extra["reason"] == "completion_not_reported"
    assert complete.attempt == 1 and complete.q2_task_id
    fail = events.for_task(bad)[0]
    assert fail.status == "failed" and "boom" in fail.message
    assert released(ok, 1) and released(bad, 2)
    rows = {r.task_name: r for r in TaskRecord.objects.filter(task_name__in=[ok, bad])}
    assert (rows[ok].status, rows[ok].result_payload) == ("success", 3)
    assert rows[bad].status == "failed" and "boom" in rows[bad].message


def test_powercrud_bulk_worker_false_is_replayed_as_a_failure() -> None:
    name = str(uuid.uuid4())
    record("in_progress", name)
    finished_task(name, success=True, result=False, func="powercrud.tasks.bulk_update_task")

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "failed"}
    assert events.for_task(name)[0].kind == "fail"


def test_finished_task_with_no_dashboard_row_is_repaired_from_the_task_table() -> None:
    # The dashboard table was unavailable for every event of this task.
    name = str(uuid.uuid4())
    finished_task(name, success=True, result="ok", stopped=ago(hours=2))
    outside = str(uuid.uuid4())
    finished_task(outside, stopped=ago(days=3))  # outside the 24 h look-back

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "completed"}
    events.assert_kinds(["complete", "cleanup"], name)
    assert events.for_task(outside) == []
    row = TaskRecord.objects.get(task_name=name)
    assert (row.status, row.result_payload) == ("success", "ok")
    assert not TaskRecord.objects.filter(task_name=outside).exists()


def test_task_finished_moments_ago_is_left_to_its_hook() -> None:
    name = str(uuid.uuid4())
    record("in_progress", name)
    finished_task(name, stopped=ago(seconds=5))

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "skipped"}
    assert list(events) == []


def test_failed_attempt_waiting_for_redelivery_is_left_alone() -> None:
    # django-q2 keeps a failed task's package queued (ack_failures off) to retry it.
    name = SignalAsyncManager().launch_async_task("tests.testapp.tasks.explode")
    record("in_progress", name, started_at=ago(**STALE), attempt=1)
    finished_task(name, success=False, result="RuntimeError", func="tests.testapp.tasks.explode")

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "skipped"}
    assert list(events) == []


def test_final_rows_are_not_candidates() -> None:
    record("success", completed_at=ago(days=1))
    record("failed", failed_at=ago(days=1))

    assert reconcile()["tasks"] == []


def test_dry_run_reports_and_changes_nothing() -> None:
    lost, done = str(uuid.uuid4()), str(uuid.uuid4())
    hold_locks(lost, 3)
    record("in_progress", lost, started_at=ago(**STALE))
    record("in_progress", done)
    finished_task(done)

    with capture_events() as events:
        report = reconcile("--dry-run")

    assert report["dry_run"] is True
    assert actions(report) == {lost: "abandoned", done: "completed"}
    assert list(events) == []
    assert holds_locks(lost, 3)
    assert set(TaskRecord.objects.values_list("status", flat=True)) == {"in_progress"}


def test_human_output_names_each_task() -> None:
    name = str(uuid.uuid4())
    record("in_progress", name, started_at=ago(**STALE))
    out = StringIO()

    call_command("reconcile_task_records", stdout=out)

    assert "1 task(s) inspected (ORM broker)" in out.getvalue()
    assert f"{name}: abandoned" in out.getvalue()


def test_a_projects_own_dashboard_model_is_reconciled(settings: Any) -> None:
    from tests.testapp.models import AsyncTaskRecord

    settings.POWERCRUD_SIGNALS = {
        **settings.POWERCRUD_SIGNALS,
        "PERSISTENCE": {"MODEL": "testapp.AsyncTaskRecord"},
    }
    name = str(uuid.uuid4())
    AsyncTaskRecord.objects.create(task_name=name, status="in_progress")
    finished_task(name, success=True, result="fine")

    with capture_events() as events:
        report = reconcile()

    assert actions(report) == {name: "completed"}
    events.assert_kinds(["complete", "cleanup"], name)
    row = AsyncTaskRecord.objects.get(task_name=name)
    assert (row.status, row.result_payload, row.cleaned_up) == ("success", "fine", True)
