"""Persistence benchmark: ``make bench`` (or ``.venv/bin/python bench/run.py``).

1. One task's event stream (create, started, N progress, complete, cleanup; N = 10,000) sent
   through PowerCRUD's ``AsyncManager._emit_lifecycle`` three ways in one run, on an SQLite
   file database: ``SignalAsyncManager`` with no receivers, ``SignalAsyncManager`` with the
   persistence receiver (bundled TaskRecord, default settings), and PowerCRUD's own
   ``ModelTrackingAsyncManager`` on the AsyncTaskRecord-shaped test model.  Medians of
   several runs, microseconds per event, dashboard statements per task.
2. PowerCRUD's real ``bulk_update_task`` on 1,000 records through real qclusters, one with
   persistence on and one off, side by side on their own queues, tasks sent alternately;
   the worker's time from ``started`` to the function's return, medians.

Part 1 runs twice, in subprocesses: on Django's default SQLite options (rollback journal,
synchronous=FULL) and on the test settings' WAL + synchronous=NORMAL.

Options: --events N, --runs R, --peer-runs R, --e2e-runs R, --skip-e2e, --aa (part 2 with
persistence off in both clusters: the noise floor of the comparison).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
WORK_DIR = Path(tempfile.mkdtemp(prefix="pcs-bench-"))
os.environ["POWERCRUD_SIGNALS_SQLITE_PATH"] = str(WORK_DIR / "bench.sqlite3")
if "--sqlite" in sys.argv:
    os.environ["BENCH_SQLITE"] = sys.argv[sys.argv.index("--sqlite") + 1]
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from powercrud.async_dashboard import AsyncDashboardConfig, ModelTrackingAsyncManager  # noqa: E402

from powercrud_signals.manager import SignalAsyncManager  # noqa: E402
from powercrud_signals.models import TaskRecord  # noqa: E402
from powercrud_signals.persistence.receiver import PersistenceReceiver  # noqa: E402
from powercrud_signals.receivers import persistence  # noqa: E402
from tests.testapp.models import AsyncTaskRecord, Book  # noqa: E402

Emit = Callable[..., None]


def stream(emit: Emit, task: str, events: int) -> dict[str, float]:
    """Send one task's stream; seconds per phase."""
    t0 = time.perf_counter()
    emit(
        "create",
        task,
        status="pending",
        message="Task queued",
        user=None,
        task_args=["testapp.Book", [1, 2, 3]],
        task_kwargs={"fields": ["pages"]},
    )
    emit("started", task, status="in_progress", message="Task started")
    t1 = time.perf_counter()
    for index in range(1, events + 1):
        text = f"updating: {index}/{events}"
        emit("progress", task, status="in_progress", message=text, progress_payload=text)
    t2 = time.perf_counter()
    emit("complete", task, status="success", message="Task completed successfully", result=True)
    emit("cleanup", task, status=None)
    t3 = time.perf_counter()
    return {"progress": (t2 - t1) / events, "all": (t3 - t0) / (events + 4)}


def dashboard_statements(emit: Emit, table: str, events: int) -> int:
    """Statements naming the dashboard table while one task's stream is sent."""
    count = [0]

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if table in sql:
            count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        stream(emit, new_name(), events)
    return count[0]


_counter = [0]


def new_name() -> str:
    _counter[0] += 1
    return f"bench-{os.getpid()}-{_counter[0]:06d}-0000-0000-000000000000"


def measure(label: str, emit: Emit, runs: int, events: int, table: str | None) -> dict[str, Any]:
    results = [stream(emit, new_name(), events) for _ in range(runs)]
    statements = dashboard_statements(emit, table, events) if table else 0
    return {
        "label": label,
        "progress_us": statistics.median(r["progress"] for r in results) * 1e6,
        "all_us": statistics.median(r["all"] for r in results) * 1e6,
        "statements": statements,
        "runs": runs,
    }


def event_stream_benchmark(events: int, runs: int, peer_runs: int) -> list[dict[str, Any]]:
    ours = SignalAsyncManager()
    peer = ModelTrackingAsyncManager(
        config=AsyncDashboardConfig(record_model_path="testapp.AsyncTaskRecord")
    )
    persistence.disconnect()
    none = measure("SignalAsyncManager, no receivers", ours._emit_lifecycle, runs, events, None)
    persistence.connect(PersistenceReceiver())
    try:
        with_persistence = measure(
            "SignalAsyncManager + PersistenceReceiver",
            ours._emit_lifecycle,
            runs,
            events,
            TaskRecord._meta.db_table,
        )
    finally:
        persistence.disconnect()
    peer_result = measure(
        "PowerCRUD ModelTrackingAsyncManager",
        peer._emit_lifecycle,
        peer_runs,
        events,
        AsyncTaskRecord._meta.db_table,
    )
    persistence.connect()
    return [none, with_persistence, peer_result]


# ---------------------------------------------------------------- end to end


def bulk_update_benchmark(runs: int, aa: bool = False) -> dict[str, list[float]]:
    """Two clusters side by side (persistence on / off, own queues); tasks sent alternately,
    one at a time, after one discarded warm-up each."""
    from tests.cluster import Q2Cluster

    books = Book.objects.bulk_create(Book(title=f"Book {i}", pages=10) for i in range(1000))
    ids = [book.pk for book in books]
    started_file = WORK_DIR / "started.txt"
    started_file.touch()
    clusters = {
        mode: Q2Cluster(
            WORK_DIR,
            env={
                "BENCH_PERSISTENCE": "1" if mode == "on" and not aa else "0",
                "BENCH_CLUSTER": f"bench-{mode}",
                "BENCH_STARTED_FILE": str(started_file),
            },
            name=f"cluster-{mode}",
        )
        for mode in ("on", "off")
    }
    durations: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for cluster in clusters.values():
            cluster.start()
        for index in range(runs + 1):
            for mode in ("on", "off") if index % 2 else ("off", "on"):
                duration = run_bulk_update(ids, f"bench-{mode}", 100 + index, started_file)
                if mode == "on" and not aa:
                    wait_for_dashboard(duration[0])
                if index:  # the first round warms both clusters up
                    durations[mode].append(duration[1])
    finally:
        for cluster in clusters.values():
            cluster.stop()
    return durations


def run_bulk_update(
    ids: list[int], cluster: str, value: int, started_file: Path
) -> tuple[str, float]:
    """(task name, seconds from the worker's ``started`` to the function's return)."""
    from django_q.conf import Conf
    from django_q.models import Task

    # django-q2 signs a task with the cluster name as salt and queues it under that name:
    # launch as if this process belonged to the target cluster.
    Conf.PREFIX = Conf.CLUSTER_NAME = cluster
    task = SignalAsyncManager().launch_async_task(
        "powercrud.tasks.bulk_update_task",
        "testapp.Book",
        ids,
        None,
        ["pages"],
        ["pages"],
        [{"field": "pages", "value": value, "info": {"type": "PositiveIntegerField"}}],
    )
    deadline = time.monotonic() + 300
    while not Task.objects.filter(name=task).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"bulk update {task} did not finish")
        time.sleep(0.02)
    record = Task.objects.get(name=task)
    assert record.success and record.result is True, record.result
    started = {
        line.split()[0]: float(line.split()[1]) for line in started_file.read_text().splitlines()
    }[task]
    return task, record.stopped.timestamp() - started


def wait_for_dashboard(task: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        row = TaskRecord.objects.filter(task_name=task, cleaned_up=True).first()
        if row is not None:
            assert (row.status, row.progress_current, row.progress_total) == ("success", 1000, 1000)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no dashboard row for {task}")
        time.sleep(0.05)


def print_stream_results(args: argparse.Namespace) -> None:
    mode = os.environ.get("BENCH_SQLITE", "wal")
    journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    sync = connection.cursor().execute("PRAGMA synchronous").fetchone()[0]
    print(
        f"\n1. One task: create, started, {args.events:,} progress, complete, cleanup "
        f"(SQLite file, {mode}: journal_mode={journal}, synchronous={sync})"
    )
    rows = event_stream_benchmark(args.events, args.runs, args.peer_runs)
    print(f"{'':44} {'us/progress':>12} {'us/event':>10} {'statements':>11} {'runs':>5}")
    for row in rows:
        print(
            f"{row['label']:44} {row['progress_us']:12.2f} {row['all_us']:10.2f} "
            f"{row['statements']:11d} {row['runs']:5d}"
        )
    none, ours, peer = rows
    own = max(ours["progress_us"] - none["progress_us"], 1e-9)
    print(
        f"whole event path with persistence vs ModelTrackingAsyncManager, per progress event: "
        f"1/{peer['progress_us'] / ours['progress_us']:.0f}"
    )
    print(
        f"persistence receiver's own cost (with - without receivers): {own:.2f} us = "
        f"1/{peer['progress_us'] / own:.0f} of ModelTrackingAsyncManager"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-runs", type=int, default=3)
    parser.add_argument("--e2e-runs", type=int, default=15)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument(
        "--aa",
        action="store_true",
        help="part 2 with persistence off in both clusters (noise floor)",
    )
    parser.add_argument(
        "--sqlite",
        choices=["wal", "plain"],
        default=None,
        help="run only part 1 on this SQLite configuration",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if args.sqlite:
        print_stream_results(args)
        return
    import subprocess

    passthrough = [
        "--events",
        str(args.events),
        "--runs",
        str(args.runs),
        "--peer-runs",
        str(args.peer_runs),
    ]
    for mode in ("plain", "wal"):
        subprocess.run([sys.executable, __file__, "--sqlite", mode, *passthrough], check=True)
    if args.skip_e2e:
        return
    print(
        f"\n2. PowerCRUD bulk_update_task, 1,000 Books, two real qclusters (persistence on / off) "
        f"side by side, SQLite WAL, {args.e2e_runs} runs each, alternating; worker time from "
        f"started to the function's return"
    )
    durations = bulk_update_benchmark(args.e2e_runs, aa=args.aa)
    on, off = statistics.median(durations["on"]), statistics.median(durations["off"])
    print(f"persistence on : median {on:.3f} s  runs {[round(d, 3) for d in durations['on']]}")
    print(f"persistence off: median {off:.3f} s  runs {[round(d, 3) for d in durations['off']]}")
    print(f"on / off: {on / off:.3f} ({(on / off - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
