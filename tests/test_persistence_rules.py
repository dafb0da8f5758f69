"""The persistence receiver's rules, one at a time, on the bundled TaskRecord (SQLite)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from powercrud_signals.conf import persistence_disabled
from powercrud_signals.events import LifecycleEvent
from powercrud_signals.models import TaskRecord
from powercrud_signals.persistence.receiver import PersistenceReceiver
from powercrud_signals.receivers import persistence
from powercrud_signals.signals import task_lifecycle
from tests.persistence_support import T0, make_event, new_task_name

pytestmark = pytest.mark.django_db


def deliver(receiver: PersistenceReceiver, *events: LifecycleEvent) -> dict[str, Any]:
    for event in events:
        receiver(None, event)
    return TaskRecord.objects.values().get(task_name=events[0].task_name)


@pytest.fixture
def receiver() -> PersistenceReceiver:
    return PersistenceReceiver(progress_interval=0)


@pytest.fixture
def task() -> str:
    return new_task_name()


def test_event_for_a_task_without_row_creates_it(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(receiver, make_event("complete", task, attempt=1, result=[1, 2]))
    assert row["status"] == "success"
    assert row["message"] == "Task completed successfully"
    assert row["result_payload"] == [1, 2]
    assert row["attempt"] == 1
    assert row["completed_at"] == T0
    assert row["created_at"] == T0
    assert TaskRecord.objects.filter(task_name=task).count() == 1


def test_late_create_fills_missing_metadata_only(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("started", task, seconds=2, attempt=1, q2_task_id="q-1"),
        make_event("complete", task, seconds=3, attempt=1, result=True),
        make_event(
            "create",
            task,
            seconds=1,
            user_label="alice",
            affected_label="Book 1, Book 2",
            task_args=["testapp.Book"],
            task_kwargs={"pages": 3},
            q2_task_id="q-1",
        ),
    )
    assert row["status"] == "success"
    assert row["message"] == "Task completed successfully"
    assert row["user_label"] == "alice"
    assert row["affected_objects"] == "Book 1, Book 2"
    assert row["task_args"] == ["testapp.Book"]
    assert row["task_kwargs"] == {"pages": 3}
    assert row["created_at"] == T0 + timedelta(seconds=1)
    assert row["started_at"] == T0 + timedelta(seconds=2)
    assert row["updated_at"] == T0 + timedelta(seconds=3)


def test_metadata_is_never_overwritten_once_set(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("create", task, user_label="alice", task_kwargs={"a": 1}),
        make_event("create", task, user_label="mallory", task_kwargs={"a": 2}),
    )
    assert (row["user_label"], row["task_kwargs"]) == ("alice", {"a": 1})


def test_late_progress_keeps_success_and_final_progress(
    receiver: PersistenceReceiver, task: str
) -> None:
    row = deliver(
        receiver,
        make_event("progress", task, seconds=1, attempt=1, progress="updating: 10/10"),
        make_event("complete", task, seconds=2, attempt=1),
        make_event("progress", task, seconds=1.5, attempt=1, progress="updating: 3/10"),
    )
    assert row["status"] == "success"
    assert (row["progress_payload"], row["progress_current"], row["progress_total"]) == (
        "updating: 10/10",
        10,
        10,
    )


def test_progress_without_fraction_keeps_last_counts(
    receiver: PersistenceReceiver, task: str
) -> None:
    row = deliver(
        receiver,
        make_event("progress", task, attempt=1, progress="updating: 1000/1000"),
        make_event(
            "progress", task, seconds=1, attempt=1, progress="completed update: 1000 processed"
        ),
    )
    assert row["progress_payload"] == "completed update: 1000 processed"
    assert (row["progress_current"], row["progress_total"]) == (1000, 1000)


def test_progress_moves_pending_to_in_progress(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("create", task),
        make_event("progress", task, seconds=1, attempt=1, progress="1/4"),
    )
    assert row["status"] == "in_progress"
    assert row["message"] == "Task queued"  # progress text goes to the progress column only


def test_status_never_moves_backwards(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("fail", task, seconds=3, attempt=1, message="boom", result="boom"),
        make_event("started", task, seconds=1, attempt=1),
        make_event("create", task),
    )
    assert (row["status"], row["message"], row["result_payload"]) == ("failed", "boom", "boom")
    assert row["failed_at"] == T0 + timedelta(seconds=3)
    assert row["started_at"] == T0 + timedelta(seconds=1)


def test_first_terminal_outcome_of_an_attempt_stands(
    receiver: PersistenceReceiver, task: str
) -> None:
    row = deliver(
        receiver,
        make_event("complete", task, seconds=2, attempt=1, result=True),
        make_event("fail", task, seconds=3, attempt=1, message="late failure", result="x"),
    )
    assert (row["status"], row["message"], row["result_payload"]) == (
        "success",
        "Task completed successfully",
        True,
    )


def test_later_attempt_replaces_earlier_terminal_outcome(
    receiver: PersistenceReceiver, task: str
) -> None:
    row = deliver(
        receiver,
        make_event("fail", task, seconds=2, attempt=1, message="timed out"),
        make_event("started", task, seconds=3, attempt=2),
        make_event("complete", task, seconds=4, attempt=2, result="ok"),
        make_event("fail", task, seconds=2, attempt=1, message="timed out"),  # duplicate, late
    )
    assert (row["status"], row["attempt"], row["message"]) == (
        "success",
        2,
        "Task completed successfully",
    )


def test_earlier_attempt_never_replaces_later_one(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("started", task, seconds=3, attempt=2),
        make_event("complete", task, seconds=2, attempt=1),
    )
    assert (row["status"], row["attempt"]) == ("in_progress", 2)


def test_duplicates_are_harmless(receiver: PersistenceReceiver, task: str) -> None:
    events = [
        make_event("create", task, user_label="alice"),
        make_event("started", task, seconds=1, attempt=1),
        make_event("complete", task, seconds=2, attempt=1, result=True),
        make_event("cleanup", task, seconds=3),
    ]
    once = deliver(receiver, *events)
    twice = deliver(receiver, *events, *events)
    assert once == twice


def test_cleanup_never_writes_none_over_a_value(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("complete", task, seconds=2, attempt=1, result=True),
        make_event("cleanup", task, seconds=3),
    )
    assert (row["status"], row["attempt"], row["result_payload"]) == ("success", 1, True)
    assert row["message"] == "Task completed successfully"
    assert row["cleaned_up"] is True
    assert row["cleaned_at"] == T0 + timedelta(seconds=3)


def test_cleanup_first_creates_a_row_without_status(
    receiver: PersistenceReceiver, task: str
) -> None:
    row = deliver(receiver, make_event("cleanup", task))
    assert (row["status"], row["cleaned_up"]) == (None, True)


def test_unknown_stored_status_is_replaced(receiver: PersistenceReceiver, task: str) -> None:
    TaskRecord.objects.create(task_name=task, status="weird")
    row = deliver(receiver, make_event("create", task))
    assert row["status"] == "pending"


def test_long_values_are_truncated_to_the_column(receiver: PersistenceReceiver, task: str) -> None:
    row = deliver(
        receiver,
        make_event("create", task, user_label="u" * 300, q2_task_id="q" * 100, manager="m" * 400),
    )
    assert len(row["user_label"]) == 255 and row["user_label"].endswith("…")
    assert len(row["q2_task_id"]) == 64
    assert len(row["manager"]) == 255


def test_user_foreign_key_is_set_from_a_saved_user(
    receiver: PersistenceReceiver, task: str, django_user_model: Any
) -> None:
    user = django_user_model.objects.create(username="alice")
    row = deliver(receiver, make_event("create", task, user=user, user_label="alice"))
    assert row["user_id"] == user.pk
    unsaved = django_user_model(username="ghost")
    other = deliver(
        receiver, make_event("create", new_task_name(), user=unsaved, user_label="ghost")
    )
    assert other["user_id"] is None and other["user_label"] == "ghost"


# ---------------------------------------------------------------- statements


@pytest.mark.django_db(transaction=True)
def test_one_statement_per_persisted_event() -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    receiver(None, make_event("create", task))  # the row exists: the steady state
    events = [
        make_event("started", task, seconds=1, attempt=1),
        make_event("progress", task, seconds=2, attempt=1, progress="1/2"),
        make_event("complete", task, seconds=3, attempt=1, result=True),
        make_event("cleanup", task, seconds=4),
    ]
    for event in events:
        with CaptureQueriesContext(connection) as queries:
            receiver(None, event)
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert queries[0]["sql"].startswith("INSERT INTO")


@pytest.mark.django_db(transaction=True)
def test_coalesced_progress_costs_no_statement_until_flushed() -> None:
    now = [100.0]
    receiver = PersistenceReceiver(progress_interval=1.0)
    receiver.coalescer.clock = lambda: now[0]
    task = new_task_name()
    with CaptureQueriesContext(connection) as queries:
        for index in range(1, 1001):
            receiver(None, make_event("progress", task, attempt=1, progress=f"{index}/1000"))
    assert len(queries) == 1  # the first one; the other 999 are within the interval
    assert TaskRecord.objects.get(task_name=task).progress_current == 1
    now[0] += 1.0
    receiver(None, make_event("progress", task, attempt=1, progress="x 1001/2000"))
    assert TaskRecord.objects.get(task_name=task).progress_current == 1001
    receiver(None, make_event("progress", task, attempt=1, progress="1500/2000"))
    with CaptureQueriesContext(connection) as queries:
        receiver(None, make_event("complete", task, seconds=5, attempt=1))
    assert len(queries) == 2  # the pending progress, then the terminal event
    row = TaskRecord.objects.get(task_name=task)
    assert (row.status, row.progress_current, row.progress_payload) == (
        "success",
        1500,
        "1500/2000",
    )


@pytest.mark.django_db(transaction=True)
def test_progress_right_after_started_waits_for_the_interval() -> None:
    now = [100.0]
    receiver = PersistenceReceiver(progress_interval=1.0)
    receiver.coalescer.clock = lambda: now[0]
    task = new_task_name()
    receiver(None, make_event("started", task, attempt=1))
    with CaptureQueriesContext(connection) as queries:
        receiver(None, make_event("progress", task, attempt=1, progress="starting update"))
        now[0] += 0.5
        receiver(None, make_event("progress", task, attempt=1, progress="updating: 1/2"))
    assert len(queries) == 0
    now[0] += 0.5
    receiver(None, make_event("progress", task, attempt=1, progress="updating: 2/2"))
    row = TaskRecord.objects.get(task_name=task)
    assert (row.progress_payload, row.progress_current) == ("updating: 2/2", 2)


@pytest.mark.django_db(transaction=True)
def test_flush_writes_pending_progress() -> None:
    receiver = PersistenceReceiver(progress_interval=3600)
    task = new_task_name()
    receiver(None, make_event("progress", task, attempt=1, progress="1/3"))
    receiver(None, make_event("progress", task, attempt=1, progress="3/3"))
    assert TaskRecord.objects.get(task_name=task).progress_current == 1
    receiver.flush()
    assert TaskRecord.objects.get(task_name=task).progress_current == 3


# -------------------------------------------------------------- transactions


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_rolled_back_transaction_is_written_after_it() -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    with pytest.raises(RuntimeError), transaction.atomic():
        receiver(None, make_event("progress", task, attempt=1, progress="7/9"))
        assert not TaskRecord.objects.filter(task_name=task).exists()  # held, not in the txn
        raise RuntimeError("the bulk operation failed")
    assert not TaskRecord.objects.filter(task_name=task).exists()
    receiver.flush()  # what post_execute_in_worker does when the task function returns
    row = TaskRecord.objects.get(task_name=task)
    assert (row.status, row.progress_current) == ("in_progress", 7)


@pytest.mark.django_db(transaction=True)
def test_writes_inside_a_committed_transaction_land_on_commit() -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    with transaction.atomic():
        receiver(None, make_event("started", task, attempt=1))
        receiver(None, make_event("progress", task, attempt=1, progress="1/2"))
        assert connection.run_on_commit and len(connection.run_on_commit) == 1
    row = TaskRecord.objects.get(task_name=task)
    assert (row.status, row.message, row.progress_current) == ("in_progress", "Task started", 1)


@pytest.mark.django_db(transaction=True)
def test_held_writes_go_out_with_the_next_event_outside_a_transaction() -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    with pytest.raises(RuntimeError), transaction.atomic():
        receiver(None, make_event("progress", task, attempt=1, progress="2/9"))
        raise RuntimeError
    receiver(None, make_event("complete", task, seconds=1, attempt=1))
    row = TaskRecord.objects.get(task_name=task)
    assert (row.status, row.progress_current) == ("success", 2)


def test_failing_write_never_breaks_the_surrounding_transaction(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    receiver(None, make_event("create", task))
    # A statement the database rejects (no such table), inside the test's transaction.
    builder = receiver.target().builder
    monkeypatch.setattr(
        builder, "build", lambda write, conn: ("INSERT INTO no_such_table VALUES (1)", [])
    )
    with caplog.at_level(logging.WARNING, logger="powercrud_signals.persistence"):
        receiver(None, make_event("started", task, attempt=1))
        receiver(None, make_event("complete", task, attempt=1))
    failures = [r for r in caplog.records if r.getMessage().startswith("persistence_write_failed")]
    assert len(failures) == 1  # once per task, not per event
    assert task in failures[0].getMessage()
    # the test's transaction is still usable
    assert TaskRecord.objects.get(task_name=task).status == "pending"


def test_persistence_disabled_writes_nothing(receiver: PersistenceReceiver, task: str) -> None:
    with persistence_disabled():
        receiver(None, make_event("create", task))
    assert not TaskRecord.objects.filter(task_name=task).exists()
    receiver(None, make_event("create", task))
    assert TaskRecord.objects.filter(task_name=task).exists()


# ----------------------------------------------------------------- connecting


def test_default_receiver_is_connected_once_and_idempotently() -> None:
    def connected_count() -> int:
        return sum(
            1 for entry in task_lifecycle.receivers if entry[0][0] == persistence.DISPATCH_UID
        )

    assert connected_count() == 1  # AppConfig.ready() connected it (ENABLED by default)
    persistence.connect()
    persistence.connect()
    assert connected_count() == 1
    persistence.disconnect()
    persistence.disconnect()
    assert connected_count() == 0
    persistence.connect()
    assert connected_count() == 1


def test_signals_reach_the_default_receiver(task: str) -> None:
    from powercrud_signals.signals import send_event

    send_event(type(None), make_event("create", task, user_label="alice"))
    assert TaskRecord.objects.get(task_name=task).user_label == "alice"


def test_writes_held_inside_a_test_case_land_with_captured_commit_callbacks(
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver = PersistenceReceiver(progress_interval=0)
    task = new_task_name()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        receiver(None, make_event("started", task, attempt=1))
        assert not TaskRecord.objects.filter(task_name=task).exists()  # held
    assert TaskRecord.objects.get(task_name=task).status == "in_progress"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("flush_point", ["request_finished", "post_execute_in_worker"])
def test_default_receiver_flushes_held_writes_at_its_flush_points(flush_point: str) -> None:
    from django.core.signals import request_finished
    from django_q.signals import post_execute_in_worker

    from powercrud_signals.signals import send_event

    task = new_task_name()
    with pytest.raises(RuntimeError), transaction.atomic():
        send_event(type(None), make_event("progress", task, attempt=1, progress="3/4"))
        raise RuntimeError("the surrounding work rolls back")
    assert not TaskRecord.objects.filter(task_name=task).exists()
    if flush_point == "request_finished":
        request_finished.send(sender=None)
    else:
        post_execute_in_worker.send(sender="django_q", func=None, task={"name": task})
    assert TaskRecord.objects.get(task_name=task).progress_current == 3
