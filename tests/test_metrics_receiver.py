"""The metrics receiver: bounded labels, the scrape view, multiprocess mode with a real cluster."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.signals import task_lifecycle
from powercrud_signals.testing import connected_receivers
from tests.cluster import REPO_ROOT, EventLog, Q2Cluster, event_log_env

METRICS_RECEIVER = "powercrud_signals.receivers.metrics.record_transition"
MANAGER = "powercrud_signals.manager.SignalAsyncManager"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def sample(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# ------------------------------------------------------------------ one process


@pytest.mark.django_db(transaction=True)
def test_sync_task_counts_transitions_durations_and_in_flight() -> None:
    counted = {
        kind: value(
            "powercrud_signals_transitions_total", kind=kind, status=status, manager=MANAGER
        )
        for kind, status in [
            ("started", "in_progress"),
            ("progress", "in_progress"),
            ("complete", "success"),
            ("cleanup", "none"),
            ("create", "pending"),
        ]
    }
    runs = value("powercrud_signals_task_run_seconds_count", manager=MANAGER)
    waits = value("powercrud_signals_task_queue_wait_seconds_count", manager=MANAGER)
    totals = value(
        "powercrud_signals_task_duration_seconds_count", manager=MANAGER, status="success"
    )

    with connected_receivers(METRICS_RECEIVER):
        SignalAsyncManager().launch_async_task("tests.testapp.tasks.count_to", 4, sync=True)

    def delta(kind: str, status: str) -> float:
        return (
            value("powercrud_signals_transitions_total", kind=kind, status=status, manager=MANAGER)
            - counted[kind]
        )

    assert delta("started", "in_progress") == 1
    assert delta("progress", "in_progress") == 4
    assert delta("complete", "success") == 1
    assert delta("cleanup", "none") == 1
    assert delta("create", "pending") == 1
    assert value("powercrud_signals_task_run_seconds_count", manager=MANAGER) == runs + 1
    assert value("powercrud_signals_task_queue_wait_seconds_count", manager=MANAGER) == waits + 1
    assert (
        value("powercrud_signals_task_duration_seconds_count", manager=MANAGER, status="success")
        == totals + 1
    )
    assert value("powercrud_signals_tasks_in_flight", manager=MANAGER) == 0


@pytest.mark.django_db
def test_labels_never_hold_task_names_users_or_payloads() -> None:
    manager = SignalAsyncManager()
    with connected_receivers(METRICS_RECEIVER):
        manager.emit_lifecycle_signal(
            "create",
            "b7c3a1f0-task-name",
            {
                "status": "pending",
                "user": "alice@example.com",
                "task_kwargs": {"rows": "row-value-xyz"},
            },
        )
        manager.emit_lifecycle_signal(
            "fail", "b7c3a1f0-task-name", {"status": "failed", "message": "boom"}
        )
    label_values = {
        value_
        for metric in REGISTRY.collect()
        if metric.name.startswith("powercrud_signals")
        for s in metric.samples
        for value_ in s.labels.values()
    }
    assert MANAGER in label_values
    assert not any(
        "b7c3a1f0" in v or "alice" in v or "row-value" in v or "boom" in v for v in label_values
    )


def test_receiver_errors_are_counted_by_receiver_and_kind() -> None:
    def broken(sender: type, event: object, **kwargs: Any) -> None:
        raise ValueError("broken receiver")

    name = f"{__name__}.test_receiver_errors_are_counted_by_receiver_and_kind.<locals>.broken"
    before = value("powercrud_signals_receiver_errors_total", receiver=name, kind="progress")
    task_lifecycle.connect(broken, dispatch_uid="test-broken")
    try:
        with connected_receivers(METRICS_RECEIVER):
            SignalAsyncManager().emit_lifecycle_signal(
                "progress", "t-err", {"status": "in_progress"}
            )
    finally:
        task_lifecycle.disconnect(dispatch_uid="test-broken")
    assert (
        value("powercrud_signals_receiver_errors_total", receiver=name, kind="progress")
        == before + 1
    )


def test_started_twice_in_one_process_counts_one_task_in_flight() -> None:
    from powercrud_signals.receivers.metrics import MetricsReceiver

    receiver = MetricsReceiver()
    manager = SignalAsyncManager()
    before = value("powercrud_signals_tasks_in_flight", manager=MANAGER)
    for _ in range(2):
        event = manager.build_lifecycle_event("started", "t-twice", {"status": "in_progress"})
        receiver(SignalAsyncManager, event)
    assert value("powercrud_signals_tasks_in_flight", manager=MANAGER) == before + 1
    receiver.finish_run("django_q", task={"name": "t-twice"})
    receiver.finish_run("django_q", task={"name": "t-twice"})  # a second finish changes nothing
    assert value("powercrud_signals_tasks_in_flight", manager=MANAGER) == before


def test_view_serves_this_process_registry_without_multiprocess_dir(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with connected_receivers(METRICS_RECEIVER):
        SignalAsyncManager().emit_lifecycle_signal("cleanup", "t-view", {})
    samples = scrape(client)
    assert (
        sample(
            samples,
            "powercrud_signals_transitions_total",
            kind="cleanup",
            status="none",
            manager=MANAGER,
        )
        >= 1
    )


def test_view_says_what_to_install_without_prometheus_client(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    response = client.get("/metrics/")
    assert response.status_code == 501
    assert b"powercrud-signals[metrics]" in response.content


def test_missing_prometheus_client_is_a_check_error_not_a_crash(tmp_path: Path) -> None:
    # prometheus_client cannot be uninstalled for one test: a fresh interpreter that cannot
    # import it stands in for an installation without the extra.
    script = textwrap.dedent(
        """
        import json, sys
        sys.modules["prometheus_client"] = None
        import django
        django.setup()  # connects RECEIVERS, the metrics receiver among them
        from django.core.checks import run_checks
        from powercrud_signals.manager import SignalAsyncManager
        from powercrud_signals.testing import capture_events, connected_receivers
        with capture_events() as events:
            SignalAsyncManager().emit_lifecycle_signal("cleanup", "t-1", {})
        print(json.dumps({
            "errors": [[e.id, e.msg] for e in run_checks() if e.is_serious()],
            "events": events.kinds(),
        }))
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_metrics",
        "PYTHONPATH": str(REPO_ROOT),
        "POWERCRUD_SIGNALS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("POWERCRUD_SIGNALS_EVENT_LOG", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["events"] == ["cleanup"]  # everything else keeps working
    (error,) = report["errors"]
    assert error[0] == "powercrud_signals.E004"
    assert METRICS_RECEIVER in error[1]
    assert "prometheus_client" in error[1] and "powercrud-signals[metrics]" in error[1]


# ---------------------------------------------------------- real cluster, many processes


@pytest.fixture(scope="module")
def multiproc_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prometheus")


@pytest.fixture(scope="module")
def metrics_cluster(
    django_db_setup: None,
    django_db_blocker: object,
    tmp_path_factory: pytest.TempPathFactory,
    multiproc_dir: Path,
    event_log: EventLog,
) -> Iterator[Q2Cluster]:
    """A qcluster whose workers and monitor record metrics into ``multiproc_dir``."""
    env = {
        **event_log_env(event_log.path),
        "DJANGO_SETTINGS_MODULE": "tests.settings_metrics",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
    }
    cluster = Q2Cluster(tmp_path_factory.mktemp("metrics-cluster"), env=env, name="metrics").start()
    try:
        yield cluster
    finally:
        cluster.stop()


def launch_from_web_process(multiproc_dir: Path, *calls: tuple[str, list[Any]]) -> list[str]:
    """Launch tasks from a separate process with the multiprocess dir, as a web worker would."""
    script = textwrap.dedent(
        f"""
        import json
        import django
        django.setup()
        from powercrud_signals.manager import SignalAsyncManager
        manager = SignalAsyncManager()
        names = [manager.launch_async_task(func, *args) for func, args in {calls!r}]
        print(json.dumps(names))
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_metrics",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def wait_cleanup(event_log: EventLog, task_name: str) -> None:
    event_log.wait_for(
        lambda evs: {"cleanup", "create"} <= {e["kind"] for e in evs}, task_name, timeout=90
    )


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_scrape_merges_web_worker_and_monitor_counts(
    metrics_cluster: Q2Cluster,
    multiproc_dir: Path,
    event_log: EventLog,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiproc_dir))
    before = scrape(client)
    names = launch_from_web_process(
        multiproc_dir,
        ("tests.testapp.tasks.count_to", [3]),
        ("tests.testapp.tasks.count_to", [2]),
        ("tests.testapp.tasks.explode", []),
    )
    for name in names:
        wait_cleanup(event_log, name)
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    transitions = "powercrud_signals_transitions_total"
    assert grew(transitions, kind="create", status="pending", manager=MANAGER) == 3  # web
    assert grew(transitions, kind="started", status="in_progress", manager=MANAGER) == 3  # workers
    assert grew(transitions, kind="progress", status="in_progress", manager=MANAGER) == 5
    assert grew(transitions, kind="complete", status="success", manager=MANAGER) == 2  # monitor
    assert grew(transitions, kind="fail", status="failed", manager=MANAGER) == 1
    assert grew(transitions, kind="cleanup", status="none", manager=MANAGER) == 3
    assert grew("powercrud_signals_task_queue_wait_seconds_count", manager=MANAGER) == 3
    assert grew("powercrud_signals_task_run_seconds_count", manager=MANAGER) == 3
    assert (
        grew("powercrud_signals_task_duration_seconds_count", manager=MANAGER, status="success")
        == 2
    )
    assert (
        grew("powercrud_signals_task_duration_seconds_count", manager=MANAGER, status="failed") == 1
    )
    assert (
        grew(
            "powercrud_signals_receiver_errors_total",
            receiver="tests.receivers.raise_on_failure",
            kind="fail",
        )
        == 1
    )
    assert sample(after, "powercrud_signals_tasks_in_flight", manager=MANAGER) == 0
    # The samples came from several processes: the web process, at least one worker, the monitor.
    assert len({p.name for p in multiproc_dir.iterdir() if p.name.startswith("counter_")}) >= 3


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_in_flight_gauge_follows_a_running_task_across_processes(
    metrics_cluster: Q2Cluster,
    multiproc_dir: Path,
    event_log: EventLog,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiproc_dir))
    release = tmp_path / "release"
    (name,) = launch_from_web_process(
        multiproc_dir, ("tests.testapp.tasks.wait_for_file", [str(release)])
    )
    event_log.wait_for_kind(name, "started", timeout=60)

    assert sample(scrape(client), "powercrud_signals_tasks_in_flight", manager=MANAGER) == 1

    release.touch()
    wait_cleanup(event_log, name)
    samples = scrape(client)
    assert sample(samples, "powercrud_signals_tasks_in_flight", manager=MANAGER) == 0
    assert sample(samples, "powercrud_signals_task_run_seconds_count", manager=MANAGER) >= 1


def test_worker_finish_under_use_tz_false_records_run_time_and_never_raises(
    settings: Any,
) -> None:
    """django-q2 sends post_execute_in_worker with ``send``: whatever finish_run meets, it
    must not raise into the worker.  With USE_TZ = False both the started event's timestamp
    and the task's ``stopped`` are naive."""
    from django.utils import timezone

    from powercrud_signals.receivers.metrics import MetricsReceiver

    settings.USE_TZ = False
    receiver = MetricsReceiver()
    manager = SignalAsyncManager()
    runs = value("powercrud_signals_task_run_seconds_count", manager=MANAGER)
    built = manager.build_lifecycle_event("started", "t-naive", {"status": "in_progress"})
    assert built is not None
    # A bespoke emitter may still hand receivers a naive timestamp.
    event = dataclasses.replace(built, timestamp=timezone.now())
    assert timezone.is_naive(event.timestamp)
    receiver(SignalAsyncManager, event)
    receiver.finish_run("django_q", task={"name": "t-naive", "stopped": timezone.now()})
    assert value("powercrud_signals_task_run_seconds_count", manager=MANAGER) == runs + 1


def test_worker_finish_swallows_its_own_errors() -> None:
    from powercrud_signals.receivers.metrics import MetricsReceiver

    class Exploding(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            if key == "stopped":
                raise RuntimeError("broken task package")
            return super().get(key, default)

    receiver = MetricsReceiver()
    manager = SignalAsyncManager()
    event = manager.build_lifecycle_event("started", "t-explode", {"status": "in_progress"})
    assert event is not None
    receiver(SignalAsyncManager, event)
    before = value("powercrud_signals_tasks_in_flight", manager=MANAGER)
    receiver.finish_run("django_q", task=Exploding(name="t-explode"))  # must not raise
    assert value("powercrud_signals_tasks_in_flight", manager=MANAGER) == before - 1
