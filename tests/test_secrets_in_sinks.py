"""A password, an API token and an Authorization header planted in a task's kwargs (and
echoed by the task into its progress, result and error) reach no sink of this app: not the
dashboard rows, not the JSON-lines event log, not any powercrud_signals log record, in any
of the three processes (launching, worker, monitor)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django_q.models import Task

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord
from powercrud_signals.signals import task_lifecycle
from tests.cluster import EventLog, Q2Cluster, event_log_env
from tests.log_sink import LOG_SINK_ENV, JsonLinesHandler, raise_on_every_event

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PASSWORD = "hunter2-Pw-7731"
API_TOKEN = "tok_live_8f3a9c2e1d55aa"
BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ"
SECRETS = (PASSWORD, API_TOKEN, BEARER)
QUEUE = "powercrud-signals-sinks"


@pytest.fixture(scope="module")
def log_sink(cluster_dir: Path) -> Path:
    path = cluster_dir / "powercrud_signals-log.jsonl"
    path.touch()
    return path


@pytest.fixture(scope="module")
def sink_cluster(
    django_db_setup: None,
    django_db_blocker: Any,
    cluster_dir: Path,
    event_log: EventLog,
    log_sink: Path,
) -> Iterator[Q2Cluster]:
    env = {
        **event_log_env(event_log.path),
        "DJANGO_SETTINGS_MODULE": "tests.settings_sinks",
        "POWERCRUD_SIGNALS_SINK_QUEUE": QUEUE,
        LOG_SINK_ENV: str(log_sink),
    }
    cluster = Q2Cluster(cluster_dir, env=env, name="sinks").start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def in_process_sinks(log_sink: Path) -> Iterator[None]:
    """The same log sink and raising receiver in this (the launching) process."""
    logger = logging.getLogger("powercrud_signals")
    handler = JsonLinesHandler(str(log_sink))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    task_lifecycle.connect(raise_on_every_event, dispatch_uid="test-secrets-raise")
    try:
        yield
    finally:
        task_lifecycle.disconnect(dispatch_uid="test-secrets-raise")
        logger.removeHandler(handler)
        logger.setLevel(previous)


def launch(fail: bool) -> str:
    return SignalAsyncManager().launch_async_task(
        "tests.testapp.ops_tasks.use_credentials",
        password=PASSWORD,
        api_token=API_TOKEN,
        headers={"Authorization": f"Bearer {BEARER}", "Accept": "application/json"},
        fail=fail,
        q_options={"cluster": QUEUE},
    )


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_planted_secrets_reach_no_sink(
    sink_cluster: Q2Cluster,
    event_log: EventLog,
    log_sink: Path,
    in_process_sinks: None,
    fail: bool,
) -> None:
    name = launch(fail)
    events = event_log.wait_for(
        lambda evs: {"create", "cleanup"} <= {e["kind"] for e in evs}, name, timeout=60
    )

    # Positive control: the secrets really flowed through the task (django-q2 keeps its own
    # pickled copy of the kwargs, outside this app's reach) ...
    task = Task.objects.get(name=name)
    assert task.kwargs["password"] == PASSWORD
    assert leaks(repr(task.result)), "the task should have echoed its secrets"
    # ... and every sink saw this task, from every process.
    kinds = {e["kind"] for e in events}
    assert kinds == {"create", "started", "progress", "fail" if fail else "complete", "cleanup"}
    assert len({e["pid"] for e in events}) == 3
    records = [json.loads(line) for line in log_sink.read_text(encoding="utf-8").splitlines()]
    ours = [r for r in records if r["extra"].get("lifecycle_event", {}).get("task_name") == name]
    assert {r["extra"]["lifecycle_event"]["kind"] for r in ours} == kinds
    assert len({r["pid"] for r in ours}) == 3
    # The receiver that raised on every event, in every process, changed nothing: the
    # outcome is django-q2's, and the other receiver (the event log) heard every transition.
    assert {r["extra"]["receiver"] for r in ours} == {"tests.log_sink.raise_on_every_event"}
    assert task.success is (not fail)

    assert leaks(event_log.path.read_text(encoding="utf-8")) == []
    assert leaks(log_sink.read_text(encoding="utf-8")) == []
    rows = serializers.serialize("json", TaskRecord.objects.all())
    assert leaks(rows) == []

    create = next(e for e in events if e["kind"] == "create")
    assert create["task_kwargs"]["password"] == "********"
    assert create["task_kwargs"]["api_token"] == "********"
    assert create["task_kwargs"]["headers"]["Authorization"] == "********"
    assert create["task_kwargs"]["headers"]["Accept"] == "application/json"
