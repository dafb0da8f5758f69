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
from dataclasses import dataclass

from powercrud_signals.events import LifecycleEvent
from powercrud_signals.persistence.writes import (
    RowWrite,
    can_merge_progress,
    merge_progress,
    write_for_event,
)


@dataclass(slots=True)
class _TaskState:
    pending: RowWrite | None = None
    last_progress_write: float = float("-inf")


class Coalescer:
    """Thread-safe bookkeeping for one receiver in one process."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[str, _TaskState] = {}
        self._held: list[RowWrite] = []

    # ---------------------------------------------------------------- progress

    def progress(self, event: LifecycleEvent) -> list[RowWrite]:
        """Record a progress event; return the writes due now (empty while coalescing)."""
        now = self.clock()
        with self._lock:
            state = self._tasks.get(event.task_name)
            if state is None:
                state = self._tasks[event.task_name] = _TaskState()
            due: list[RowWrite] = []
            pending = state.pending
            if pending is None:
                pending = write_for_event(event)
            elif can_merge_progress(pending, event):
                pending = merge_progress(pending, event)
            else:  # another attempt's progress: the older one goes first
                due.append(pending)
                pending = write_for_event(event)
            if now - state.last_progress_write >= self.interval:
                state.last_progress_write = now
                state.pending = None
                due.append(pending)
            else:
                state.pending = pending
            return due

    def take_pending(self, task_name: str, forget: bool = False) -> list[RowWrite]:
        """The task's pending progress, to be written before its next event."""
        with self._lock:
            state = self._tasks.pop(task_name, None) if forget else self._tasks.get(task_name)
            if state is None or state.pending is None:
                return []
            pending, state.pending = state.pending, None
            return [pending]

    def take_all_pending(self) -> list[RowWrite]:
        """Every task's pending progress; the per-task interval state is forgotten."""
        with self._lock:
            tasks, self._tasks = self._tasks, {}
        return [state.pending for state in tasks.values() if state.pending is not None]

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
            return any(state.pending is not None for state in self._tasks.values())
