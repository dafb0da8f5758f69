"""Settings for the benchmark: the test settings on a file of its own, persistence switchable.

BENCH_SQLITE=plain uses Django's default SQLite options instead of the test settings' WAL
mode; BENCH_PERSISTENCE=0 turns the persistence receiver off (for the qcluster processes of the
end-to-end comparison); BENCH_STARTED_FILE names the file ``bench.timing`` writes to.
"""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, Q_CLUSTER

DATABASES = {"default": dict(DATABASES["default"])}
if os.environ.get("BENCH_SQLITE") == "plain":
    # Django's SQLite defaults: rollback journal, synchronous=FULL (a sync per commit).
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
POWERCRUD_SIGNALS = {
    "PERSISTENCE": {"ENABLED": os.environ.get("BENCH_PERSISTENCE", "1") == "1"},
    "RECEIVERS": [{"receiver": "bench.timing.note_started", "signals": ["task_started"]}],
}

# The end-to-end comparison runs a persistence-on and a persistence-off cluster side by side,
# each on its own queue, and sends tasks to them alternately.
Q_CLUSTER = {**Q_CLUSTER, "name": os.environ.get("BENCH_CLUSTER", Q_CLUSTER["name"])}
