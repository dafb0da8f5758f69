"""Cluster settings for the secret-search test: the bundled log and metrics receivers are
connected, every powercrud_signals log record (the log receiver's entries included), extras
included, goes to the JSON-lines file named by POWERCRUD_SIGNALS_LOG_SINK, and a receiver that
raises makes the dispatcher log each event.  Metrics go to $PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403
from tests.settings import LOGGING, POWERCRUD_SIGNALS, Q_CLUSTER

Q_CLUSTER = {
    **Q_CLUSTER,
    "cluster_name": os.environ.get("POWERCRUD_SIGNALS_SINK_QUEUE", "powercrud-signals-sinks"),
}

POWERCRUD_SIGNALS = {
    **POWERCRUD_SIGNALS,
    "RECEIVERS": [
        "powercrud_signals.receivers.logging.log_transition",
        "powercrud_signals.receivers.metrics.record_transition",
        *POWERCRUD_SIGNALS["RECEIVERS"],
        "tests.log_sink.raise_on_every_event",
    ],
}

LOGGING = {
    **LOGGING,
    "handlers": {
        **LOGGING["handlers"],
        "json_sink": {"class": "tests.log_sink.JsonLinesHandler"},
    },
    "loggers": {
        **LOGGING["loggers"],
        "powercrud_signals": {"handlers": ["json_sink"], "level": "DEBUG"},
    },
}
