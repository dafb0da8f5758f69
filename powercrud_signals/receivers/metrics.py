"""Prometheus metrics for every lifecycle transition (needs the ``metrics`` extra).

Connect it with::

    POWERCRUD_SIGNALS = {"RECEIVERS": ["powercrud_signals.receivers.metrics.record_transition"]}

and expose the metrics with ``powercrud_signals.metrics_view.metrics_view`` (docs/receivers.md).

Label values are bounded: event kind, status, the manager's dotted path and, for receiver
errors, the failing receiver's dotted name.  Never a task name, a user or a payload value.

Which process records what, with django-q2:

- web process: ``create`` transitions;
- worker: ``started`` (queue wait, in-flight +1), ``progress``, and, on django-q2's
  ``post_execute_in_worker``, the run time and in-flight -1;
- monitor: ``complete``/``fail`` (total duration) and ``cleanup``.

The in-flight gauge goes up and down in the same worker process, so its multiprocess mode
``sum`` adds every process's value and stays right however the worker processes come and go:
a recycled worker leaves a file holding zero.  (``livesum`` would also need each dead worker
marked, which django-q2 gives no hook for; and a gauge raised in one process and lowered in
another would be wrong under any "live" mode once the raising process exited.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

try:
    from prometheus_client import Counter, Gauge, Histogram
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the package
    raise ImportError(
        "powercrud_signals.receivers.metrics needs prometheus_client, which is not installed: "
        "pip install 'powercrud-signals[metrics]'"
    ) from exc

from django.dispatch import Signal
from django.utils import timezone

from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.receivers.timing import StartTimes, durations_for, parse_instant
from powercrud_signals.signals import receiver_failed

__all__ = [
    "DURATION_BUCKETS",
    "MetricsReceiver",
    "TaskMetrics",
    "record_transition",
    "task_metrics",
]

logger = logging.getLogger("powercrud_signals.metrics")

PREFIX = "powercrud_signals"

DURATION_BUCKETS = (
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    float("inf"),
)  # fmt: skip
"""Seconds; tasks run from milliseconds to an hour, unlike the web requests of the defaults."""


@dataclass(frozen=True)
class TaskMetrics:
    transitions: Counter
    queue_wait: Histogram
    run_time: Histogram
    total_time: Histogram
    in_flight: Gauge
    receiver_errors: Counter


@cache
def task_metrics() -> TaskMetrics:
    """The metrics, created (in the default registry) once per process, on first use."""
    return TaskMetrics(
        transitions=Counter(
            f"{PREFIX}_transitions",
            "Lifecycle transitions sent, by kind, status and manager.",
            ["kind", "status", "manager"],
        ),
        queue_wait=Histogram(
            f"{PREFIX}_task_queue_wait_seconds",
            "Seconds from enqueueing to a worker starting the task.",
            ["manager"],
            buckets=DURATION_BUCKETS,
        ),
        run_time=Histogram(
            f"{PREFIX}_task_run_seconds",
            "Seconds a worker spent running the task (start to the function's return).",
            ["manager"],
            buckets=DURATION_BUCKETS,
        ),
        total_time=Histogram(
            f"{PREFIX}_task_duration_seconds",
            "Seconds from enqueueing to the task finishing, by outcome.",
            ["manager", "status"],
            buckets=DURATION_BUCKETS,
        ),
        in_flight=Gauge(
            f"{PREFIX}_tasks_in_flight",
            "Tasks a worker is running right now.",
            ["manager"],
            multiprocess_mode="sum",
        ),
        receiver_errors=Counter(
            f"{PREFIX}_receiver_errors",
            "Lifecycle receivers that raised, by receiver and event kind.",
            ["receiver", "kind"],
        ),
    )


@dataclass(frozen=True, slots=True)
class _Running:
    manager: str
    started_at: datetime


class MetricsReceiver:
    """The metrics receiver: a callable ``(sender, event, **kwargs)`` plus the two other
    signals it listens to (see ``related_receivers``)."""

    def __init__(self) -> None:
        self.starts = StartTimes()
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()

    def related_receivers(self) -> list[tuple[Signal, Callable[..., Any]]]:
        """Connected with this receiver by the ``RECEIVERS`` wiring."""
        from django_q.signals import post_execute_in_worker

        return [
            (receiver_failed, self.count_receiver_failure),
            (post_execute_in_worker, self.finish_run),
        ]

    def __call__(self, sender: Any, event: LifecycleEvent, **kwargs: Any) -> None:
        metrics = task_metrics()
        status = event.status.value if event.status else "none"
        manager = event.manager or "unknown"
        metrics.transitions.labels(kind=event.kind.value, status=status, manager=manager).inc()
        durations = durations_for(event, self.starts)
        if event.kind == EventKind.STARTED:
            if durations.queue_wait_seconds is not None:
                metrics.queue_wait.labels(manager=manager).observe(durations.queue_wait_seconds)
            with self._lock:
                already_running = event.task_name in self._running
                # Aware, like the ``stopped`` time parse_instant() gives finish_run (an
                # event's timestamp is naive with USE_TZ = False).
                started_at = parse_instant(event.timestamp) or event.timestamp
                self._running[event.task_name] = _Running(manager, started_at)
            if not already_running:
                metrics.in_flight.labels(manager=manager).inc()
        elif event.is_terminal and durations.total_seconds is not None:
            metrics.total_time.labels(manager=manager, status=status).observe(
                durations.total_seconds
            )

    def finish_run(self, sender: Any, task: Any = None, **kwargs: Any) -> None:
        """django-q2 ``post_execute_in_worker``: the worker finished a task it announced.

        django-q2 sends this signal with ``send``, not ``send_robust``: an exception here
        would break the worker, so every error is logged and swallowed.
        """
        try:
            self._finish_run(task)
        except Exception:
            logger.exception("metrics_finish_run_failed")

    def _finish_run(self, task: Any) -> None:
        name = task.get("name") if isinstance(task, dict) else None
        if name is None:
            return
        self.starts.pop(str(name))  # the worker never sees the task's end event
        with self._lock:
            running = self._running.pop(str(name), None)
        if running is None:  # this process did not see it start: not a signal manager's task
            return
        metrics = task_metrics()
        metrics.in_flight.labels(manager=running.manager).dec()
        finished_at = parse_instant(task.get("stopped")) or timezone.now()
        seconds = max((finished_at - running.started_at).total_seconds(), 0.0)
        metrics.run_time.labels(manager=running.manager).observe(seconds)

    def count_receiver_failure(
        self, sender: Any, event: LifecycleEvent, receiver: str, **kwargs: Any
    ) -> None:
        """``receiver_failed``: another lifecycle receiver raised."""
        task_metrics().receiver_errors.labels(receiver=receiver, kind=event.kind.value).inc()


record_transition = MetricsReceiver()
"""Name it in ``RECEIVERS``: ``powercrud_signals.receivers.metrics.record_transition``."""
