"""Per-task progress coalescing and the queue of writes held back from a transaction.

Pure bookkeeping, no database: the receiver asks what to write now and what to keep.

- At most one progress write per task per interval: a progress event arriving sooner is
  folded into the task's pending progress (latest text, latest ``i/N``), which is written
  by the next progress event after the interval, by the task's next non-progress event, or
  by a flush (end of the worker's task, process exit).
- Writes that arrive while the dashboard's connection is inside an application transaction
  are held (in arrival order) and written once it is outside, whatever the transaction's
  outcome, so a rollback of the task's own work never takes the dashboard row with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from powercrud_signals.events import LifecycleEvent, Status
from powercrud_signals.persistence.writes import RowWrite, write_for_event


class _TaskState:
    """One task's pending progress, folded event by event (the hot path: no allocation)."""

    __slots__ = (
        "attempt",
        "current",
        "first_timestamp",
        "last_progress_write",
        "latest",
        "status",
        "text",
        "total",
    )

    def __init__(self) -> None:
        self.last_progress_write = float("-inf")
        self.clear()

    def clear(self) -> None:
        self.latest: LifecycleEvent | None = None
        self.first_timestamp: datetime | None = None
        self.text: str | None = None
        self.current: int | None = None
        self.total: int | None = None
        self.status: Status | None = None
        self.attempt: int | None = None

    def fold(self, event: LifecycleEvent) -> None:
        """Same effect on the row as writing the events one after another: same status and
        attempt (so the same precedence verdict), latest text, latest known ``i/N``."""
        if self.latest is None:
            self.first_timestamp = event.timestamp
            self.status, self.attempt = event.status, event.attempt
        self.latest = event
        if event.progress is not None:
            self.text = event.progress
        if event.progress_current is not None:
            self.current, self.total = event.progress_current, event.progress_total

    def same_verdict(self, event: LifecycleEvent) -> bool:
        return self.latest is None or (
            event.status == self.status and event.attempt == self.attempt
        )

    def take(self) -> RowWrite | None:
        latest = self.latest
        if latest is None:
            return None
        write = write_for_event(latest)
        values = write.values
        values["created_at"] = self.first_timestamp
        if self.text is not None:
            values["progress"] = self.text
        if self.current is not None:
            values["progress_current"], values["progress_total"] = self.current, self.total
        self.clear()
        return write


class Coalescer:
    """Thread-safe bookkeeping for one receiver in one process."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[str, _TaskState] = {}
        self._held: list[RowWrite] = []

    # ---------------------------------------------------------------- progress

    def progress(self, event: LifecycleEvent) -> list[RowWrite] | None:
        """Record a progress event; the writes due now, or None while coalescing."""
        now = self.clock()
        with self._lock:
            state = self._tasks.get(event.task_name)
            if state is None:
                state = self._tasks[event.task_name] = _TaskState()
            due: list[RowWrite] | None = None
            if not state.same_verdict(event):  # another attempt's progress: older one first
                earlier = state.take()
                due = [earlier] if earlier is not None else None
            state.fold(event)
            if now - state.last_progress_write < self.interval:
                return due
            state.last_progress_write = now
            write = state.take()
            if write is not None:
                due = [*due, write] if due else [write]
            return due

    def started(self, task_name: str) -> None:
        """The task's ``started`` row was just written in this process (a worker): its first
        progress waits for the interval too, so a short job's progress is one flushed write."""
        now = self.clock()
        with self._lock:
            state = self._tasks.get(task_name)
            if state is None:
                state = self._tasks[task_name] = _TaskState()
            state.last_progress_write = now

    def take_pending(self, task_name: str, forget: bool = False) -> list[RowWrite]:
        """The task's pending progress, to be written before its next event."""
        with self._lock:
            state = self._tasks.pop(task_name, None) if forget else self._tasks.get(task_name)
            write = state.take() if state is not None else None
            return [write] if write is not None else []

    def take_all_pending(self) -> list[RowWrite]:
        """Every task's pending progress; the per-task interval state is forgotten."""
        with self._lock:
            tasks, self._tasks = self._tasks, {}
        writes = [state.take() for state in tasks.values()]
        return [write for write in writes if write is not None]

    # ------------------------------------------------------------------- held

    def hold(self, writes: list[RowWrite]) -> None:
        with self._lock:
            self._held.extend(writes)

    def take_held(self) -> list[RowWrite]:
        with self._lock:
            held, self._held = self._held, []
        return held

    @property
    def has_held(self) -> bool:
        return bool(self._held)

    def has_pending(self) -> bool:
        with self._lock:
            return any(state.latest is not None for state in self._tasks.values())
