"""End to end: PowerCRUD's real bulk update through a real django-q2 cluster, to the dashboard row."""

from __future__ import annotations

import time

import pytest

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from tests.cluster import EventLog, Q2Cluster
from tests.testapp.models import Book

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PAGES_INFO = {"type": "PositiveIntegerField", "verbose_name": "pages"}


def launch_bulk_update(ids: list[int], value: object) -> str:
    return SignalAsyncManager().launch_async_task(
        "powercrud.tasks.bulk_update_task",
        "testapp.Book",
        ids,
        None,  # user_id
        ["pages"],  # bulk_fields
        ["pages"],  # fields_to_update
        [{"field": "pages", "value": value, "info": PAGES_INFO}],
    )


def wait_for_row(task_name: str, timeout: float = 120.0) -> TaskRecord:
    """The task's row once it is terminal and cleaned up (the monitor's last write)."""
    deadline = time.monotonic() + timeout
    while True:
        row = TaskRecord.objects.filter(task_name=task_name, cleaned_up=True).first()
        if row is not None and row.status in ("success", "failed"):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no finished row after {timeout}s: "
                f"{TaskRecord.objects.filter(task_name=task_name).values().first()}"
            )
        time.sleep(0.1)


def test_bulk_update_of_1000_books_ends_success_with_full_progress(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    books = Book.objects.bulk_create(Book(title=f"Book {i}", pages=10) for i in range(1000))
    ids = [book.pk for book in books]
    task_name = launch_bulk_update(ids, 321)
    row = wait_for_row(task_name)
    assert row.status == "success"
    assert (row.progress_current, row.progress_total) == (1000, 1000)
    assert row.progress_payload == "completed update: 1000 processed"
    assert row.message == "Task completed successfully"
    assert row.attempt == 1 and row.q2_task_id
    assert row.task_args is not None and row.task_args[0] == "testapp.Book"
    assert row.manager == "powercrud_signals.manager.SignalAsyncManager"
    assert row.started_at is not None and row.completed_at is not None
    assert row.created_at <= row.started_at <= row.completed_at <= row.updated_at
    assert Book.objects.filter(pk__in=ids, pages=321).count() == 1000
    progress_events = [e for e in event_log.events(task_name) if e["kind"] == "progress"]
    assert len(progress_events) == 1002  # "starting update", 1000 records, "completed update"


def test_failing_bulk_update_ends_failed_with_the_progress_made_before_rollback(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    # The 11th book cannot pass full_clean (its title is longer than the field allows), so
    # PowerCRUD's bulk transaction reports 10 records of progress and then rolls back.
    books = Book.objects.bulk_create(
        Book(title="x" * 300 if i == 10 else f"Book {i}", pages=10) for i in range(20)
    )
    ids = [book.pk for book in books]
    task_name = launch_bulk_update(ids, 55)
    row = wait_for_row(task_name)
    assert row.status == "failed"
    assert row.failed_at is not None and row.completed_at is None
    assert row.message.startswith("Task returned False")
    assert row.progress_payload.startswith("failed update:")
    # written from inside the transaction that rolled back, after it ended: not lost
    assert (row.progress_current, row.progress_total) == (10, 20)
    assert Book.objects.filter(pk__in=ids, pages=10).count() == 20  # the update rolled back
