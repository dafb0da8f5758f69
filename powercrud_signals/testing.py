"""Test support for projects using powercrud-signals (also a pytest plugin).

``capture_events()`` records every LifecycleEvent sent while it is active, in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.signals import task_lifecycle

__all__ = ["CapturedEvents", "capture_events"]


class CapturedEvents(list[LifecycleEvent]):
    """The events captured so far, in the order they were sent."""

    def for_task(self, task_name: str) -> list[LifecycleEvent]:
        return [event for event in self if event.task_name == task_name]

    def of_kind(self, *kinds: EventKind | str) -> list[LifecycleEvent]:
        wanted = {EventKind(kind) for kind in kinds}
        return [event for event in self if event.kind in wanted]

    def kinds(self, task_name: str | None = None) -> list[str]:
        events: Iterable[LifecycleEvent] = self if task_name is None else self.for_task(task_name)
        return [event.kind.value for event in events]

    def assert_kinds(
        self, expected: Iterable[EventKind | str], task_name: str | None = None
    ) -> None:
        """Assert the exact sequence of kinds (for one task, if given)."""
        wanted = [EventKind(kind).value for kind in expected]
        actual = self.kinds(task_name)
        assert actual == wanted, f"expected kinds {wanted}, got {actual}"


@contextmanager
def capture_events() -> Iterator[CapturedEvents]:
    """Record every lifecycle event sent in this process while the block runs."""
    captured = CapturedEvents()

    def record(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        captured.append(event)

    uid = f"powercrud_signals.testing.capture:{id(captured)}"
    task_lifecycle.connect(record, weak=False, dispatch_uid=uid)
    try:
        yield captured
    finally:
        task_lifecycle.disconnect(dispatch_uid=uid)
