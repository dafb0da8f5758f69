"""Bad input, end to end: what PowerCRUD, django-q2 or a task hands over never raises out of
this app, and what an event holds is stored by PostgreSQL's jsonb and text columns as is."""

from __future__ import annotations

import ast
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from powercrud.async_hooks import task_completion_hook

from powercrud_signals import q2
from powercrud_signals.conf import persistence_disabled
from powercrud_signals.events import LifecycleEvent
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from powercrud_signals.testing import capture_events
from tests.lifecycle_payloads import powercrud_payload

OUR_MANAGER = "powercrud_signals.manager.SignalAsyncManager"

awkward_text = st.one_of(
    st.text(),
    st.text(alphabet="\x00\ud800\udfff\u202e\ufeff'\"\\{}[]:=é漢🙂", max_size=40),
    st.sampled_from(["null", "NaN", "-0", "1e999", "\\u0000", "password=x", "Bearer abcdefgh"]),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**60, max_value=2**300),
    st.floats(),
    awkward_text,
    st.binary(max_size=40),
    st.decimals(),
    st.datetimes(),
    st.uuids(),
)
values = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.lists(kids, max_size=6),
        st.dictionaries(st.one_of(awkward_text, st.integers(), st.none()), kids, max_size=6),
        st.tuples(kids, kids),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=5)), max_size=4),
    ),
    max_leaves=30,
)


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for index in range(depth):
        value = {"level": index, "child": [value]}
    return value


def emit(**payload: Any) -> LifecycleEvent:
    """One event through PowerCRUD's own emitting path; exactly one must come out.

    The settings-configured dashboard writer is switched off: these tests write the event
    themselves, where they can look at the result."""
    with persistence_disabled(), capture_events() as events:
        SignalAsyncManager()._emit_lifecycle(**payload)
    assert len(events) == 1
    return events[0]


def store(alias: str, event: LifecycleEvent) -> TaskRecord:
    """Write the event's storable fields as the dashboard would, and read them back."""
    with transaction.atomic(using=alias):  # a savepoint per example
        return _store(alias, event)


def _store(alias: str, event: LifecycleEvent) -> TaskRecord:
    row = TaskRecord.objects.using(alias).create(
        task_name=f"{uuid.uuid4()}:{event.task_name[:200]}",
        status=event.status.value if event.status else None,
        message=event.message,
        progress_payload=event.progress or "",
        progress_current=event.progress_current,
        progress_total=event.progress_total,
        user_label=event.user_label[:255],
        affected_objects=event.affected_label,
        task_args=event.task_args,
        task_kwargs=event.task_kwargs,
        result_payload={"result": event.result, "extra": dict(event.extra)},
        q2_task_id=(event.q2_task_id or "")[:64],
        attempt=event.attempt if event.attempt is None or event.attempt >= 0 else None,
        manager=event.manager,
        created_at=event.timestamp,
    )
    return TaskRecord.objects.using(alias).get(pk=row.pk)


def as_json_numbers(value: Any) -> Any:
    """The value with every number as the decimal JSON says it is.

    jsonb stores numbers as ``numeric`` and gives back 3.583270211275955e+16 as the integer
    35832702112759550: the same JSON number, a different Python float.
    """
    return json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)


def assert_stored_as_is(stored: TaskRecord, event: LifecycleEvent) -> None:
    # jsonb reorders keys and normalises whitespace and numbers; values must come back equal.
    assert as_json_numbers(stored.task_args) == as_json_numbers(event.task_args)
    assert as_json_numbers(stored.task_kwargs) == as_json_numbers(event.task_kwargs)
    assert as_json_numbers(stored.result_payload) == as_json_numbers(
        {"result": event.result, "extra": dict(event.extra)}
    )
    assert stored.message == event.message
    assert stored.progress_payload == (event.progress or "")
    assert stored.user_label == event.user_label[:255]
    assert stored.affected_objects == event.affected_label


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["create", "progress", "complete", "fail", "cleanup"]),
    task_name=st.one_of(awkward_text, values),
    status=st.one_of(st.sampled_from(["pending", "in_progress", "success", "failed"]), values),
    message=st.one_of(awkward_text, values),
    progress=st.one_of(awkward_text, values),
    user=values,
    affected=values,
    args=values,
    kwargs=values,
    result=values,
    extra=values,
)
def test_any_event_is_stored_by_postgresql_as_is(postgres_alias: str, **fields: Any) -> None:
    event = emit(**powercrud_payload(fields))
    assert_stored_as_is(store(postgres_alias, event), event)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_oversized_and_deeply_nested_payloads_are_bounded_and_stored(postgres_alias: str) -> None:
    event = emit(
        event="fail",
        task_name="x" * 100_000,
        status="failed",
        message="E" * 5_000_000 + "\x00",
        progress_payload="p" * 1_000_000,
        task_kwargs={f"k{i}": "v" * 10_000 for i in range(5_000)},
        task_args=[nested(5_000)],
        result=list(range(200_000)),
    )
    limit = 2000 + len("…[+9999999 chars]")
    assert len(event.message) <= limit and len(event.progress or "") <= limit
    assert len(event.task_name) <= limit
    assert event.task_kwargs is not None and len(event.task_kwargs) <= 1001
    assert len(json.dumps(event.as_dict())) < 5_000_000
    assert_stored_as_is(store(postgres_alias, event), event)


# ------------------------------------------------------------- django-q2 and PowerCRUD inputs

manager_paths = st.one_of(
    st.sampled_from(
        [
            OUR_MANAGER,
            "powercrud.async_manager.AsyncManager",
            "no.such.Manager",
            "powercrud_signals.manager",
            "os.system",
            "",
            "powercrud_signals.manager.SignalAsyncManager.missing",
        ]
    ),
    values,
)
task_kwargs = st.one_of(
    values,
    st.fixed_dictionaries(
        {"manager_class": manager_paths},
        optional={"manager_config": values, "task_key": values, "other": values},
    ),
    st.builds(
        lambda path, config: json.dumps({"manager_class": path, "manager_config": config}),
        st.sampled_from([OUR_MANAGER, "no.such.Manager"]),
        st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)),
    ),
    st.text(),
)


def names_our_manager(kwargs: Any) -> bool:
    """Whether PowerCRUD's hook will resolve our manager from these Task.kwargs (it accepts
    a dict, or a string holding one as JSON or a Python literal)."""
    if isinstance(kwargs, str):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(kwargs)
            except Exception:
                continue
            if isinstance(parsed, dict):
                kwargs = parsed
                break
    return isinstance(kwargs, dict) and kwargs.get("manager_class") == OUR_MANAGER


def make_task(kwargs: Any, result: Any, success: Any) -> Any:
    from django_q.models import Task

    now = datetime.now(UTC)
    return Task(
        id=uuid.uuid4().hex,
        name=str(uuid.uuid4()),
        func="tests.testapp.tasks.add",
        kwargs=kwargs,
        result=result,
        success=success,
        started=now,
        stopped=now,
        attempt_count=1,
    )


@pytest.mark.django_db
@settings(max_examples=200, deadline=None)
@given(kwargs=task_kwargs, result=values, success=st.sampled_from([True, False, None]))
def test_completion_hook_survives_any_task_kwargs(kwargs: Any, result: Any, success: Any) -> None:
    task = make_task(kwargs, result, success)

    with capture_events() as events:
        task_completion_hook(task)  # django-q2 calls it from the monitor's post_save

    if names_our_manager(kwargs):
        terminal = "fail" if success is False else "complete"
        events.assert_kinds([terminal, "cleanup"], task.name)
    else:  # PowerCRUD falls back to its base manager, which sends nothing
        assert list(events) == []
    for event in events:
        json.dumps(event.as_dict(), allow_nan=False)


package_keys = st.sampled_from(
    ["id", "name", "func", "args", "kwargs", "started", q2.TASK_META_KEY, "group", "cluster"]
)
packages = st.dictionaries(st.one_of(package_keys, st.text(max_size=8)), values, max_size=8)
tagged = st.builds(
    lambda package, manager, config: {
        **package,
        q2.TASK_META_KEY: {"manager": manager, "config": config},
    },
    packages,
    manager_paths,
    st.one_of(st.none(), values),
)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None)
@given(task=st.one_of(packages, tagged), launching=st.booleans())
def test_django_q2_signals_survive_any_package(task: dict[str, Any], launching: bool) -> None:
    # django-q2 sends these with Signal.send: a receiver that raised would break the worker.
    token = q2.launching.set(q2.LaunchContext(manager=OUR_MANAGER) if launching else None)
    try:
        with capture_events() as events:
            pre_enqueue.send(sender="django_q", task=task)
            pre_execute.send(sender="django_q", func=None, task=task)
            post_execute_in_worker.send(sender="django_q", func=None, task=task)
    finally:
        q2.launching.reset(token)
    assert events.kinds() in ([], ["started"])
    for event in events:
        assert event.attempt is None or event.attempt >= 1
        json.dumps(event.as_dict(), allow_nan=False)
    assert q2.current_execution() is None


# ----------------------------------------------------- through the real persistence receiver

task_names = st.sampled_from([f"fuzz-{index}" for index in range(3)])


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sequence=st.lists(
        st.fixed_dictionaries(
            {
                "event": st.sampled_from(["create", "progress", "complete", "fail", "cleanup"]),
                "task_name": task_names,
                "status": st.one_of(
                    st.sampled_from(["pending", "in_progress", "success", "failed"]), values
                ),
                "message": st.one_of(awkward_text, values),
                "progress_payload": st.one_of(awkward_text, values),
                # Any user value is covered by test_a_user_that_is_not_a_user_is_not_fatal.
                "user": st.none(),
                "affected_objects": values,
                "task_args": values,
                "task_kwargs": values,
                "result": values,
                "attempt": st.one_of(st.none(), st.integers(min_value=-5, max_value=2**40)),
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_persistence_receiver_stores_any_event_sequence_on_postgresql(
    postgres_alias: str, caplog: pytest.LogCaptureFixture, sequence: list[dict[str, Any]]
) -> None:
    # Events for tasks the dashboard has never seen, in any order, with any payload: each
    # ends up as exactly one row, and no write fails.
    from powercrud_signals.persistence.receiver import PersistenceReceiver

    receiver = PersistenceReceiver(database=postgres_alias, progress_interval=0)
    run = uuid.uuid4().hex[:8]
    caplog.clear()
    for payload in sequence:
        event = emit(**{**payload, "task_name": f"{run}:{payload['task_name']}"})
        receiver(sender=SignalAsyncManager, event=event)
    receiver.flush()
    names = {f"{run}:{payload['task_name']}" for payload in sequence}
    rows = list(TaskRecord.objects.using(postgres_alias).filter(task_name__in=names))
    assert sorted(row.task_name for row in rows) == sorted(names)
    failures = [r for r in caplog.records if r.name.startswith("powercrud_signals.persistence")]
    assert [r.getMessage() for r in failures if r.levelname != "DEBUG"] == []
    for row in rows:
        for column in ("task_args", "task_kwargs", "result_payload"):
            json.dumps(getattr(row, column), allow_nan=False)
        assert "\x00" not in row.message + row.progress_payload + row.user_label


@pytest.mark.parametrize(
    "user",
    [
        12.5,
        {"id": 3},
        "null",
        "ann",
        2**70,
        -(2**70),
    ],
)
@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_a_user_that_is_not_a_user_is_not_fatal(
    postgres_alias: str, caplog: pytest.LogCaptureFixture, user: Any
) -> None:
    from powercrud_signals.persistence.receiver import PersistenceReceiver

    receiver = PersistenceReceiver(database=postgres_alias, progress_interval=0)
    name = str(uuid.uuid4())
    event = emit(event="create", task_name=name, status="pending", user=user)
    receiver(sender=SignalAsyncManager, event=event)
    receiver.flush()

    row = TaskRecord.objects.using(postgres_alias).get(task_name=name)
    assert row.status == "pending" and row.user_id is None
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
