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
