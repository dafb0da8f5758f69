"""Receivers named in ``POWERCRUD_SIGNALS["RECEIVERS"]`` (docs/quickstart.md)."""

import logging

logger = logging.getLogger("yourproject.task_log")

FAILURES = {"count": 0}


# --8<-- [start:log_transition]
def log_transition(sender, event, **kwargs):
    logger.info(
        "task=%s kind=%s status=%s progress=%s",
        event.task_name,
        event.kind,
        event.status,
        event.progress,
    )


# --8<-- [end:log_transition]


# --8<-- [start:count_failure]
def count_failure(sender, event, **kwargs):
    FAILURES["count"] += 1


# --8<-- [end:count_failure]
