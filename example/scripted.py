"""The scripted demo: launch tasks, and print every transition as any process sends it.

Every process (this one, the cluster's workers and its monitor) appends each event to one
JSON-lines file through a receiver named in ``RECEIVERS``; the demo follows that file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

COLOURS = {"create": 36, "started": 34, "progress": 33, "complete": 32, "fail": 31, "cleanup": 90}


def format_transition(event: dict[str, Any]) -> str:
    colour = COLOURS.get(event["kind"], 0)
    detail = (event["progress"] or event["message"]).replace("\n", " ")
    if len(detail) > 70:
        detail = detail[:67] + "..."
    return (
        f"\x1b[{colour}m{event['kind']:>8}\x1b[0m  task={event['task_name'][:8]}  "
        f"status={event['status'] or '-':<11} pid={event['pid']:<7} "
        f"attempt={event['attempt'] or '-'}  {detail}"
    )


def run(workdir: Path) -> int:
    import logging

    from django.core.management import call_command

    from powercrud_signals.manager import SignalAsyncManager
    from tests.cluster import EventLog, Q2Cluster

    logging.getLogger("django-q").setLevel(logging.WARNING)  # the cluster logs to its own file
    print(f"powercrud-signals demo: SQLite database and logs in {workdir}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    log = EventLog(workdir / "events.jsonl")
    os.environ["POWERCRUD_SIGNALS_EVENT_LOG"] = str(log.path)
    cluster = Q2Cluster(workdir, env={"POWERCRUD_SIGNALS_EVENT_LOG": str(log.path)})
    print("starting a django-q2 cluster (2 workers, ORM broker) ...")
    cluster.start()
    printed = 0
    ok = True
    try:
        manager = SignalAsyncManager()
        launches = [
            ("a task that reports progress", "tests.testapp.tasks.count_to", (5,), {}),
            ("a task that raises", "tests.testapp.tasks.explode", (), {}),
            (
                "PowerCRUD's bulk update on a missing model (returns False)",
                "powercrud.tasks.bulk_update_task",
                ("testapp.Missing", [1, 2, 3], None, [], [], {}),
                {},
            ),
        ]
        for title, func, args, kwargs in launches:
            print(f"\n--- {title}: {func}")
            name = manager.launch_async_task(func, *args, **kwargs)
            deadline = time.monotonic() + 60
            while True:
                events = log.events()
                for event in events[printed:]:
                    print(format_transition(event), flush=True)
                printed = len(events)
                kinds = {e["kind"] for e in events if e["task_name"] == name}
                if {"create", "cleanup"} <= kinds:
                    break
                if time.monotonic() > deadline:
                    print(f"!! task {name} did not finish in 60 s; cluster log: {cluster.log_path}")
                    ok = False
                    break
                time.sleep(0.05)
        print(
            "\ndone: every transition above was a Django signal."
            if ok
            else "\nthe demo did not complete."
        )
        return 0 if ok else 1
    finally:
        cluster.stop()
