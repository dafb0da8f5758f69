"""SignalAsyncManager and SignalEmitterMixin through PowerCRUD's real code paths."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django_q.models import Task
from powercrud.async_dashboard import ModelTrackingAsyncManager
from powercrud.async_hooks import task_completion_hook
from powercrud.async_manager import AsyncManager

from powercrud_signals.events import EventKind, LifecycleEvent, Status
from powercrud_signals.manager import SignalAsyncManager, SignalEmitterMixin, task_manager
from powercrud_signals.signals import task_failed, task_succeeded
from powercrud_signals.testing import capture_events

pytestmark = pytest.mark.django_db

PATH = "powercrud_signals.manager.SignalAsyncManager"


def upper_label(value: Any) -> str:
    return str(value).upper()


def broken_label(value: Any) -> str:
    raise RuntimeError("formatter broke")


class TestConstruction:
    def test_powercrud_resolves_the_dotted_path_with_and_without_config(self) -> None:
        plain = AsyncManager.resolve_manager(PATH)
        configured = AsyncManager.resolve_manager(PATH, config={"extra": {"app": "inv"}})
        assert type(plain) is SignalAsyncManager and plain.config == {}
        assert type(configured) is SignalAsyncManager and configured.config == {
            "extra": {"app": "inv"}
        }

    def test_config_extra_reaches_every_event(self) -> None:
        manager = SignalAsyncManager(config={"extra": {"app": "inv"}})
        with capture_events() as events:
            manager.async_task_lifecycle(
                "progress", "t", status="in_progress", progress_payload="1/2"
            )
        assert events[0].extra == {"app": "inv"}

    def test_non_mapping_config_is_ignored_not_fatal(self) -> None:
        assert SignalAsyncManager(config="nonsense").config == {}  # type: ignore[arg-type]


class TestThroughPowercrud:
    def test_sync_launch_sends_every_transition_with_redacted_kwargs(self) -> None:
        user = User.objects.create_user("ann", password="x")
        with capture_events() as events:
            name = SignalAsyncManager().launch_async_task(
                "tests.testapp.tasks.count_to",
                2,
                sync=True,
                user=user,
                affected_objects=["a", "b"],
                password="hunter2",
            )
        events.assert_kinds(
            ["started", "progress", "progress", "complete", "cleanup", "create"], name
        )
        create = events.of_kind("create")[0]
        assert create.user is user and create.user_label == "ann"
        assert create.affected_label == "a, b"
        assert create.task_kwargs == {"password": "********"}  # task_key plumbing stripped
        assert create.task_args == [2]
        complete = events.of_kind("complete")[0]
        assert complete.result == "counted 2"
        task = Task.objects.get(name=name)
        assert complete.q2_task_id == task.id and complete.attempt == 1
        assert complete.extra["func"] == "tests.testapp.tasks.count_to"
        assert {e.q2_task_id for e in events} == {task.id}

    def test_raising_receiver_changes_neither_the_outcome_nor_other_receivers(self) -> None:
        seen: list[str] = []

        def broken(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
            raise RuntimeError("dashboard down")

        def healthy(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
            seen.append(event.kind.value)

        task_succeeded.connect(broken, dispatch_uid="t-broken")
        task_succeeded.connect(healthy, dispatch_uid="t-healthy")
        try:
            name = SignalAsyncManager().launch_async_task(
                "tests.testapp.tasks.add", 1, 2, sync=True
            )
        finally:
            task_succeeded.disconnect(dispatch_uid="t-broken")
            task_succeeded.disconnect(dispatch_uid="t-healthy")
        task = Task.objects.get(name=name)
        assert task.success is True and task.result == 3
        assert seen == ["complete"]

    def test_completion_hook_with_bulk_worker_false_reports_failure(self) -> None:
        task = Task.objects.create(
            id="q2-id-1",
            name="task-bulk",
            func="powercrud.tasks.bulk_update_task",
            args=[],
            kwargs={
                "manager_class": PATH,
            },
            started=_now(),
            stopped=_now(),
            success=True,
            result=False,
            attempt_count=1,
        )
        with capture_events() as events:
            task_completion_hook(task)
        events.assert_kinds(["fail", "cleanup"])
        fail = events[0]
        assert (fail.status, fail.message, fail.q2_task_id, fail.attempt) == (
            Status.FAILED,
            "Task returned False",
            "q2-id-1",
            1,
        )
        assert Task.objects.get(id="q2-id-1").success is True  # django-q2's record untouched

    def test_false_from_a_function_not_listed_stays_a_success(self) -> None:
        task = Task.objects.create(
            id="q2-id-2",
            name="task-f",
            func="tests.testapp.tasks.add",
            args=[],
            kwargs={"manager_class": PATH},
            started=_now(),
            stopped=_now(),
            success=True,
            result=False,
        )
        with capture_events() as events:
            task_completion_hook(task)
        assert events[0].kind is EventKind.COMPLETE and events[0].status is Status.SUCCESS

    @pytest.mark.parametrize("raw_kwargs", ["{not python", "[1, 2]", 42, None])
    def test_malformed_task_kwargs_never_raise_from_the_hook(self, raw_kwargs: Any) -> None:
        task = Task(
            id="q2-x",
            name="t-x",
            func="f",
            args=[],
            kwargs=raw_kwargs,
            started=_now(),
            stopped=_now(),
            success=True,
            result=None,
        )
        with capture_events() as events:
            task_completion_hook(task)  # PowerCRUD falls back to its base manager: no events
        assert events == []

    def test_unknown_event_names_reach_overrides_but_send_nothing(self) -> None:
        with capture_events() as events:
            SignalAsyncManager().async_task_lifecycle("renamed", "t", status="in_progress")
        assert events == []

    def test_started_is_not_given_to_legacy_overrides(self) -> None:
        RecordingLegacy.calls = []
        with capture_events() as events:
            RecordingLegacy().launch_async_task("tests.testapp.tasks.add", 1, 1, sync=True)
        assert "started" in events.kinds()
        assert RecordingLegacy.calls == ["complete", "cleanup", "create"]

    @override_settings(
        POWERCRUD_SIGNALS={
            "FORMATTERS": {
                "user": "tests.test_manager.upper_label",
                "affected": "tests.test_manager.broken_label",
            }
        }
    )
    def test_formatters_from_settings_and_fallback_when_one_raises(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with capture_events() as events:
            SignalAsyncManager().async_task_lifecycle(
                "create", "t", user="ann", affected_objects=[1, 2]
            )
        assert events[0].user_label == "ANN"
        assert events[0].affected_label == "1, 2"
        assert any("formatter_failed name=affected" in r.getMessage() for r in caplog.records)


class RecordingLegacy(SignalEmitterMixin, AsyncManager):
    """Importable (workers rebuild managers from dotted paths), records what its override saw."""

    calls: list[str] = []

    def async_task_lifecycle(self, event: str, task_name: str, **kwargs: Any) -> None:
        RecordingLegacy.calls.append(event)


class Bespoke(AsyncManager):
    """A project's existing manager with its own side effect."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def async_task_lifecycle(self, event: str, task_name: str, **kwargs: Any) -> None:
        self.calls.append((event, task_name))


class MixinFirst(SignalEmitterMixin, Bespoke):
    pass


class MixinLast(Bespoke, SignalEmitterMixin):
    pass


class OverridesAndCallsSuper(SignalAsyncManager):
    def async_task_lifecycle(self, event: str, task_name: str, **kwargs: Any) -> None:
        self.seen = event
        super().async_task_lifecycle(event, task_name, **kwargs)


class OverridesWithoutSuper(SignalAsyncManager):
    def async_task_lifecycle(self, event: str, task_name: str, **kwargs: Any) -> None:
        self.seen = event


class RaisingOverride(SignalEmitterMixin, AsyncManager):
    def async_task_lifecycle(self, event: str, task_name: str, **kwargs: Any) -> None:
        raise ValueError("legacy side effect broke")


class TestMixin:
    @pytest.mark.parametrize("manager_cls", [MixinFirst, MixinLast])
    def test_bespoke_override_keeps_running_and_each_transition_is_sent_once(
        self, manager_cls: type
    ) -> None:
        manager = manager_cls()
        with capture_events() as events:
            name = manager.launch_async_task("tests.testapp.tasks.add", 2, 3, sync=True)
        assert [c for c in manager.calls if c[1] == name] == [
            ("create", name)
        ]  # this instance launched
        assert events.kinds(name) == ["started", "complete", "cleanup", "create"]
        assert {e.manager for e in events} == {f"tests.test_manager.{manager_cls.__name__}"}

    @pytest.mark.parametrize("manager_cls", [OverridesAndCallsSuper, OverridesWithoutSuper])
    def test_subclass_overrides_still_send_exactly_once(self, manager_cls: type) -> None:
        manager = manager_cls()
        with capture_events() as events:
            manager.async_task_lifecycle("fail", "t", status="failed", message="x")
        assert manager.seen == "fail"
        events.assert_kinds(["fail"])

    def test_raising_override_still_sends_and_powercrud_swallows_the_error(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with capture_events() as events, caplog.at_level(logging.WARNING):
            RaisingOverride()._emit_lifecycle(
                event="fail", task_name="t", status="failed", message="m"
            )
        events.assert_kinds(["fail"])
        assert any("legacy side effect broke" in r.getMessage() for r in caplog.records)

    def test_model_tracking_manager_keeps_persisting_with_the_mixin(self) -> None:
        class Tracking(SignalEmitterMixin, ModelTrackingAsyncManager):
            record_model_path = "testapp.Book"
            field_map = {
                "task_name": "title",
                "status": None,
                "message": None,
                "progress": None,
                "user": None,
                "affected": None,
                "kwargs": None,
                "args": None,
                "result": None,
                "cleaned": None,
                "completed_at": None,
                "failed_at": None,
            }

        from tests.testapp.models import Book

        with capture_events() as events:
            Tracking().async_task_lifecycle("create", "tracked-task", status="pending")
        assert Book.objects.filter(title="tracked-task").exists()
        events.assert_kinds(["create"])


def test_task_manager_outside_a_task_is_a_plain_signal_manager() -> None:
    assert type(task_manager()) is SignalAsyncManager


def test_task_failed_receivers_see_the_failure_message() -> None:
    messages: list[str] = []

    def on_fail(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        messages.append(event.message)

    task_failed.connect(on_fail, dispatch_uid="t-on-fail")
    try:
        with pytest.raises(Exception, match="explode was asked to fail"):
            # django-q2 re-raises in sync mode after its worker recorded the failure.
            SignalAsyncManager().launch_async_task("tests.testapp.tasks.explode", sync=True)
    finally:
        task_failed.disconnect(dispatch_uid="t-on-fail")
    assert len(messages) == 1 and messages[0].startswith("explode was asked to fail")


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


def test_events_serialise_for_cross_process_receivers() -> None:
    with capture_events() as events:
        SignalAsyncManager().launch_async_task("tests.testapp.tasks.add", 1, 2, sync=True)
    for event in events:
        json.dumps(event.as_dict())
