"""Faults with a real django-q2 cluster: timeouts, retries, workers killed with SIGKILL.

The clusters here run tests.settings_faults (timeout 2 s, retry 12 s, one retry allowed) on
a queue of their own; the Redis variant loses a killed worker's task, the ORM broker keeps it
locked and redelivers it.  What every receiver heard is read from the shared event log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.operations.q2_state import Timing
from powercrud_signals.operations.reconcile import cleanup_active_tasks
from tests.cluster import REPO_ROOT, EventLog, Q2Cluster, event_log_env
from tests.conftest import require_service
from tests.log_sink import LOG_SINK_ENV

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

FAULT_QUEUE = "powercrud-signals-faults"
SLOW = "tests.testapp.ops_tasks.sleep_with_progress"


def fault_env(event_log: EventLog, broker: str) -> dict[str, str]:
    return {
        **event_log_env(event_log.path),
        LOG_SINK_ENV: str(event_log.path.with_name(f"faults-{broker}-log.jsonl")),
        "DJANGO_SETTINGS_MODULE": "tests.settings_faults",
        "POWERCRUD_SIGNALS_FAULT_BROKER": broker,
        "POWERCRUD_SIGNALS_FAULT_QUEUE": f"{FAULT_QUEUE}-{broker}",
    }


@pytest.fixture(scope="module")
def orm_cluster(
    django_db_setup: None, django_db_blocker: Any, cluster_dir: Path, event_log: EventLog
) -> Iterator[Q2Cluster]:
    cluster = Q2Cluster(cluster_dir, env=fault_env(event_log, "orm"), name="faults-orm").start()
    try:
        yield cluster
    finally:
        cluster.stop()


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="module")
def redis_cluster(
    django_db_setup: None, django_db_blocker: Any, cluster_dir: Path, event_log: EventLog
) -> Iterator[Q2Cluster]:
    require_service(redis_reachable(), f"Redis at {settings.REDIS_URL}")
    cluster = Q2Cluster(cluster_dir, env=fault_env(event_log, "redis"), name="faults-redis").start()
    try:
        yield cluster
    finally:
        cluster.stop()


def launch_orm(func: str, *args: Any, timeout: int = 2, **kwargs: Any) -> str:
    # The launching process decides whether failures are acknowledged (this one's settings
    # say yes): keep a failed attempt queued so the cluster retries it.
    options = {"cluster": f"{FAULT_QUEUE}-orm", "ack_failure": False}
    return SignalAsyncManager().launch_async_task(
        func, *args, timeout=timeout, q_options=options, **kwargs
    )


def launch_redis(func: str, *args: Any, timeout: int = 2, **kwargs: Any) -> str:
    """Enqueue on the Redis fault cluster's queue (this process's own broker is the ORM)."""
    import redis
    from django_q.brokers.redis_broker import Redis

    broker = Redis(list_key=f"{FAULT_QUEUE}-redis")
    broker.connection = redis.from_url(settings.REDIS_URL)
    return SignalAsyncManager().launch_async_task(
        func, *args, timeout=timeout, broker=broker, **kwargs
    )


def of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind]


def test_task_past_the_cluster_timeout_fails_on_every_attempt(
    orm_cluster: Q2Cluster, event_log: EventLog
) -> None:
    name = launch_orm(SLOW, 30, 3)
    events = event_log.wait_for(lambda evs: len(of_kind(evs, "fail")) == 2, name, timeout=60)

    fails = of_kind(events, "fail")
    assert [f["attempt"] for f in fails] == [1, 2]
    assert all("exceeded maximum timeout value (2 seconds)" in f["message"] for f in fails)
    assert of_kind(events, "complete") == []
    assert [s["attempt"] for s in of_kind(events, "started")] == [1, 2]


def test_retried_task_ends_with_the_last_attempts_outcome(
    orm_cluster: Q2Cluster, event_log: EventLog, tmp_path: Path
) -> None:
    name = launch_orm("tests.testapp.ops_tasks.fail_first_attempt", str(tmp_path / "marker"))
    events = event_log.wait_for(lambda evs: bool(of_kind(evs, "complete")), name, timeout=60)

    terminal = [e for e in events if e["kind"] in ("fail", "complete")]
    assert [(e["kind"], e["attempt"]) for e in terminal] == [("fail", 1), ("complete", 2)]
    assert terminal[-1]["result"] == "second attempt succeeded"
    assert [s["attempt"] for s in of_kind(events, "started")] == [1, 2]


def test_orm_broker_redelivers_a_killed_workers_task_and_reconciliation_leaves_it(
    orm_cluster: Q2Cluster, event_log: EventLog
) -> None:
    name = launch_orm(SLOW, 4, 8, timeout=8, conflict_ids={"testapp.Book": {41}})
    started = event_log.wait_for_kind(name, "progress", timeout=30)
    worker = of_kind(started, "started")[0]["pid"]
    timing = Timing(max_runtime=0, max_wait=0, margin=0)  # as impatient as possible

    running = cleanup_active_tasks(timing)
    os.kill(worker, signal.SIGKILL)
    time.sleep(1)
    killed = cleanup_active_tasks(timing)

    for report in (running, killed):  # (other tests' tasks may share the active set)
        assert [(o.action, o.reason) for o in report.outcomes if o.task_name == name] == [
            ("skipped", "queued in the broker")
        ]
    assert SignalAsyncManager().check_conflict({"testapp.Book": [41]}) == {41}
    # django-q2 hands the package to another worker once its lock expires.
    events = event_log.wait_for(lambda evs: bool(of_kind(evs, "complete")), name, timeout=60)
    assert len(of_kind(events, "started")) == 2
    assert of_kind(events, "fail") == []
    assert of_kind(events, "complete")[0]["result"] == "slept 4"
    assert SignalAsyncManager().check_conflict({"testapp.Book": [41]}) == set()


def run_command(event_log: EventLog, *args: str) -> dict[str, Any]:
    """Run a management command as an operator would, on the Redis fault settings."""
    env = {**os.environ, **fault_env(event_log, "redis"), "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "django", *args, "--json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


@pytest.mark.redis
def test_redis_broker_loses_a_killed_workers_task_and_reconciliation_fails_it(
    redis_cluster: Q2Cluster, event_log: EventLog
) -> None:
    name = launch_redis(SLOW, 6, 6, timeout=8, conflict_ids={"testapp.Book": {42}})
    started = event_log.wait_for_kind(name, "progress", timeout=30)
    os.kill(of_kind(started, "started")[0]["pid"], signal.SIGKILL)

    options = ("--max-runtime", "1", "--margin", "0", "--finish-grace", "0")
    first = run_command(event_log, "cleanup_async_tasks", *options)
    # Never seen finishing: abandoned once missing for the cluster's wait + run time
    # (queue_limit 4 / 2 workers x 1 s + 1 s).
    time.sleep(3.5)
    second = run_command(event_log, "cleanup_async_tasks", *options)

    assert [t["action"] for t in first["tasks"] if t["task_name"] == name] == ["skipped"]
    assert [t["action"] for t in second["tasks"] if t["task_name"] == name] == ["abandoned"]
    assert second["broker"] == "Redis"
    events = event_log.wait_for(lambda evs: bool(of_kind(evs, "cleanup")), name, timeout=10)
    fail = of_kind(events, "fail")
    assert len(fail) == 1 and fail[0]["status"] == "failed"
    assert fail[0]["extra"]["reason"] == "abandoned"
    assert of_kind(events, "complete") == []
    assert SignalAsyncManager().check_conflict({"testapp.Book": [42]}) == set()
    # The killed worker was replaced and the task was not run again.
    time.sleep(1)
    assert len(of_kind(event_log.events(name), "started")) == 1


def log_records(event_log: EventLog, broker: str) -> list[dict[str, Any]]:
    path = Path(fault_env(event_log, broker)[LOG_SINK_ENV])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dashboard_table_gone_during_progress_and_completion(
    orm_cluster: Q2Cluster, event_log: EventLog
) -> None:
    from django.db import connection
    from django_q.models import Task

    from powercrud_signals.models import TaskRecord
    from powercrud_signals.operations.reconcile import reconcile_records

    name = launch_orm(SLOW, 3, 6, timeout=8)
    event_log.wait_for_kind(name, "started", timeout=30)
    wait_until(lambda: TaskRecord.objects.filter(task_name=name, status="in_progress").exists())

    table = TaskRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        events = event_log.wait_for_kind(name, "cleanup", timeout=30)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")

    # The task finished as if nothing happened ...
    assert Task.objects.get(name=name).success is True
    assert [e["kind"] for e in events if e["kind"] in ("complete", "fail")] == ["complete"]
    # ... its row could not follow ...
    assert TaskRecord.objects.get(task_name=name).status == "in_progress"
    # ... and each process that failed to write said so once, not once per event.
    warnings = [
        r
        for r in log_records(event_log, "orm")
        if r["logger"] == "powercrud_signals.persistence"
        and r["level"] == "WARNING"
        and name in r["message"]
    ]
    writers = {r["pid"] for r in warnings}
    assert len(warnings) == len(writers) >= 1
    assert writers <= {e["pid"] for e in events}

    report = reconcile_records(Timing.from_cluster(margin=60), finish_grace=timedelta(0))

    assert (name, "completed") in {(o.task_name, o.action) for o in report.outcomes}
    row = TaskRecord.objects.get(task_name=name)
    assert (row.status, row.result_payload) == ("success", "slept 3")
    assert row.completed_at is not None


def wait_until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
