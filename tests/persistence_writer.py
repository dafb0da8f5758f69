"""A separate process that writes lifecycle events for given tasks (PostgreSQL concurrency test).

Run as ``python -m tests.persistence_writer MODE SEED START_AT TASK...`` (MODE ``upsert`` or
``portable``, the row-lock path for databases without upsert): waits until the wall
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
    from powercrud_signals.models import TaskRecord
    from powercrud_signals.persistence.fieldmap import resolve_field_map
    from powercrud_signals.persistence.portable import PortableWriter
    from powercrud_signals.persistence.receiver import PersistenceReceiver
    from powercrud_signals.persistence.writes import write_for_event
    from tests.persistence_support import make_event

    mode, seed, start_at, tasks = argv[0], int(argv[1]), float(argv[2]), argv[3:]
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
            *[
                make_event("progress", task, seconds=1 + i / 10, attempt=1, progress=f"{i}/5")
                for i in range(1, 6)
            ],
            make_event("complete", task, seconds=2, attempt=1, result=True),
            make_event("cleanup", task, seconds=3),
        ]
    random.Random(seed).shuffle(events)
    while time.time() < start_at:
        time.sleep(0.005)
    portable = PortableWriter(resolve_field_map(TaskRecord), {})
    for event in events:
        if mode == "portable":
            try:
                portable.write(write_for_event(event), "postgres")
            except Exception as exc:  # the receiver would log it; here it is a failure
                print(f"portable write failed: {exc!r}", file=sys.stderr)
                return 1
        else:
            receiver(None, event)
    for record in failures:
        print(record.getMessage(), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
