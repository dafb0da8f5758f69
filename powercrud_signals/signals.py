"""The signals powercrud-signals sends, their contract, and robust dispatch.

Contract, for every lifecycle signal below:

- ``sender`` is the manager class that emitted the event (``type(manager)``).
- The only keyword argument is ``event``, a :class:`powercrud_signals.events.LifecycleEvent`.
  Receivers take ``(sender, event, **kwargs)`` and must accept ``**kwargs``.
- ``task_lifecycle`` is sent first for every transition, then the signal for its kind.
- Dispatch is robust: a receiver that raises never stops the other receivers and never
  changes the task's outcome.  The failure is logged on the ``powercrud_signals.dispatch``
  logger with the receiver's dotted name and the event, and ``receiver_failed`` is sent.
  With ``POWERCRUD_SIGNALS["RAISE_RECEIVER_ERRORS"] = True`` (test suites) the failure is
  raised as :class:`powercrud_signals.exceptions.ReceiverError` once every receiver has run.

Which process sends what (PowerCRUD + django-q2):

=================  =================  ==========================================
signal             PowerCRUD event    process
=================  =================  ==========================================
task_enqueued      create             the process that launched the task (web)
task_started       (new) started      the django-q2 worker, before the function
task_progressed    progress           the worker, inside the task's own transaction
task_succeeded     complete           the qcluster monitor (completion hook)
task_failed        fail               the monitor; or whoever reconciles a lost task
task_cleaned_up    cleanup            the monitor, or PowerCRUD's cleanup command
=================  =================  ==========================================
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.exceptions import ReceiverError

__all__ = [
    "SIGNAL_FOR_KIND",
    "receiver_failed",
    "send_event",
    "task_cleaned_up",
    "task_enqueued",
    "task_failed",
    "task_lifecycle",
    "task_progressed",
    "task_started",
    "task_succeeded",
]

logger = logging.getLogger("powercrud_signals.dispatch")


class LifecycleSignal(Signal):
    """A Signal whose robust-send failures are reported by :func:`send_event`, with the event,
    instead of Django's generic ``django.dispatch`` log line (which would log them twice)."""

    def _log_robust_failure(self, receiver: Any, err: Exception) -> None:
        return None


task_lifecycle = LifecycleSignal(use_caching=True)
"""Every transition.  Args: ``sender`` (manager class), ``event``."""

task_enqueued = LifecycleSignal(use_caching=True)
"""The queue accepted the task (PowerCRUD ``create``).  Sent after enqueueing, so it can
arrive after the task has already started or finished."""

task_started = LifecycleSignal(use_caching=True)
"""A django-q2 worker picked the task up (``pre_execute``); ``event.attempt`` counts deliveries."""

task_progressed = LifecycleSignal(use_caching=True)
"""``update_progress`` was called; may be sent once per record of a bulk job."""

task_succeeded = LifecycleSignal(use_caching=True)
"""The task finished successfully."""

task_failed = LifecycleSignal(use_caching=True)
"""The task raised, timed out, returned a failure (a PowerCRUD bulk worker's ``False``), or
was found abandoned."""

task_cleaned_up = LifecycleSignal(use_caching=True)
"""PowerCRUD released the task's locks and progress key.  ``event.status`` may be None."""

receiver_failed = LifecycleSignal()
"""A lifecycle receiver raised.  Args: ``sender`` (manager class), ``event``, ``receiver``
(its dotted name), ``exception``.  Failures of these receivers are only logged."""

SIGNAL_FOR_KIND: dict[EventKind, Signal] = {
    EventKind.CREATE: task_enqueued,
    EventKind.STARTED: task_started,
    EventKind.PROGRESS: task_progressed,
    EventKind.COMPLETE: task_succeeded,
    EventKind.FAIL: task_failed,
    EventKind.CLEANUP: task_cleaned_up,
}


def receiver_name(receiver: Any) -> str:
    """The dotted name a failing receiver is reported under."""
    target = getattr(receiver, "__func__", receiver)
    module = getattr(target, "__module__", None) or type(receiver).__module__
    qualname = getattr(target, "__qualname__", None) or type(receiver).__qualname__
    return f"{module}.{qualname}"


def send_event(sender: type, event: LifecycleEvent) -> None:
    """Send ``event`` on ``task_lifecycle`` and on the signal for its kind, robustly."""
    # Imported here: conf imports payloads, and signals must stay importable on its own.
    from powercrud_signals.conf import app_settings

    failures: list[tuple[str, Exception]] = []
    for signal in (task_lifecycle, SIGNAL_FOR_KIND[event.kind]):
        for receiver, response in signal.send_robust(sender, event=event):
            if isinstance(response, Exception):
                name = receiver_name(receiver)
                _report_failure(sender, event, name, response)
                failures.append((name, response))
    if failures and app_settings.raise_receiver_errors:
        name, error = failures[0]
        raise ReceiverError(name, event, error) from error


def _report_failure(sender: type, event: LifecycleEvent, name: str, error: Exception) -> None:
    logger.error(
        "receiver_failed receiver=%s kind=%s task_name=%s status=%s error=%s",
        name,
        event.kind.value,
        event.task_name,
        event.status.value if event.status else None,
        type(error).__name__,
        exc_info=error,
        extra={"receiver": name, "lifecycle_event": event.as_dict()},
    )
    for observer, response in receiver_failed.send_robust(
        sender, event=event, receiver=name, exception=error
    ):
        if isinstance(response, Exception):
            logger.error(
                "receiver_failed observer %s raised %s",
                receiver_name(observer),
                type(response).__name__,
                exc_info=response,
            )
