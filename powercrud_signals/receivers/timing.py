"""Durations the logging and metrics receivers report, from what an event carries.

A task's transitions are sent by different processes: ``started`` in the django-q2 worker,
``complete``/``fail`` in the qcluster monitor.  So each duration is computed from what one
process can know:

- queue wait, at ``started``: the event's timestamp minus ``extra["queued_at"]`` (when
  django-q2 accepted the task);
- run time, at ``complete``/``fail``: ``extra["finished_at"]`` minus the ``started`` time, only
  when this same process saw that ``started`` event (synchronous runs, or a receiver that
  remembers starts in the worker);
- total time, at ``complete``/``fail``: ``extra["finished_at"]`` minus ``extra["queued_at"]``,
  which the monitor always knows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from powercrud_signals.events import EventKind, LifecycleEvent

__all__ = ["Durations", "StartTimes", "durations_for", "parse_instant"]

TERMINAL_KINDS = frozenset({EventKind.COMPLETE, EventKind.FAIL})


def parse_instant(value: Any) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string (as events carry them), else None."""
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, str) and value:
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, timezone.get_default_timezone())
    return instant


def _aware(instant: datetime) -> datetime:
    if timezone.is_naive(instant):
        return timezone.make_aware(instant, timezone.get_default_timezone())
    return instant


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    # With USE_TZ = False an event's own timestamp is naive while parse_instant() makes
    # the extras aware; the two cannot be subtracted until both are aware.
    later, earlier = _aware(later), _aware(earlier)
    seconds = (later - earlier).total_seconds()
    # Clocks of different hosts can disagree by a little; a negative duration means nothing.
    return round(max(seconds, 0.0), 6)


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds, or None where this process cannot know them."""

    queue_wait_seconds: float | None = None
    """Queued -> started (``started`` events)."""
    run_seconds: float | None = None
    """Started -> finished (``complete``/``fail``, when this process saw the start)."""
    total_seconds: float | None = None
    """Queued -> finished (``complete``/``fail``)."""

    def as_dict(self) -> dict[str, float]:
        values = {
            "queue_wait_seconds": self.queue_wait_seconds,
            "run_seconds": self.run_seconds,
            "total_seconds": self.total_seconds,
        }
        return {key: value for key, value in values.items() if value is not None}


class StartTimes:
    """When tasks started, as seen by this process; bounded, so a process that only ever sees
    starts (a worker) does not grow without limit."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._starts: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, task_name: str, started_at: datetime) -> None:
        with self._lock:
            self._starts[task_name] = started_at
            self._starts.move_to_end(task_name)
            while len(self._starts) > self._limit:
                self._starts.popitem(last=False)

    def pop(self, task_name: str) -> datetime | None:
        with self._lock:
            return self._starts.pop(task_name, None)

    def __len__(self) -> int:
        return len(self._starts)


def durations_for(event: LifecycleEvent, starts: StartTimes) -> Durations:
    """The durations known at this event; remembers ``started`` times in ``starts``."""
    extra: Mapping[str, Any] = event.extra
    queued_at = parse_instant(extra.get("queued_at"))
    if event.kind == EventKind.STARTED:
        starts.remember(event.task_name, event.timestamp)
        return Durations(queue_wait_seconds=_seconds(event.timestamp, queued_at))
    if event.kind in TERMINAL_KINDS:
        finished_at = parse_instant(extra.get("finished_at")) or event.timestamp
        started_at = starts.pop(event.task_name)
        return Durations(
            run_seconds=_seconds(finished_at, started_at),
            total_seconds=_seconds(finished_at, queued_at),
        )
    return Durations()
