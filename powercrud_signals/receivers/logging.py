"""One structured log entry per lifecycle transition.

Connect it with::

    POWERCRUD_SIGNALS = {"RECEIVERS": ["powercrud_signals.receivers.logging.log_transition"]}

The entry goes through structlog when the project has configured structlog (its processors and
renderer, e.g. JSON in production), and otherwise through the standard library logger of the
same name, so a project with plain ``LOGGING`` gets it without configuring anything.  The
entry's name is the signal's (``task_enqueued``, ``task_failed`` ...); its fields come from the
event, whose values are already redacted and truncated, so no secret reaches a log line.
Levels, fields and the logger name are the ``POWERCRUD_SIGNALS["LOGGING"]`` setting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from powercrud_signals.conf import DEFAULT_LOG_FIELDS, DEFAULTS, app_settings
from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.receivers.timing import Durations, StartTimes, durations_for

__all__ = ["ENTRY_NAMES", "LOG_FIELDS", "TransitionLogger", "log_transition"]

#: Every field a log entry can carry: the defaults plus a few more a project may ask for.
LOG_FIELDS = (
    *DEFAULT_LOG_FIELDS,
    "progress_current",
    "progress_total",
    "timestamp",
    "func",
    "worker",
)
"""Every field ``LOGGING["FIELDS"]`` may name; the duration fields appear only when known."""

ENTRY_NAMES: Mapping[EventKind, str] = {
    EventKind.CREATE: "task_enqueued",
    EventKind.STARTED: "task_started",
    EventKind.PROGRESS: "task_progressed",
    EventKind.COMPLETE: "task_succeeded",
    EventKind.FAIL: "task_failed",
    EventKind.CLEANUP: "task_cleaned_up",
}
"""The log entry's name per kind: the name of the signal sent for it."""

_LEVEL_METHODS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}


def _level_number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        number = logging.getLevelName(value.upper())
        if isinstance(number, int):
            return number
    return logging.INFO


def _format_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(ch.isspace() or ch in "='\"" for ch in text):
        return text
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class _Resolved:
    """``LOGGING`` turned into what each event needs (recomputed when the settings change)."""

    source: Mapping[str, Any]
    levels: Mapping[EventKind, int]
    fields: tuple[str, ...]
    logger_name: str
    stdlib_logger: logging.Logger


def _resolve(config: Mapping[str, Any]) -> _Resolved:
    levels = config.get("LEVELS")
    levels = levels if isinstance(levels, Mapping) else {}
    fields = config.get("FIELDS")
    logger_name = config.get("LOGGER")
    if not isinstance(logger_name, str) or not logger_name:
        logger_name = DEFAULTS["LOGGING"]["LOGGER"]
    return _Resolved(
        source=config,
        levels={kind: _level_number(levels.get(kind.value)) for kind in EventKind},
        fields=tuple(fields) if isinstance(fields, (list, tuple)) else DEFAULT_LOG_FIELDS,
        logger_name=logger_name,
        stdlib_logger=logging.getLogger(logger_name),
    )


class TransitionLogger:
    """The logging receiver: a callable ``(sender, event, **kwargs)``.

    It remembers when tasks started in this process (bounded), so a process that sees both a
    task's start and its end (a synchronous run) logs the run time, not only the total.
    """

    def __init__(self) -> None:
        self.starts = StartTimes()
        self._resolved: _Resolved | None = None

    def _config(self) -> _Resolved:
        config = app_settings.logging  # the same object until a setting changes
        resolved = self._resolved
        if resolved is None or resolved.source is not config:
            resolved = self._resolved = _resolve(config)
        return resolved

    def __call__(self, sender: Any, event: LifecycleEvent, **kwargs: Any) -> None:
        config = self._config()
        durations = durations_for(event, self.starts)  # also remembers starts: always run
        level = config.levels[event.kind]
        entry = ENTRY_NAMES[event.kind]
        # Most progress entries are filtered out in production: decide before building fields.
        if structlog.is_configured():
            logger = structlog.get_logger(config.logger_name).bind()
            is_enabled_for = getattr(logger, "is_enabled_for", None)
            if callable(is_enabled_for) and not is_enabled_for(level):
                return
            self.emit_structlog(logger, level, entry, self.fields(event, durations, config))
        elif config.stdlib_logger.isEnabledFor(level):
            self.emit_stdlib(
                config.stdlib_logger, level, entry, self.fields(event, durations, config)
            )

    def fields(
        self, event: LifecycleEvent, durations: Durations, config: _Resolved
    ) -> dict[str, Any]:
        """The wanted fields that have a value for this event (empty ones are left out)."""
        available: dict[str, Any] = {
            "task_name": event.task_name,
            "kind": event.kind.value,
            "status": event.status.value if event.status else None,
            "q2_task_id": event.q2_task_id,
            "attempt": event.attempt,
            "manager": event.manager,
            "user_label": event.user_label,
            "affected_label": event.affected_label,
            "message": event.message,
            "progress": event.progress,
            "progress_current": event.progress_current,
            "progress_total": event.progress_total,
            "timestamp": event.timestamp.isoformat(),
            "func": event.extra.get("func"),
            "worker": event.extra.get("worker"),
            **durations.as_dict(),
        }
        return {
            name: available[name]
            for name in config.fields
            if available.get(name) is not None and available.get(name) != ""
        }

    def emit_structlog(self, logger: Any, level: int, entry: str, fields: dict[str, Any]) -> None:
        method = _LEVEL_METHODS.get(level)
        if method is not None:
            getattr(logger, method)(entry, **fields)
        else:
            logger.log(level, entry, **fields)

    def emit_stdlib(
        self, logger: logging.Logger, level: int, entry: str, fields: dict[str, Any]
    ) -> None:
        text = " ".join(
            [entry, *(f"{key}={_format_value(value)}" for key, value in fields.items())]
        )
        # One extra attribute: field names such as "message" would clash with LogRecord's own.
        logger.log(level, "%s", text, extra={"lifecycle": fields})


log_transition = TransitionLogger()
"""The receiver to name in ``RECEIVERS``: ``powercrud_signals.receivers.logging.log_transition``."""
