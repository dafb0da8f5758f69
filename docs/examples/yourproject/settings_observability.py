"""Logging and metrics receivers in a project's settings (docs/receivers.md)."""

import logging

import structlog

# --8<-- [start:receivers]
POWERCRUD_SIGNALS = {
    "RECEIVERS": [
        "powercrud_signals.receivers.logging.log_transition",
        # Needs the extra: pip install "powercrud-signals[metrics]"
        "powercrud_signals.receivers.metrics.record_transition",
    ],
    "LOGGING": {
        # Merged over the defaults: progress at INFO, the other kinds as before.
        "LEVELS": {"progress": "INFO"},
        "LOGGER": "yourproject.tasks",
    },
}
# --8<-- [end:receivers]


# --8<-- [start:structlog_json]
def configure_structlog() -> None:
    """One JSON object per line on stdout; call it once at start-up (e.g. in settings.py)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.WriteLoggerFactory(),
    )


# --8<-- [end:structlog_json]


# --8<-- [start:stdlib_logging]
# structlog left unconfigured: the entries are records of the stdlib logger named by
# POWERCRUD_SIGNALS["LOGGING"]["LOGGER"], with the fields in record.lifecycle.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "yourproject.tasks": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Where a receiver that raised is reported (robust dispatch never fails the task).
        "powercrud_signals": {"handlers": ["console"], "level": "WARNING"},
    },
}
# --8<-- [end:stdlib_logging]
