"""The django-q2 bridge: tagging at enqueue, started at pre_execute, hook resolution after."""

from __future__ import annotations

from typing import Any

import pytest
from django_q.models import Task
from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute
from django_q.tasks import async_task

from powercrud_signals import q2
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.testing import capture_events

pytestmark = pytest.mark.django_db

PATH = "powercrud_signals.manager.SignalAsyncManager"


@pytest.fixture
def enqueued() -> Any:
    """Task packages as django-q2 builds them, captured at pre_enqueue (after our tagging)."""
    packages: list[dict[str, Any]] = []

    def keep(sender: Any, task: dict[str, Any], **kwargs: Any) -> None:
        packages.append(task)

    pre_enqueue.connect(keep, dispatch_uid="test-keep")
    yield packages
    pre_enqueue.disconnect(dispatch_uid="test-keep")


def test_tasks_launched_through_the_manager_are_tagged(enqueued: list[dict[str, Any]]) -> None:
    SignalAsyncManager(config={"extra": {"a": 1}}).launch_async_task(
        "tests.testapp.tasks.add", 1, 2
    )
    assert enqueued[-1][q2.TASK_META_KEY] == {"manager": PATH, "config": {"extra": {"a": 1}}}
    assert "manager_class" not in enqueued[-1]["kwargs"]  # user functions get no extra kwargs


def test_plain_django_q2_tasks_are_left_alone(enqueued: list[dict[str, Any]]) -> None:
    async_task("tests.testapp.tasks.add", 1, 2)
    assert q2.TASK_META_KEY not in enqueued[-1]


def test_powercrud_bulk_workers_get_the_manager_in_their_kwargs(
    enqueued: list[dict[str, Any]],
) -> None:
    SignalAsyncManager().launch_async_task(
        "powercrud.tasks.bulk_delete_task", "testapp.Book", [], None
    )
    assert enqueued[-1]["kwargs"]["manager_class"] == PATH


def test_an_explicit_manager_class_kwarg_is_respected(enqueued: list[dict[str, Any]]) -> None:
    SignalAsyncManager().launch_async_task(
        "powercrud.tasks.bulk_delete_task", "testapp.Book", [], None, manager_class="x.Y"
    )
    assert enqueued[-1]["kwargs"]["manager_class"] == "x.Y"


def test_finished_direct_launch_names_its_manager_for_the_completion_hook() -> None:
    task = {
        "id": "i",
        "name": "n",
        "func": "f",
        "kwargs": {"task_key": "n"},
        q2.TASK_META_KEY: {"manager": PATH, "config": None},
    }
    post_execute_in_worker.send(sender="django_q", func=None, task=task)
    assert task["kwargs"] == {"task_key": "n", "manager_class": PATH}


def test_started_carries_attempt_and_queue_time() -> None:
    from django.utils import timezone

    queued = timezone.now()
    Task.objects.create(
        id="q2-a",
        name="n-a",
        func="f",
        args=[],
        kwargs={},
        started=queued,
        stopped=queued,
        success=False,
        attempt_count=2,
    )
    task = {
        "id": "q2-a",
        "name": "n-a",
        "func": "tests.testapp.tasks.add",
        "kwargs": {},
        "started": queued,
        q2.TASK_META_KEY: {"manager": PATH},
    }
    with capture_events() as events:
        pre_execute.send(sender="django_q", func=None, task=task)
        running = q2.current_execution()
        post_execute_in_worker.send(sender="django_q", func=None, task=task)
    events.assert_kinds(["started"])
    started = events[0]
    assert (started.q2_task_id, started.attempt) == ("q2-a", 3)
    assert started.extra["queued_at"] == queued.isoformat()
    assert running is not None and running.task_name == "n-a"
    assert q2.current_execution() is None


@pytest.mark.parametrize(
    "task",
    [
        {"id": "1", "name": "n", q2.TASK_META_KEY: {"manager": "no.such.Manager"}},
        {
            "id": "1",
            "name": "n",
            q2.TASK_META_KEY: {"manager": "powercrud.async_manager.AsyncManager"},
        },
        {"id": "1", "name": "n", q2.TASK_META_KEY: "garbage"},
        {"id": "1", "name": "n", "kwargs": "not a dict"},
        {"name": "n"},
        {},
    ],
)
def test_malformed_or_foreign_packages_never_raise_into_the_worker(task: dict[str, Any]) -> None:
    with capture_events() as events:
        pre_execute.send(sender="django_q", func=None, task=task)
        post_execute_in_worker.send(sender="django_q", func=None, task=task)
    assert events == []


def test_sync_failure_is_reported_although_django_q2_skips_its_monitor() -> None:
    with capture_events() as events, pytest.raises(Exception, match="explode was asked"):
        SignalAsyncManager().launch_async_task("tests.testapp.tasks.explode", sync=True)
    kinds = events.kinds()
    assert kinds == ["started", "fail", "cleanup"]  # create is never sent: launch raised
    fail = events.of_kind("fail")[0]
    assert fail.message.startswith("explode was asked to fail : Traceback")
    assert fail.attempt == 1
