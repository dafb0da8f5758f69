"""Cluster settings for the secret-search test: every powercrud_signals log record, extras
included, goes to the JSON-lines file named by POWERCRUD_SIGNALS_LOG_SINK, and a receiver
that raises makes the dispatcher log each event."""

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
    "RECEIVERS": [*POWERCRUD_SIGNALS["RECEIVERS"], "tests.log_sink.raise_on_every_event"],
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
