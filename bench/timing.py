"""A receiver for the end-to-end benchmark: when did the worker start each task."""

from __future__ import annotations

import os
import time
from typing import Any


def note_started(sender: Any, event: Any, **kwargs: Any) -> None:
    path = os.environ.get("BENCH_STARTED_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{event.task_name} {time.time()}\n")
