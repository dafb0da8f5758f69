"""powercrud_signals.testing (persistence switch, capture, failures) and the RECEIVERS wiring."""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

import pytest
from django.dispatch import Signal

from powercrud_signals.checks import check_receivers
from powercrud_signals.conf import persistence_active
from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from powercrud_signals.receivers import connect_configured, resolve_entry
from powercrud_signals.signals import receiver_failed, task_failed
from powercrud_signals.testing import (
    capture_events,
    connected_receivers,
    persistence_off,
    record_receiver_failures,
)

# The persistence receiver is connected by default where it is installed; elsewhere a
# stand-in honouring persistence_active() the same way writes the rows looked at here.
PERSISTENCE_RECEIVERS = (
    []
    if find_spec("powercrud_signals.receivers.persistence")
    else ["tests.receivers.persist_minimal"]
)


def emit(kind: str, task_name: str, **payload: Any) -> None:
    SignalAsyncManager().emit_lifecycle_signal(kind, task_name, payload)


# ------------------------------------------------------------------- persistence switch


@pytest.mark.django_db
def test_persistence_off_block_writes_no_rows_while_other_receivers_fire() -> None:
    with connected_receivers(*PERSISTENCE_RECEIVERS), capture_events() as events:
        with persistence_off():
            assert not persistence_active()
            emit("create", "off-1", status="pending")
        emit("create", "on-1", status="pending")
    assert persistence_active()
    assert list(TaskRecord.objects.values_list("task_name", flat=True)) == ["on-1"]
    assert [e.task_name for e in events] == ["off-1", "on-1"]


def test_persistence_off_decorates_with_and_without_parentheses() -> None:
    seen = []

    @persistence_off
    def bare() -> None:
        seen.append(persistence_active())

    @persistence_off()
    def called() -> None:
        seen.append(persistence_active())

    bare()
    called()
    assert seen == [False, False]
    assert persistence_active()


def test_persistence_off_nests_and_survives_exceptions() -> None:
    with pytest.raises(RuntimeError), persistence_off():
        with persistence_off():
            pass
        assert not persistence_active()
        raise RuntimeError
    assert persistence_active()


def test_settings_can_disable_persistence_too(settings: Any) -> None:
    settings.POWERCRUD_SIGNALS = {"PERSISTENCE": {"ENABLED": False}}
    assert not persistence_active()


# --------------------------------------------------------------------------- capture


def test_capture_keeps_order_and_filters_by_task_and_kind() -> None:
    with capture_events() as events:
        emit("create", "a", status="pending")
        emit("started", "b", status="in_progress")
        emit("progress", "a", status="in_progress", progress_payload="1/2")
        emit("complete", "a", status="success")
    emit("cleanup", "a")  # after the block: not captured

    assert events.kinds() == ["create", "started", "progress", "complete"]
    assert [e.kind for e in events.for_task("a")] == [
        EventKind.CREATE,
        EventKind.PROGRESS,
        EventKind.COMPLETE,
    ]
    assert [e.task_name for e in events.of_kind("started", EventKind.COMPLETE)] == ["b", "a"]
    events.assert_kinds(["create", "progress", "complete"], task_name="a")
    with pytest.raises(AssertionError, match=r"expected kinds \['complete'\], got \['started'\]"):
        events.assert_kinds([EventKind.COMPLETE], task_name="b")


def test_record_receiver_failures_sees_what_robust_dispatch_swallowed() -> None:
    def broken(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        raise KeyError("missing")

    task_failed.connect(broken, dispatch_uid="broken-in-test")
    try:
        with record_receiver_failures() as failures:
            emit("fail", "f-1", status="failed")
            emit("complete", "f-2", status="success")
    finally:
        task_failed.disconnect(dispatch_uid="broken-in-test")
    (failure,) = failures
    assert failure.receiver.endswith("broken")
    assert isinstance(failure.exception, KeyError)
    assert failure.event.task_name == "f-1"
    assert "raised KeyError" in failure.describe() and "f-1" in failure.describe()


# ----------------------------------------------------------------------- RECEIVERS wiring


seen_by_counting: list[str] = []


def counting(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    seen_by_counting.append(event.task_name)


def test_connecting_the_same_entries_twice_calls_each_receiver_once() -> None:
    # ready() runs once per process, but connecting is idempotent all the same.
    seen_by_counting.clear()
    entry = f"{__name__}.counting"
    with connected_receivers(entry, entry):
        connect_configured([entry])
        emit("create", "twice-1", status="pending")
    emit("create", "twice-2", status="pending")
    assert seen_by_counting == ["twice-1"]


def test_wrong_receiver_path_is_a_check_error_naming_the_path(settings: Any) -> None:
    settings.POWERCRUD_SIGNALS = {"RECEIVERS": ["myproject.hooks.no_such_receiver"]}
    (error,) = check_receivers()
    assert error.id == "powercrud_signals.E004"
    assert "myproject.hooks.no_such_receiver" in error.msg


class _WithRelated:
    """A receiver that also listens to receiver_failed."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        if event.kind == EventKind.FAIL:
            raise RuntimeError("the receiver itself fails on fail")

    def on_failure(self, sender: type, receiver: str, **kwargs: Any) -> None:
        self.failures.append(receiver)

    def related_receivers(self) -> list[tuple[Signal, Callable[..., Any]]]:
        return [(receiver_failed, self.on_failure)]


with_related = _WithRelated()


def test_related_receivers_are_connected_and_disconnected_with_their_receiver() -> None:
    path = f"{__name__}.with_related"
    with connected_receivers(path):
        emit("fail", "r-1", status="failed")
    emit("fail", "r-2", status="failed")  # disconnected: neither part runs
    assert with_related.failures == [f"{__name__}._WithRelated"]


class _BadRelated:
    def __call__(self, sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        pass

    def related_receivers(self) -> list[Any]:
        return ["not a pair"]


bad_related = _BadRelated()


def test_malformed_related_receivers_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="must return \\(signal, callable\\) pairs"):
        resolve_entry(f"{__name__}.bad_related")
