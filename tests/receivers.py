"""Receivers the test settings connect through POWERCRUD_SIGNALS["RECEIVERS"]."""

from __future__ import annotations

import fcntl
import json
import os
from typing import Any

from powercrud_signals.events import LifecycleEvent

EVENT_LOG_ENV = "POWERCRUD_SIGNALS_EVENT_LOG"


def append_event_line(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    """Append the event, with the sending process id, to the file named by the environment."""
    path = os.environ.get(EVENT_LOG_ENV)
    if not path:
        return
    line = json.dumps({**event.as_dict(), "pid": os.getpid(), "sender": sender.__name__})
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # workers and the monitor append at once
        handle.write(line + "\n")


def raise_on_failure(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    """A receiver with a bug that shows on failures only (for receiver-error tests)."""
    if event.kind == "fail":
        raise RuntimeError(f"raise_on_failure saw {event.task_name}")


def persist_minimal(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
    """Stand-in for the persistence receiver in the test-support tests: one TaskRecord row per
    task, written only while ``persistence_active()``, which is all those tests rely on."""
    from powercrud_signals.conf import persistence_active
    from powercrud_signals.models import TaskRecord

    if not persistence_active():
        return
    defaults: dict[str, Any] = {"manager": event.manager}
    if event.status is not None:
        defaults["status"] = event.status.value
    TaskRecord.objects.update_or_create(task_name=event.task_name, defaults=defaults)
