"""A password, an API token and an Authorization header planted in a task's kwargs (and
echoed by the task into its progress, result and error) reach no sink of this app: not the
dashboard rows, not the JSON-lines event log, not any powercrud_signals log record (the log
receiver's entries and the dispatcher's failure reports), not the metrics (files or scrape),
in any of the three processes (launching, worker, monitor)."""

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
def metrics_dir(cluster_dir: Path) -> Path:
    path = cluster_dir / "sinks-metrics"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def sink_cluster(
    django_db_setup: None,
    django_db_blocker: Any,
    cluster_dir: Path,
    event_log: EventLog,
    log_sink: Path,
    metrics_dir: Path,
) -> Iterator[Q2Cluster]:
    env = {
        **event_log_env(event_log.path),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
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
    """The same sinks and receivers in this (the launching) process; structlog as a project
    that never configured it has it (another test may have), so entries go to stdlib logging
    as in the cluster processes."""
    import structlog

    from powercrud_signals.receivers.logging import log_transition
    from powercrud_signals.receivers.metrics import record_transition

    structlog.reset_defaults()

    logger = logging.getLogger("powercrud_signals")
    handler = JsonLinesHandler(str(log_sink))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    receivers = {
        "test-secrets-log": log_transition,
        "test-secrets-metrics": record_transition,
        "test-secrets-raise": raise_on_every_event,
    }
    for uid, receiver in receivers.items():
        task_lifecycle.connect(receiver, dispatch_uid=uid, weak=False)
    try:
        yield
    finally:
        for uid in receivers:
            task_lifecycle.disconnect(dispatch_uid=uid)
        logger.removeHandler(handler)
        logger.setLevel(previous)
        structlog.reset_defaults()


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


def metrics_text(metrics_dir: Path) -> str:
    """What a scrape returns: the cluster processes' merged files, and this process's registry."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    return (generate_latest(registry) + generate_latest(REGISTRY)).decode("utf-8")


def raw_files(directory: Path) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in directory.iterdir())


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_planted_secrets_reach_no_sink(
    sink_cluster: Q2Cluster,
    event_log: EventLog,
    log_sink: Path,
    metrics_dir: Path,
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
    failures = [r for r in ours if r["logger"] == "powercrud_signals.dispatch"]
    assert {r["extra"]["receiver"] for r in failures} == {"tests.log_sink.raise_on_every_event"}
    assert task.success is (not fail)
    entries = [
        r for r in records if r["logger"] == "powercrud_signals.tasks" and name in r["message"]
    ]
    assert len({r["pid"] for r in entries}) == 3  # the log receiver wrote in every process
    scrape = metrics_text(metrics_dir)
    outcome = "fail" if fail else "complete"
    assert f'powercrud_signals_transitions_total{{kind="{outcome}"' in scrape

    assert leaks(event_log.path.read_text(encoding="utf-8")) == []
    assert leaks(log_sink.read_text(encoding="utf-8")) == []
    assert leaks(scrape) == [] and leaks(raw_files(metrics_dir)) == []
    rows = serializers.serialize("json", TaskRecord.objects.all())
    assert leaks(rows) == []

    create = next(e for e in events if e["kind"] == "create")
    assert create["task_kwargs"]["password"] == "********"
    assert create["task_kwargs"]["api_token"] == "********"
    assert create["task_kwargs"]["headers"]["Authorization"] == "********"
    assert create["task_kwargs"]["headers"]["Accept"] == "application/json"
