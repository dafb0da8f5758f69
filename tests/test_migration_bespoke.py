"""Migration path (a) of docs/migration.md: a bespoke AsyncManager subclass gains the signals.

Every step of docs/examples/yourproject/bespoke runs through PowerCRUD's own code: its
``launch_async_task`` (synchronously, so django-q2's worker, monitor and PowerCRUD's completion
hook all run in this process), its real ``bulk_delete_task`` worker, and
``powercrud.async_hooks.task_completion_hook``.  At every step the project's side effects (an
audit log line per event, an alert on failure) happen exactly as before the migration, while
the signals are sent from step 1 on, whichever side of AsyncManager the mixin is placed.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

import pytest
from django_q.models import Task
from powercrud.async_hooks import task_completion_hook
from powercrud.async_manager import AsyncManager
from yourproject.bespoke import before, receivers, step1, step2, step3
from yourproject.bespoke.apps import YourProjectConfig

from powercrud_signals.manager import SignalEmitterMixin, dotted_path
from powercrud_signals.signals import task_failed, task_lifecycle
from powercrud_signals.testing import CapturedEvents, capture_events
from tests.testapp.models import Book

pytestmark = pytest.mark.django_db


class MixinLastAuditedAsyncManager(before.AuditedAsyncManager, SignalEmitterMixin):
    """Step 1 with the mixin added after AsyncManager in the bases."""


class MixinFirstAuditedAsyncManager(SignalEmitterMixin, before.AuditedAsyncManager):
    """Step 1 with the mixin added as the first base of a subclass of the old manager."""


STEPS: dict[str, tuple[type, int]] = {
    # name: (manager class, the step whose receivers have taken over from the override)
    "step1": (step1.AuditedAsyncManager, 0),
    "step1-mixin-last": (MixinLastAuditedAsyncManager, 0),
    "step1-mixin-first-subclass": (MixinFirstAuditedAsyncManager, 0),
    "step2": (step2.AuditedAsyncManager, 2),
    "step3": (step3.AuditedAsyncManager, 3),
}


@dataclass
class Outcome:
    audit: list[str]
    alerts: list[str]
    events: CapturedEvents
    task_name: str


@pytest.fixture
def moved_receivers() -> Iterator[ModuleType]:
    """The example's moved receivers, connected only by the steps that moved them."""
    _disconnect_moved()
    try:
        yield receivers
    finally:
        _disconnect_moved()


def _disconnect_moved() -> None:
    task_failed.disconnect(dispatch_uid="yourproject.task_failure_alert")
    task_lifecycle.disconnect(dispatch_uid="yourproject.task_audit")


def _connect_moved(step: int) -> None:
    if step >= 3:
        # The example project's ready(), as docs/migration.md shows it after step 3.
        YourProjectConfig("yourproject", importlib.import_module("yourproject")).ready()
    elif step == 2:
        # Its first line only: the alert has moved, the audit trail not yet.
        task_failed.connect(
            receivers.alert_on_failure, dispatch_uid="yourproject.task_failure_alert"
        )


def _normalise(text: str, task_name: str) -> str:
    return text.replace(task_name, "<task>")


def _lines(caplog: pytest.LogCaptureFixture, logger: str, task_name: str) -> list[str]:
    return [
        _normalise(record.getMessage(), task_name)
        for record in caplog.records
        if record.name == logger and task_name in record.getMessage()
    ]


def _outcome(caplog: pytest.LogCaptureFixture, events: CapturedEvents, task_name: str) -> Outcome:
    return Outcome(
        audit=_lines(caplog, "yourproject.audit", task_name),
        alerts=_lines(caplog, "yourproject.alerts", task_name),
        events=events,
        task_name=task_name,
    )


def _run(
    manager_cls: type,
    caplog: pytest.LogCaptureFixture,
    func: str,
    *args: object,
    view_style: bool = True,
) -> Outcome:
    """Launch ``func`` through ``manager_cls`` the way a PowerCRUD view does (naming the manager
    in the task kwargs, so the worker and the completion hook rebuild it), synchronously."""
    options: dict[str, object] = {"sync": True}
    if view_style:
        options["manager_class"] = dotted_path(manager_cls)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="yourproject"), capture_events() as events:
        task_name = manager_cls().launch_async_task(func, *args, **options)
    return _outcome(caplog, events, task_name)


def _delete_books(manager_cls: type, caplog: pytest.LogCaptureFixture, **kw: bool) -> Outcome:
    ids = [Book.objects.create(title=f"Book {i}").pk for i in range(3)]
    outcome = _run(
        manager_cls, caplog, "powercrud.tasks.bulk_delete_task", "testapp.Book", ids, None, **kw
    )
    assert not Book.objects.filter(pk__in=ids).exists()  # PowerCRUD's worker really ran
    return outcome


def _hook_failure(manager_cls: type, caplog: pytest.LogCaptureFixture) -> Outcome:
    """PowerCRUD's completion hook, given a failed django-q2 Task whose kwargs name the manager
    (as they do for every task a PowerCRUD view launches)."""
    task = Task(
        id="0" * 32,
        name="5a4a4f6e-6b1e-4b5e-9a57-2d1f0d3c9e11",
        func="yourproject.tasks.import_rows",
        kwargs={"manager_class": dotted_path(manager_cls)},
        success=False,
        result="ValueError: row 7 has no SKU",
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="yourproject"), capture_events() as events:
        task_completion_hook(task)
    return _outcome(caplog, events, str(task.name))


def _bulk_false(manager_cls: type, caplog: pytest.LogCaptureFixture) -> Outcome:
    # PowerCRUD's real bulk worker on a model that does not exist: it catches the error,
    # reports it as progress and returns False, which django-q2 records as a success.
    return _run(
        manager_cls, caplog, "powercrud.tasks.bulk_delete_task", "testapp.Missing", [1], None
    )


@pytest.fixture
def baseline(caplog: pytest.LogCaptureFixture) -> dict[str, Outcome]:
    """What the unmigrated manager does: the behaviour every step must keep."""
    return {
        "success": _delete_books(before.AuditedAsyncManager, caplog),
        "failure": _hook_failure(before.AuditedAsyncManager, caplog),
        "returned_false": _bulk_false(before.AuditedAsyncManager, caplog),
    }


def test_unmigrated_manager_audits_every_event_and_sends_no_signals(
    baseline: dict[str, Outcome],
) -> None:
    success, failure = baseline["success"], baseline["failure"]
    assert success.audit == [
        "task=<task> event=progress status=in_progress",
        "task=<task> event=progress status=in_progress",
        "task=<task> event=progress status=in_progress",
        "task=<task> event=progress status=in_progress",
        "task=<task> event=progress status=in_progress",
        "task=<task> event=complete status=success",
        "task=<task> event=cleanup status=None",
        "task=<task> event=create status=pending",
    ]
    assert success.alerts == []
    assert failure.audit == [
        "task=<task> event=fail status=failed",
        "task=<task> event=cleanup status=None",
    ]
    assert failure.alerts == ["ALERT Task <task> failed: ValueError: row 7 has no SKU"]
    # PowerCRUD alone reports a bulk worker's False as a success.
    assert "task=<task> event=complete status=success" in baseline["returned_false"].audit
    assert baseline["returned_false"].alerts == []
    assert all(list(outcome.events) == [] for outcome in baseline.values())


def test_unmigrated_manager_misses_completion_of_a_direct_launch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Without manager_class in the kwargs PowerCRUD's hook builds its base AsyncManager: the
    # override never hears how a task it launched itself ended.  The mixin fixes that below.
    outcome = _delete_books(before.AuditedAsyncManager, caplog, view_style=False)
    assert not [line for line in outcome.audit if "event=complete" in line]


@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_keeps_side_effects_and_sends_signals(
    step: str,
    baseline: dict[str, Outcome],
    caplog: pytest.LogCaptureFixture,
    moved_receivers: ModuleType,
) -> None:
    manager_cls, moved = STEPS[step]
    _connect_moved(moved)
    success = _delete_books(manager_cls, caplog)
    failure = _hook_failure(manager_cls, caplog)

    # The project's side effects: exactly what the unmigrated manager did, no more, no less.
    assert success.audit == baseline["success"].audit
    assert failure.audit == baseline["failure"].audit
    assert success.alerts == baseline["success"].alerts == []
    assert failure.alerts == baseline["failure"].alerts

    # And the signals, from every part of PowerCRUD's pipeline: launch (create), the
    # django-q2 worker (started, PowerCRUD's own progress calls) and the completion hook.
    assert sorted(success.events.kinds(success.task_name)) == sorted(
        ["started", *["progress"] * 5, "complete", "cleanup", "create"]
    )
    assert [e.progress for e in success.events.of_kind("progress")][1:4] == [
        "deleting: 1/3",
        "deleting: 2/3",
        "deleting: 3/3",
    ]
    assert {e.manager for e in success.events} == {dotted_path(manager_cls)}
    failure.events.assert_kinds(["fail", "cleanup"], failure.task_name)
    assert failure.events[0].message == "ValueError: row 7 has no SKU"
    assert failure.events[0].q2_task_id == "0" * 32


@pytest.mark.parametrize("step", list(STEPS))
def test_bulk_worker_returning_false_becomes_a_failure_for_the_override_too(
    step: str, caplog: pytest.LogCaptureFixture, moved_receivers: ModuleType
) -> None:
    """The one behaviour the mixin changes on purpose (docs/migration.md says so)."""
    manager_cls, moved = STEPS[step]
    _connect_moved(moved)
    outcome = _bulk_false(manager_cls, caplog)
    assert "task=<task> event=fail status=failed" in outcome.audit
    assert "task=<task> event=complete status=success" not in outcome.audit
    assert len(outcome.alerts) == 1 and "failed delete:" in outcome.alerts[0]
    fail = outcome.events.of_kind("fail")[0]
    assert fail.message.startswith("Task returned False: failed delete:")


@pytest.mark.parametrize("step", list(STEPS))
def test_direct_launch_reaches_the_hook(
    step: str, caplog: pytest.LogCaptureFixture, moved_receivers: ModuleType
) -> None:
    """Launched outside a PowerCRUD view (no manager_class in the kwargs), the task is tagged
    with the manager, so the completion hook still rebuilds it, whichever side of AsyncManager
    the mixin sits: the override now also sees complete and cleanup, which PowerCRUD's hook
    alone would have sent to the base AsyncManager."""
    manager_cls, moved = STEPS[step]
    _connect_moved(moved)
    outcome = _delete_books(manager_cls, caplog, view_style=False)
    assert outcome.audit[-3:] == [
        "task=<task> event=complete status=success",
        "task=<task> event=cleanup status=None",
        "task=<task> event=create status=pending",
    ]
    assert sorted(outcome.events.kinds(outcome.task_name)) == sorted(
        ["started", *["progress"] * 5, "complete", "cleanup", "create"]
    )


def test_base_manager_is_not_an_emitter() -> None:
    # Guards the premise of the tests above: the unmigrated class sends nothing by itself.
    assert not issubclass(before.AuditedAsyncManager, SignalEmitterMixin)
    assert issubclass(before.AuditedAsyncManager, AsyncManager)
    assert re.fullmatch(
        r"yourproject\.bespoke\.step\d\.AuditedAsyncManager", dotted_path(step1.AuditedAsyncManager)
    )
