"""prune_task_records: retention per status, in batches, never touching tasks in flight."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from powercrud_signals.models import TaskRecord
from tests.operations_support import ago, record

pytestmark = pytest.mark.django_db


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_task_records", *args, stdout=out)
    return out.getvalue()


def remaining() -> set[str]:
    return set(TaskRecord.objects.values_list("task_name", flat=True))


def test_successes_go_sooner_than_failures_and_in_flight_rows_stay() -> None:
    old_success = record("success", completed_at=ago(days=10))
    new_success = record("success", completed_at=ago(days=2))
    failed_10 = record("failed", failed_at=ago(days=10))
    failed_40 = record("failed", failed_at=ago(days=40))
    ancient = {"created_at": ago(days=400), "updated_at": ago(days=400)}
    pending = record("pending", **ancient)
    running = record("in_progress", started_at=ago(days=400), **ancient)
    unknown = record(None, **ancient)

    output = prune()

    assert remaining() == {r.task_name for r in (new_success, failed_10, pending, running, unknown)}
    assert old_success.task_name not in remaining() and failed_40.task_name not in remaining()
    assert "deleted 2 row(s)" in output
    assert "success: 1" in output and "failed: 1" in output


def test_age_falls_back_to_the_last_update_when_the_finish_time_is_missing() -> None:
    stale = record("success", completed_at=None, updated_at=ago(days=9), created_at=ago(days=9))
    fresh = record("success", completed_at=None, updated_at=ago(days=1), created_at=ago(days=9))
    no_time = record("failed", created_at=None, updated_at=None)

    prune("--success-days", "7", "--failed-days", "0")

    assert remaining() == {fresh.task_name, no_time.task_name}
    assert stale.task_name not in remaining()


def test_dry_run_counts_and_deletes_nothing() -> None:
    for _ in range(3):
        record("success", completed_at=ago(days=8))
    record("failed", failed_at=ago(days=31))
    before = remaining()

    report = json.loads(prune("--dry-run", "--json"))

    assert remaining() == before
    assert report["dry_run"] is True
    assert report["counts"] == {"success": 3, "failed": 1}
    assert report["total"] == 4
    assert "[dry run]" in prune("--dry-run") and "would delete 4 row(s)" in prune("--dry-run")


def test_never_keeps_that_status() -> None:
    failed = record("failed", failed_at=ago(days=3650))
    success = record("success", completed_at=ago(days=3650))

    report = json.loads(prune("--failed-days", "never", "--json"))

    assert remaining() == {failed.task_name}
    assert success.task_name not in remaining()
    assert report["counts"] == {"success": 1}


def test_deletes_in_batches_of_the_given_size() -> None:
    for _ in range(25):
        record("success", completed_at=ago(days=30))
    keep = record("success", completed_at=ago(hours=1))

    with CaptureQueriesContext(connection) as queries:
        output = prune("--batch-size", "10")

    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 10 + 10 + 5
    assert remaining() == {keep.task_name}
    assert "deleted 25 row(s)" in output


def test_a_row_moved_back_in_flight_between_select_and_delete_is_kept() -> None:
    # A retried task's new attempt moves its row from failed back to in_progress; if that
    # write lands between the batch SELECT and the DELETE, the row must survive.
    rows = [record("failed", failed_at=ago(days=60)) for _ in range(3)]
    retried = rows[1]
    moved = False

    def concurrent_retry(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal moved
        if sql.startswith("DELETE") and not moved:
            moved = True
            TaskRecord.objects.filter(pk=retried.pk).update(
                status="in_progress", started_at=ago(seconds=1)
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(concurrent_retry):
        prune()

    assert moved
    assert remaining() == {retried.task_name}


@pytest.mark.parametrize(
    "args", [("--success-days", "-1"), ("--failed-days", "soon"), ("--batch-size", "0")]
)
def test_bad_arguments_are_clear_errors(args: tuple[str, ...]) -> None:
    record("success", completed_at=ago(days=30))
    with pytest.raises((CommandError, SystemExit)):
        prune(*args)
    assert TaskRecord.objects.count() == 1


def test_disabled_persistence_prunes_nothing(settings: Any) -> None:
    record("success", completed_at=ago(days=30))
    settings.POWERCRUD_SIGNALS = {**settings.POWERCRUD_SIGNALS, "PERSISTENCE": {"ENABLED": False}}

    output = prune()

    assert "nothing to prune" in output
    assert TaskRecord.objects.count() == 1


def test_a_projects_own_dashboard_model_is_pruned_through_its_field_map(settings: Any) -> None:
    from tests.testapp.models import AsyncTaskRecord

    settings.POWERCRUD_SIGNALS = {
        **settings.POWERCRUD_SIGNALS,
        "PERSISTENCE": {"MODEL": "testapp.AsyncTaskRecord", "FIELD_MAP": {"status": "status"}},
    }
    old = AsyncTaskRecord.objects.create(task_name="old", status="success")
    AsyncTaskRecord.objects.create(task_name="new", status="success")
    running = AsyncTaskRecord.objects.create(task_name="running", status="in_progress")
    # auto_now columns: backdate with an update, as time would.
    AsyncTaskRecord.objects.filter(pk__in=[old.pk, running.pk]).update(updated_at=ago(days=90))

    output = prune()

    assert set(AsyncTaskRecord.objects.values_list("task_name", flat=True)) == {"new", "running"}
    assert "testapp.AsyncTaskRecord: deleted 1 row(s)" in output


@pytest.mark.parametrize("value", ["inf", "1e300", "36501", "-1", "nan", "soon"])
def test_unusable_day_counts_are_argument_errors_not_tracebacks(value: str) -> None:
    with pytest.raises(CommandError, match="days"):
        call_command("prune_task_records", "--success-days", value)
