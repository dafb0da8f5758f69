"""Property tests: any ordering, duplication and omission of a task's events, SQLite and PostgreSQL.

A true history is generated (create; per attempt: started, progress, terminal; cleanup) and
delivered three ways:

1. any sequence at all (permutations with repeats and omissions): the row equals a plain
   Python fold of the documented rules (built on ``events.supersedes``) over that sequence;
   and every column that must not depend on order (status, attempt, timestamps, flags,
   metadata) equals what the true history implies;
2. the causal deliveries that happen for real (the worker's and monitor's events in order,
   each possibly repeated at once or missing, with ``create`` arriving anywhere, since
   PowerCRUD sends it after enqueueing): the whole row equals the true history's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powercrud_signals.events import (
    TERMINAL_STATUSES,
    EventKind,
    LifecycleEvent,
    coerce_status,
    supersedes,
)
from powercrud_signals.models import TaskRecord
from powercrud_signals.persistence.fieldmap import resolve_field_map
from powercrud_signals.persistence.portable import PortableWriter
from powercrud_signals.persistence.receiver import PersistenceReceiver
from powercrud_signals.persistence.writes import write_for_event
from tests.persistence_support import T0, make_event, new_task_name

COLUMNS = (
    "status",
    "attempt",
    "message",
    "progress_payload",
    "progress_current",
    "progress_total",
    "user_label",
    "affected_objects",
    "task_args",
    "task_kwargs",
    "result_payload",
    "q2_task_id",
    "manager",
    "created_at",
    "started_at",
    "updated_at",
    "completed_at",
    "failed_at",
    "cleaned_at",
    "cleaned_up",
)
ORDER_FREE = (
    "status",
    "attempt",
    "user_label",
    "affected_objects",
    "task_args",
    "task_kwargs",
    "q2_task_id",
    "manager",
    "created_at",
    "started_at",
    "updated_at",
    "completed_at",
    "failed_at",
    "cleaned_at",
    "cleaned_up",
)

EMPTY_ROW: dict[str, Any] = {
    "status": None,
    "attempt": None,
    "message": "",
    "progress_payload": "",
    "progress_current": None,
    "progress_total": None,
    "user_label": "",
    "affected_objects": "",
    "task_args": None,
    "task_kwargs": None,
    "result_payload": None,
    "q2_task_id": "",
    "manager": "",
    "created_at": None,
    "started_at": None,
    "updated_at": None,
    "completed_at": None,
    "failed_at": None,
    "cleaned_at": None,
    "cleaned_up": False,
}

FILLS = {
    "user_label": "user_label",
    "affected_objects": "affected_label",
    "task_args": "task_args",
    "task_kwargs": "task_kwargs",
    "q2_task_id": "q2_task_id",
    "manager": "manager",
}


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _earliest(stored: Any, incoming: Any) -> Any:
    return incoming if stored is None or incoming < stored else stored


def _latest(stored: Any, incoming: Any) -> Any:
    return incoming if stored is None or incoming > stored else stored


def fold(row: dict[str, Any] | None, event: LifecycleEvent) -> dict[str, Any]:
    """The documented rules, in plain Python, for one event applied to a stored row."""
    old = dict(EMPTY_ROW if row is None else row)
    new = dict(old)
    stored = coerce_status(old["status"])
    wins = supersedes(event.status, event.attempt, stored, old["attempt"])
    loses = supersedes(stored, old["attempt"], event.status, event.attempt)
    terminal = event.status in TERMINAL_STATUSES
    if wins:
        new["status"] = event.status.value if event.status else None
        if event.attempt is not None:
            new["attempt"] = event.attempt
    message_wins = (wins if terminal else not loses) or _empty(old["message"])
    if event.kind is not EventKind.PROGRESS and event.message and message_wins:
        new["message"] = event.message
    if event.kind is EventKind.PROGRESS and not loses:
        if event.progress is not None:
            new["progress_payload"] = event.progress
        if event.progress_current is not None:
            new["progress_current"] = event.progress_current
            new["progress_total"] = event.progress_total
    if terminal and event.result is not None and wins:
        new["result_payload"] = event.result
    for column, attribute in FILLS.items():
        value = getattr(event, attribute)
        if not _empty(value) and _empty(old[column]):
            new[column] = value
    new["created_at"] = _earliest(old["created_at"], event.timestamp)
    new["updated_at"] = _latest(old["updated_at"], event.timestamp)
    if event.kind is EventKind.STARTED:
        new["started_at"] = _latest(old["started_at"], event.timestamp)
    if event.status is not None and event.status.value == "success":
        new["completed_at"] = _latest(old["completed_at"], event.timestamp)
    if event.status is not None and event.status.value == "failed":
        new["failed_at"] = _latest(old["failed_at"], event.timestamp)
    if event.kind is EventKind.CLEANUP:
        new["cleaned_up"] = True
        new["cleaned_at"] = _latest(old["cleaned_at"], event.timestamp)
    return new


def fold_all(events: list[LifecycleEvent]) -> dict[str, Any]:
    row: dict[str, Any] | None = None
    for event in events:
        row = fold(row, event)
    assert row is not None
    return row


# ------------------------------------------------------------------ histories


@dataclass
class History:
    create: LifecycleEvent
    chain: list[LifecycleEvent]
    """Everything after create, in the order it happens (worker, then monitor)."""

    @property
    def events(self) -> list[LifecycleEvent]:
        return [self.create, *self.chain]


@st.composite
def histories(draw: st.DrawFn) -> History:
    task = new_task_name()
    attempts = draw(st.integers(1, 2))
    clock = [0.0]

    def at() -> float:
        clock[0] += draw(st.sampled_from([0.000001, 0.25, 1.0]))
        return clock[0]

    create = make_event(
        "create",
        task,
        seconds=0,
        user_label="alice",
        affected_label="Book 1, Book 2",
        task_args=["testapp.Book", [1, 2]],
        task_kwargs={"fields": ["pages"]},
        q2_task_id="q2-id",
    )
    chain: list[LifecycleEvent] = []
    for attempt in range(1, attempts + 1):
        chain.append(make_event("started", task, seconds=at(), attempt=attempt, q2_task_id="q2-id"))
        total = draw(st.integers(0, 4))
        for index in range(1, total + 1):
            chain.append(
                make_event(
                    "progress",
                    task,
                    seconds=at(),
                    attempt=attempt,
                    progress=f"updating: {index}/{total}",
                )
            )
        if total and draw(st.booleans()):
            chain.append(
                make_event(
                    "progress", task, seconds=at(), attempt=attempt, progress="completed update"
                )
            )
        last = attempt == attempts
        if last and draw(st.booleans()):
            chain.append(make_event("complete", task, seconds=at(), attempt=attempt, result=True))
        else:
            message = f"attempt {attempt} failed"
            chain.append(
                make_event(
                    "fail", task, seconds=at(), attempt=attempt, message=message, result=message
                )
            )
    chain.append(make_event("cleanup", task, seconds=at()))
    return History(create=create, chain=chain)


@st.composite
def any_delivery(draw: st.DrawFn) -> tuple[History, list[LifecycleEvent]]:
    history = draw(histories())
    events = history.events
    picks = draw(st.lists(st.integers(0, len(events) - 1), min_size=1, max_size=2 * len(events)))
    return history, [events[i] for i in picks]


@st.composite
def causal_delivery(draw: st.DrawFn) -> tuple[History, list[LifecycleEvent], list[LifecycleEvent]]:
    """(history, delivered, the delivered set in true order)."""
    history = draw(histories())
    delivered: list[LifecycleEvent] = []
    kept: list[LifecycleEvent] = []
    for event in history.chain:
        copies = draw(st.sampled_from([0, 1, 1, 1, 2]))
        delivered.extend([event] * copies)
        if copies:
            kept.append(event)
    create_copies = draw(st.sampled_from([0, 1, 1, 2]))
    for _ in range(create_copies):
        delivered.insert(draw(st.integers(0, len(delivered))), history.create)
    in_true_order = ([history.create] if create_copies else []) + kept
    if not delivered:
        delivered = in_true_order = [history.create]
    return history, delivered, in_true_order


# ---------------------------------------------------------------------- runs


def stored_row(alias: str, task_name: str) -> dict[str, Any]:
    rows = list(TaskRecord.objects.using(alias).filter(task_name=task_name).values(*COLUMNS))
    assert len(rows) == 1, rows
    return rows[0]


def deliver(alias: str, events: list[LifecycleEvent]) -> dict[str, Any]:
    receiver = PersistenceReceiver(progress_interval=0, database=alias)
    for event in events:
        receiver(None, event)
    return stored_row(alias, events[0].task_name)


def deliver_portable(alias: str, events: list[LifecycleEvent]) -> dict[str, Any]:
    """The same events through the row-lock path for databases without upsert."""
    writer = PortableWriter(resolve_field_map(TaskRecord), {})
    for event in events:
        writer.write(write_for_event(event), alias)
    return stored_row(alias, events[0].task_name)


PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_any_delivery(
    alias: str, case: tuple[History, list[LifecycleEvent]], deliver: Any = deliver
) -> None:
    history, delivered = case
    row = deliver(alias, delivered)
    assert row == fold_all(delivered)
    # Columns that must not depend on the order of delivery.
    in_true_order = [e for e in history.events if e in delivered]
    expected = fold_all(in_true_order)
    assert {c: row[c] for c in ORDER_FREE} == {c: expected[c] for c in ORDER_FREE}


def check_causal_delivery(
    alias: str, case: tuple[History, list[LifecycleEvent], list[LifecycleEvent]]
) -> None:
    history, delivered, in_true_order = case
    row = deliver(alias, delivered)
    assert row == fold_all(in_true_order)
    if history.chain[-1] in in_true_order and history.chain[-2] in in_true_order:
        final = history.chain[-2]  # the last attempt's outcome
        assert row["status"] == final.status.value  # type: ignore[union-attr]
        assert row["attempt"] == final.attempt


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(case=any_delivery())
def test_any_delivery_sqlite(case: tuple[History, list[LifecycleEvent]]) -> None:
    check_any_delivery("default", case)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(case=causal_delivery())
def test_causal_delivery_sqlite(
    case: tuple[History, list[LifecycleEvent], list[LifecycleEvent]],
) -> None:
    check_causal_delivery("default", case)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
@PROPERTY_SETTINGS
@given(case=any_delivery())
def test_any_delivery_postgres(
    postgres_alias: str, case: tuple[History, list[LifecycleEvent]]
) -> None:
    check_any_delivery(postgres_alias, case)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
@PROPERTY_SETTINGS
@given(case=causal_delivery())
def test_causal_delivery_postgres(
    postgres_alias: str, case: tuple[History, list[LifecycleEvent], list[LifecycleEvent]]
) -> None:
    check_causal_delivery(postgres_alias, case)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(case=any_delivery())
def test_any_delivery_portable_path_sqlite(case: tuple[History, list[LifecycleEvent]]) -> None:
    check_any_delivery("default", case, deliver_portable)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
@PROPERTY_SETTINGS
@given(case=any_delivery())
def test_any_delivery_portable_path_postgres(
    postgres_alias: str, case: tuple[History, list[LifecycleEvent]]
) -> None:
    check_any_delivery(postgres_alias, case, deliver_portable)


def test_fold_agrees_with_a_hand_worked_history() -> None:
    """The reference fold itself, against values worked out by hand."""
    task = new_task_name()
    row = fold_all(
        [
            make_event("complete", task, seconds=3, attempt=1, result=True),
            make_event("progress", task, seconds=2, attempt=1, progress="2/2"),
            make_event("create", task, seconds=0, user_label="bob"),
        ]
    )
    assert row["status"] == "success" and row["progress_payload"] == ""
    assert row["user_label"] == "bob" and row["created_at"] == T0
    assert row["updated_at"] == T0 + timedelta(seconds=3)
