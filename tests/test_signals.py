"""Robust dispatch: order, isolation of failing receivers, reporting, test-suite raising."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.dispatch import Signal
from django.test import override_settings

from powercrud_signals import signals
from powercrud_signals.events import EventKind, LifecycleEvent, Status
from powercrud_signals.exceptions import ReceiverError


class Sender:
    pass


@contextmanager
def connected(signal: Signal, receiver: Any) -> Iterator[None]:
    signal.connect(receiver, weak=False, dispatch_uid=f"test:{id(receiver)}")
    try:
        yield
    finally:
        signal.disconnect(dispatch_uid=f"test:{id(receiver)}")


def failing_receiver(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    raise ValueError("receiver broke")


def event(kind: EventKind = EventKind.FAIL) -> LifecycleEvent:
    return LifecycleEvent(kind=kind, task_name="task-1", status=Status.FAILED, message="boom")


@pytest.mark.parametrize(
    ("kind", "signal_name"),
    [
        (EventKind.CREATE, "task_enqueued"),
        (EventKind.STARTED, "task_started"),
        (EventKind.PROGRESS, "task_progressed"),
        (EventKind.COMPLETE, "task_succeeded"),
        (EventKind.FAIL, "task_failed"),
        (EventKind.CLEANUP, "task_cleaned_up"),
    ],
)
def test_each_kind_goes_to_task_lifecycle_then_its_own_signal(
    kind: EventKind, signal_name: str
) -> None:
    calls: list[tuple[str, type, LifecycleEvent]] = []

    def on_all(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        calls.append(("all", sender, event))

    def on_kind(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        calls.append((signal_name, sender, event))

    sent = LifecycleEvent(kind=kind, task_name="t")
    with (
        connected(signals.task_lifecycle, on_all),
        connected(getattr(signals, signal_name), on_kind),
    ):
        signals.send_event(Sender, sent)
    assert calls == [("all", Sender, sent), (signal_name, Sender, sent)]


def test_failing_receiver_does_not_stop_others_and_is_logged_with_its_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def after(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        seen.append(event.task_name)

    with (
        connected(signals.task_failed, failing_receiver),
        connected(signals.task_failed, after),
        caplog.at_level(logging.ERROR, logger="powercrud_signals.dispatch"),
    ):
        signals.send_event(Sender, event())
    assert seen == ["task-1"]
    records = [r for r in caplog.records if r.name == "powercrud_signals.dispatch"]
    assert len(records) == 1
    assert "receiver=tests.test_signals.failing_receiver" in records[0].getMessage()
    assert "kind=fail task_name=task-1" in records[0].getMessage()
    assert records[0].exc_info is not None and isinstance(records[0].exc_info[1], ValueError)
    # Django's own dispatcher does not log the same failure a second time.
    assert not [r for r in caplog.records if r.name == "django.dispatch"]


def test_receiver_failed_is_sent_with_name_and_exception() -> None:
    reports: list[dict[str, Any]] = []

    def observe(sender: type, **kwargs: Any) -> None:
        reports.append(kwargs)

    with (
        connected(signals.task_failed, failing_receiver),
        connected(signals.receiver_failed, observe),
    ):
        signals.send_event(Sender, event())
    assert len(reports) == 1
    assert reports[0]["receiver"] == "tests.test_signals.failing_receiver"
    assert isinstance(reports[0]["exception"], ValueError)
    assert reports[0]["event"].task_name == "task-1"


def test_a_failing_receiver_failed_observer_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def bad_observer(sender: type, **kwargs: Any) -> None:
        raise RuntimeError("observer broke")

    with (
        connected(signals.task_failed, failing_receiver),
        connected(signals.receiver_failed, bad_observer),
    ):
        signals.send_event(Sender, event())  # does not raise
    assert any("observer" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


@override_settings(POWERCRUD_SIGNALS={"RAISE_RECEIVER_ERRORS": True})
def test_test_suites_can_turn_receiver_errors_into_exceptions_after_all_receivers_ran() -> None:
    seen: list[str] = []

    def after(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        seen.append("after")

    with (
        connected(signals.task_lifecycle, failing_receiver),
        connected(signals.task_failed, after),
        pytest.raises(ReceiverError) as raised,
    ):
        signals.send_event(Sender, event())
    assert seen == ["after"]
    assert raised.value.receiver == "tests.test_signals.failing_receiver"
    assert isinstance(raised.value.__cause__, ValueError)


def test_receiver_name_of_bound_method_and_callable_object() -> None:
    class Receiver:
        def method(self, sender: type, **kwargs: Any) -> None: ...

        def __call__(self, sender: type, **kwargs: Any) -> None: ...

    assert signals.receiver_name(Receiver().method).endswith(
        "test_receiver_name_of_bound_method_and_callable_object.<locals>.Receiver.method"
    )
    assert signals.receiver_name(Receiver()).endswith("<locals>.Receiver")
