"""Settings for clusters in the fault tests: a short timeout and retry, one retry allowed.

Shares the test database file with the test process (tests.settings exports its path).
POWERCRUD_SIGNALS_FAULT_BROKER=redis switches the cluster to the Redis broker on
POWERCRUD_SIGNALS_REDIS_URL, where a package leaves the queue when a cluster takes it (so a
killed worker loses its task), unlike the ORM broker, which keeps it locked and redelivers it.
"""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403
from tests.settings import Q_CLUSTER, REDIS_URL

Q_CLUSTER = {
    **Q_CLUSTER,
    # Same "name" (it salts the package signature) but a queue of its own, so the suite's
    # session cluster does not take these tasks: launch them with q_options={"cluster": ...}.
    "cluster_name": os.environ.get("POWERCRUD_SIGNALS_FAULT_QUEUE", "powercrud-signals-faults"),
    "timeout": 2,
    "retry": 12,  # must exceed a task's timeout + django-q2's 3 s guard buffer
    "max_attempts": 2,
    "ack_failures": False,  # a failed attempt stays queued and is retried once
    "guard_cycle": 0.5,
}

if os.environ.get("POWERCRUD_SIGNALS_FAULT_BROKER") == "redis":
    Q_CLUSTER.pop("orm", None)
    Q_CLUSTER["redis"] = REDIS_URL

if os.environ.get("POWERCRUD_SIGNALS_LOG_SINK"):
    # Every powercrud_signals record, extras included, as JSON lines (tests.log_sink).
    from tests.settings import LOGGING

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
