"""Test support for projects using powercrud-signals; also a pytest plugin.

- ``capture_events()`` records every LifecycleEvent sent in this process while it is active,
  in order, with helpers to filter by task and kind and to assert a sequence of kinds.
- ``persistence_off`` turns the persistence receiver off (context manager or decorator) while
  every other receiver keeps firing.
- ``record_receiver_failures()`` collects the receivers that raised while it is active.

The pytest plugin (``powercrud_signals.pytest_plugin``, loaded through this module's
``pytest11`` entry point) adds the ``lifecycle_events`` and ``no_persistence`` fixtures, the
``persistence_off`` marker, the ``--powercrud-signals-no-persistence`` option (ini
``powercrud_signals_persistence = false``) and, with ``RAISE_RECEIVER_ERRORS`` on, fails a
test during which a receiver raised.  See docs/testing.md.

Everything Django is imported on first use: loading the plugin must not need settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ContextDecorator, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from powercrud_signals.events import EventKind, LifecycleEvent

__all__ = [
    "CapturedEvents",
    "ReceiverFailure",
    "capture_events",
    "connected_receivers",
    "persistence_off",
    "record_receiver_failures",
]


class CapturedEvents(list["LifecycleEvent"]):
    """The events captured so far, in the order they were sent."""

    def for_task(self, task_name: str) -> list[LifecycleEvent]:
        return [event for event in self if event.task_name == task_name]

    def of_kind(self, *kinds: EventKind | str) -> list[LifecycleEvent]:
        from powercrud_signals.events import EventKind

        wanted = {EventKind(kind) for kind in kinds}
        return [event for event in self if event.kind in wanted]

    def kinds(self, task_name: str | None = None) -> list[str]:
        events: Iterable[LifecycleEvent] = self if task_name is None else self.for_task(task_name)
        return [event.kind.value for event in events]

    def assert_kinds(
        self, expected: Iterable[EventKind | str], task_name: str | None = None
    ) -> None:
        """Assert the exact sequence of kinds (for one task, if given)."""
        from powercrud_signals.events import EventKind

        wanted = [EventKind(kind).value for kind in expected]
        actual = self.kinds(task_name)
        assert actual == wanted, f"expected kinds {wanted}, got {actual}"


@contextmanager
def capture_events() -> Iterator[CapturedEvents]:
    """Record every lifecycle event sent in this process while the block runs."""
    from powercrud_signals.signals import task_lifecycle

    captured = CapturedEvents()

    def record(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
        captured.append(event)

    with _listening(task_lifecycle, record):
        yield captured


@contextmanager
def _listening(signal: Any, receiver: Callable[..., Any]) -> Iterator[None]:
    """``receiver`` connected to ``signal`` for the block only."""
    uid = f"powercrud_signals.testing:{id(receiver)}"
    signal.connect(receiver, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        signal.disconnect(dispatch_uid=uid)


@contextmanager
def connected_receivers(*entries: Any) -> Iterator[None]:
    """Connect receivers written like ``POWERCRUD_SIGNALS["RECEIVERS"]`` entries for the block,
    and disconnect them afterwards, however the block ends."""
    from powercrud_signals.receivers import connect_configured, disconnect_configured

    connect_configured(list(entries))
    try:
        yield
    finally:
        disconnect_configured(list(entries))


class _PersistenceOff(ContextDecorator):
    """Persistence off while the block (or decorated function) runs; nestable.

    Process-wide: tasks run with ``sync=True`` or receivers called in this process write
    nothing; a separate django-q2 cluster needs ``PERSISTENCE["ENABLED"] = False`` in its
    settings instead.
    """

    def __enter__(self) -> None:
        from powercrud_signals.conf import persistence_disabled

        persistence_disabled().__enter__()

    def __exit__(self, *exc: object) -> None:
        from powercrud_signals.conf import persistence_disabled

        persistence_disabled().__exit__(*exc)


@overload
def persistence_off[F: Callable[..., Any]](func: F) -> F: ...
@overload
def persistence_off(func: None = None) -> _PersistenceOff: ...
def persistence_off[F: Callable[..., Any]](func: F | None = None) -> F | _PersistenceOff:
    """Turn the persistence receiver off; every other receiver still fires.

    ``with persistence_off(): ...``, ``@persistence_off()`` or ``@persistence_off``.
    """
    switch = _PersistenceOff()
    return switch if func is None else switch(func)


@dataclass(frozen=True)
class ReceiverFailure:
    """A lifecycle receiver that raised (from the ``receiver_failed`` signal)."""

    receiver: str
    exception: BaseException
    event: LifecycleEvent

    def describe(self) -> str:
        return (
            f"{self.receiver} raised {type(self.exception).__name__}: {self.exception} "
            f"(event {self.event.kind.value} of task {self.event.task_name})"
        )


@contextmanager
def record_receiver_failures() -> Iterator[list[ReceiverFailure]]:
    """Collect every receiver failure reported in this process while the block runs.

    Dispatch is robust, and PowerCRUD catches what its lifecycle hook raises, so a failing
    receiver never reaches the code under test; this is how a test (or the pytest plugin)
    still sees it.
    """
    from powercrud_signals.signals import receiver_failed

    failures: list[ReceiverFailure] = []

    def record(
        sender: Any, event: LifecycleEvent, receiver: str, exception: BaseException, **kwargs: Any
    ) -> None:
        failures.append(ReceiverFailure(receiver=receiver, exception=exception, event=event))

    with _listening(receiver_failed, record):
        yield failures


# pytest loads this module through the ``pytest11`` entry point; the hooks and fixtures live in
# their own module, so using this one outside pytest does not need pytest installed.
pytest_plugins = ["powercrud_signals.pytest_plugin"]
