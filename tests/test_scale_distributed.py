"""Scale: the distributed set-up, for real.  Two separate qcluster processes (as on two
machines) share a Redis broker and cache and a PostgreSQL database; 200 tasks, each
reporting progress, are launched concurrently from another process.  Every task must end
with exactly one correct dashboard row.  The figures (tasks/s, events/s, the dashboard's
share of database time) are printed and written to .pytest-tmp/scale-report.json; they are
reported in docs/deployment.md, not asserted (speed is measured by benchmarks, not tests).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from tests.cluster import REPO_ROOT, EventLog, Q2Cluster
from tests.conftest import require_service
from tests.db_timing import DB_TIMING_ENV, read_totals
from tests.receivers import EVENT_LOG_ENV

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, databases=["default", "postgres"]),
]

TASKS = 200
STEPS = 5
LAUNCH_THREADS = 8


def redis_client() -> Any:
    try:
        import redis

        client = redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
        return client
    except Exception:
        return None


def test_two_clusters_200_concurrent_tasks_one_correct_row_each(
    postgres_alias: str, tmp_path: Path
) -> None:
    client = redis_client()
    require_service(client is not None, f"Redis at {settings.REDIS_URL}")
    database = connections[postgres_alias].settings_dict["NAME"]

    # The peer, in the same run: the same set-up with the dashboard writer turned off, in
    # A-B-B-A order so drift in the machine's load falls on both sides alike.
    runs: dict[bool, list[Scenario]] = {True: [], False: []}
    for index, persistence in enumerate((False, True, True, False)):
        scenario = run_scenario(client, database, tmp_path / f"run-{index}", persistence)
        assert check_rows(postgres_alias, scenario.names) == (TASKS if persistence else 0)
        runs[persistence].append(scenario)

    def median(persistence: bool, key: str) -> float:
        return round(statistics.median(s.figures[key] for s in runs[persistence]), 3)

    keys = ("tasks_per_second", "events_per_second", "dashboard_share_of_db_time")
    report = {
        "runs": {
            "persistence_on": [s.figures for s in runs[True]],
            "persistence_off": [s.figures for s in runs[False]],
        },
        "median_on": {key: median(True, key) for key in keys},
        "median_off": {key: median(False, key) for key in keys},
    }
    report["tasks_per_second_ratio_on_to_off"] = round(
        report["median_on"]["tasks_per_second"] / report["median_off"]["tasks_per_second"], 2
    )
    print("\nscale report:", json.dumps(report, indent=2))
    (REPO_ROOT / ".pytest-tmp" / "scale-report.json").write_text(json.dumps(report, indent=2))


@dataclass
class Scenario:
    names: list[str]
    figures: dict[str, Any]


def run_scenario(client: Any, database: str, workdir: Path, persistence: bool) -> Scenario:
    """Two clusters, one launching process, TASKS tasks; every transition checked."""
    for pattern in ("*powercrud-signals-scale*", "pcs-scale:*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    workdir.mkdir()
    timing_dir = workdir / "db-timing"
    timing_dir.mkdir()
    events = EventLog(workdir / "events.jsonl")
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings_scale",
        "POWERCRUD_SIGNALS_SCALE_DB": database,
        "POWERCRUD_SIGNALS_SCALE_PERSISTENCE": "on" if persistence else "off",
        EVENT_LOG_ENV: str(events.path),
        DB_TIMING_ENV: str(timing_dir),
    }
    clusters = [Q2Cluster(workdir, env=env, name=name) for name in ("scale-a", "scale-b")]
    try:
        for cluster in clusters:
            cluster.start()
        launched = subprocess.run(
            [sys.executable, "-m", "tests.scale_launch", str(TASKS), str(LAUNCH_THREADS)],
            cwd=REPO_ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        names = json.loads(launched.stdout.strip().splitlines()[-1])["task_names"]
        assert len(set(names)) == TASKS

        def all_cleaned(evs: list[dict[str, Any]]) -> bool:
            return Counter(e["kind"] for e in evs)["cleanup"] >= TASKS

        final = events.wait_for(all_cleaned, timeout=120)
        worker_pids = [descendants(cluster) for cluster in clusters]
    finally:
        for cluster in clusters:
            cluster.stop()

    # Every transition of every task was heard, once.
    by_task: dict[str, Counter[str]] = {name: Counter() for name in names}
    for event in final:
        by_task[event["task_name"]][event["kind"]] += 1
    expected = Counter(create=1, started=1, progress=STEPS, complete=1, cleanup=1)
    wrong = {name: dict(kinds) for name, kinds in by_task.items() if kinds != expected}
    assert wrong == {}
    # Both clusters did work.
    started_pids = {e["pid"] for e in final if e["kind"] == "started"}
    assert all(started_pids & pids for pids in worker_pids), (started_pids, worker_pids)
    return Scenario(names, figures(final, read_totals(str(timing_dir))))


def descendants(cluster: Q2Cluster) -> set[int]:
    """Every process under a qcluster (its sentinel, then workers, monitor and pusher)."""
    assert cluster.process is not None
    table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        pid, ppid = (int(part) for part in line.split())
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [cluster.process.pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def check_rows(alias: str, names: list[str]) -> int:
    """How many rows the tasks have; when they have any, exactly one correct row each."""
    from powercrud_signals.models import TaskRecord

    rows = list(TaskRecord.objects.using(alias).filter(task_name__in=names))
    if not rows:
        return 0
    assert len(rows) == len(names) == len({row.task_name for row in rows})
    for row in rows:
        assert row.status == "success", row
        assert (row.progress_current, row.progress_total) == (STEPS, STEPS), row
        assert row.result_payload == STEPS, row
        assert row.attempt == 1 and row.q2_task_id, row
        assert row.completed_at is not None and row.failed_at is None, row
    return len(rows)


def figures(events: list[dict[str, Any]], db: dict[str, dict[str, float]]) -> dict[str, Any]:
    stamps = [datetime.fromisoformat(e["timestamp"]) for e in events]
    wall = (max(stamps) - min(stamps)).total_seconds()
    total_db = sum(entry["seconds"] for entry in db.values()) or 1.0
    dashboard = sum(v["seconds"] for k, v in db.items() if k.startswith("dashboard"))
    return {
        "tasks": TASKS,
        "events": len(events),
        "wall_seconds": round(wall, 2),
        "tasks_per_second": round(TASKS / wall, 1),
        "events_per_second": round(len(events) / wall, 1),
        "db_seconds": {k: round(v["seconds"], 3) for k, v in db.items()},
        "db_queries": {k: int(v["queries"]) for k, v in db.items()},
        "dashboard_share_of_db_time": round(dashboard / total_db, 3),
    }
