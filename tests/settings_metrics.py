"""Test settings plus the metrics receiver, for the multiprocess metrics tests.

The cluster started with these settings uses its own queue name, so a cluster on the plain
test settings running in the same session never takes its tasks (and the reverse).
"""

from __future__ import annotations

from tests.settings import *  # noqa: F403
from tests.settings import POWERCRUD_SIGNALS, Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "name": "powercrud-signals-metrics"}

# Receivers run in this order: the metrics are recorded before the event reaches the event
# log the tests wait on, so what the log shows is already counted.
POWERCRUD_SIGNALS = {
    **POWERCRUD_SIGNALS,
    "RECEIVERS": [
        "powercrud_signals.receivers.metrics.record_transition",
        "tests.receivers.raise_on_failure",
        *POWERCRUD_SIGNALS["RECEIVERS"],
    ],
}
