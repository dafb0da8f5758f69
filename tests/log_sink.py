"""A logging handler writing every record, with its extras, as one JSON line per record;
and a receiver that always raises, so the dispatch failure log carries the event."""

from __future__ import annotations

import fcntl
import json
import logging
import os
from typing import Any

LOG_SINK_ENV = "POWERCRUD_SIGNALS_LOG_SINK"

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonLinesHandler(logging.Handler):
    """Everything a log aggregator would receive: message, extras, formatted traceback."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__(level=logging.DEBUG)
        self.path = path or os.environ.get(LOG_SINK_ENV, "")

    def emit(self, record: logging.LogRecord) -> None:
        if not self.path:
            return
        try:
            line = {
                "logger": record.name,
                "level": record.levelname,
                "message": record.getMessage(),
                "exc_text": logging.Formatter().formatException(record.exc_info)
                if record.exc_info
                else None,
                "extra": {k: v for k, v in vars(record).items() if k not in _STANDARD},
                "pid": os.getpid(),
            }
            text = json.dumps(line, default=repr)
            with open(self.path, "a", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.write(text + "\n")
        except Exception:
            self.handleError(record)


def raise_on_every_event(sender: type, event: Any, **kwargs: Any) -> None:
    raise RuntimeError(f"receiver failed on {event.kind}")
