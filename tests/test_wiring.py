"""RECEIVERS wiring at start-up: connected once, to the named signals, idempotently."""

from __future__ import annotations

from typing import Any

import pytest

from powercrud_signals import signals
from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.receivers import connect_configured, disconnect_configured, resolve_entry

received: list[str] = []


def collect(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    received.append(event.kind.value)


class CollectingReceiver:
    def __call__(self, sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        received.append(f"object:{event.kind.value}")


@pytest.fixture(autouse=True)
def clear() -> None:
    received.clear()


def send(kind: EventKind) -> None:
    signals.send_event(object, LifecycleEvent(kind=kind, task_name="t"))


def test_the_test_settings_receiver_is_connected_at_start_up() -> None:
    assert any(
        "tests.receivers.append_event_line" in str(key)
        for key, *_ in signals.task_lifecycle.receivers
    )


def test_path_entries_connect_to_task_lifecycle_once_however_often_connected() -> None:
    entries = ["tests.test_wiring.collect"]
    try:
        connect_configured(entries)
        connect_configured(entries)
        send(EventKind.PROGRESS)
    finally:
        disconnect_configured(entries)
    send(EventKind.PROGRESS)
    assert received == ["progress"]


def test_dict_entries_choose_signals_and_classes_are_instantiated() -> None:
    entries = [{"receiver": "tests.test_wiring.CollectingReceiver", "signals": ["task_failed"]}]
    try:
        connected = connect_configured(entries)
        send(EventKind.COMPLETE)
        send(EventKind.FAIL)
    finally:
        disconnect_configured(entries)
    assert received == ["object:fail"]
    assert connected[0].signals == (signals.task_failed,)


def test_bad_entries_are_skipped_and_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    connected = connect_configured(["no.such.receiver", "tests.test_wiring.collect"])
    try:
        assert [c.path for c in connected] == ["tests.test_wiring.collect"]
        assert "no.such.receiver" in caplog.text
    finally:
        disconnect_configured(["tests.test_wiring.collect"])


def test_resolve_entry_rejects_non_callables() -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        resolve_entry("tests.test_wiring.received")
