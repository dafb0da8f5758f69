"""End to end with a real django-q2 cluster: every transition, observed across processes."""

from __future__ import annotations

import os

import pytest

from powercrud_signals.manager import SignalAsyncManager
from tests.cluster import EventLog, Q2Cluster

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

FULL_SUCCESS = ["create", "started", "progress", "complete", "cleanup"]


def _launch(func: str, *args: object, **kwargs: object) -> str:
    return SignalAsyncManager().launch_async_task(func, *args, **kwargs)


def _wait_cleanup(event_log: EventLog, task_name: str) -> list[dict[str, object]]:
    # create is sent by this process after enqueueing and may land after cleanup.
    return event_log.wait_for(
        lambda evs: {"cleanup", "create"} <= {e["kind"] for e in evs}, task_name, timeout=90
    )


def test_successful_task_sends_every_transition_across_processes(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    task_name = _launch("tests.testapp.tasks.count_to", 3)
    events = _wait_cleanup(event_log, task_name)

    kinds = [e["kind"] for e in events]
    assert sorted(set(kinds)) == sorted(FULL_SUCCESS)
    assert kinds.count("progress") == 3
    assert [e["progress"] for e in events if e["kind"] == "progress"] == [
        "counting: 1/3",
        "counting: 2/3",
        "counting: 3/3",
    ]
    # Worker-side order is fixed; create may interleave anywhere after enqueueing.
    assert [k for k in kinds if k != "create"] == [
        "started",
        "progress",
        "progress",
        "progress",
        "complete",
        "cleanup",
    ]

    by_kind = {e["kind"]: e for e in events}
    assert by_kind["complete"]["status"] == "success"
    assert by_kind["complete"]["result"] == "counted 3"
    assert by_kind["started"]["attempt"] == 1 and by_kind["complete"]["attempt"] == 1
    q2_ids = {e["q2_task_id"] for e in events}
    assert len(q2_ids) == 1 and None not in q2_ids
    assert {e["manager"] for e in events} == {"powercrud_signals.manager.SignalAsyncManager"}
    # Three processes took part: this one (create), a worker, and the monitor (hook).
    pids = {e["kind"]: e["pid"] for e in events}
    assert pids["create"] == os.getpid()
    assert pids["started"] == pids["progress"] != pids["create"]
    assert pids["complete"] == pids["cleanup"] not in {pids["create"], pids["started"]}


def test_raising_task_is_reported_failed(q2_cluster: Q2Cluster, event_log: EventLog) -> None:
    task_name = _launch("tests.testapp.tasks.explode")
    events = _wait_cleanup(event_log, task_name)

    assert sorted({e["kind"] for e in events}) == ["cleanup", "create", "fail", "started"]
    fail = next(e for e in events if e["kind"] == "fail")
    assert fail["status"] == "failed"
    assert "explode was asked to fail" in fail["message"]


def test_powercrud_bulk_worker_returning_false_is_a_failure(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    # PowerCRUD's real bulk_update_task, pointed at a model that does not exist: it catches
    # the error, reports "failed update: ..." as progress and returns False.
    task_name = _launch(
        "powercrud.tasks.bulk_update_task", "testapp.Missing", [1, 2], None, [], [], {}
    )
    events = _wait_cleanup(event_log, task_name)

    kinds = [e["kind"] for e in events]
    assert "complete" not in kinds
    fail = next(e for e in events if e["kind"] == "fail")
    assert fail["status"] == "failed"
    assert fail["message"].startswith("Task returned False: failed update:")
    assert "Missing" in fail["message"]
    progress = [e["progress"] for e in events if e["kind"] == "progress"]
    assert progress[0] == "starting update"


def test_secret_task_kwargs_are_masked_in_every_process(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    task_name = _launch("tests.testapp.tasks.add", 1, 2, api_token="tok-abcdef123456")
    _wait_cleanup(event_log, task_name)

    raw = event_log.path.read_text(encoding="utf-8")
    assert "tok-abcdef123456" not in raw
    create = next(e for e in event_log.events(task_name) if e["kind"] == "create")
    assert create["task_kwargs"] == {"api_token": "********"}
    assert create["task_args"] == [1, 2]
