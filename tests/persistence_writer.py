"""A separate process that writes lifecycle events for given tasks (PostgreSQL concurrency test).

Run as ``python -m tests.persistence_writer SEED START_AT TASK...``: waits until the wall
clock reaches START_AT so every writer starts together, then delivers every task's events
(create, started, progress, complete, cleanup) in an order shuffled by SEED.  Exits 1 if the
receiver logged any failure.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from powercrud_signals.persistence.receiver import PersistenceReceiver
    from tests.persistence_support import make_event

    seed, start_at, tasks = int(argv[0]), float(argv[1]), argv[2:]
    failures: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            failures.append(record)

    logging.getLogger("powercrud_signals.persistence").addHandler(Collect(logging.WARNING))
    receiver = PersistenceReceiver(database="postgres", progress_interval=0)
    events = []
    for task in tasks:
        events += [
            make_event("create", task, user_label="alice"),
            make_event("started", task, seconds=1, attempt=1),
            *[make_event("progress", task, seconds=1 + i / 10, attempt=1, progress=f"{i}/5") for i in range(1, 6)],
            make_event("complete", task, seconds=2, attempt=1, result=True),
            make_event("cleanup", task, seconds=3),
        ]
    random.Random(seed).shuffle(events)
    while time.time() < start_at:
        time.sleep(0.005)
    for event in events:
        receiver(None, event)
    for record in failures:
        print(record.getMessage(), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
