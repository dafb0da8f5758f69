"""The logging receiver: one entry per transition, through structlog or stdlib logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import structlog
from django.core.management import call_command
from structlog.testing import LogCapture, capture_logs

from powercrud_signals.checks import check_settings
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.receivers.logging import LOG_FIELDS, TransitionLogger
from powercrud_signals.testing import connected_receivers

LOG_RECEIVER = "powercrud_signals.receivers.logging.log_transition"
MANAGER = "powercrud_signals.manager.SignalAsyncManager"


@pytest.fixture
def unconfigured_structlog() -> Iterator[None]:
    """structlog as a project that never configured it has it (stdlib logging is used then)."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


def _entries_for(entries: list[dict[str, Any]], task_name: str) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry.get("task_name") == task_name]


@pytest.mark.django_db(transaction=True)
def test_sync_task_logs_each_transition_with_levels_and_durations() -> None:
    with connected_receivers(LOG_RECEIVER), capture_logs() as entries:
        task_name = SignalAsyncManager().launch_async_task(
            "tests.testapp.tasks.count_to", 2, sync=True
        )

    mine = _entries_for(entries, task_name)
    assert [(e["event"], e["log_level"]) for e in mine] == [
        ("task_started", "info"),
        ("task_progressed", "debug"),
        ("task_progressed", "debug"),
        ("task_succeeded", "info"),
        ("task_cleaned_up", "debug"),
        ("task_enqueued", "info"),
    ]
    started, succeeded = mine[0], mine[3]
    assert started["kind"] == "started" and started["status"] == "in_progress"
    assert started["attempt"] == 1 and started["q2_task_id"]
    assert started["manager"] == MANAGER
    assert started["queue_wait_seconds"] >= 0
    # The same process saw the start, so the run time is known as well as the total.
    assert 0 <= succeeded["run_seconds"] <= succeeded["total_seconds"]
    assert succeeded["q2_task_id"] == started["q2_task_id"]
    assert mine[1]["progress"] == "counting: 1/2"
    assert "run_seconds" not in mine[1] and "queue_wait_seconds" not in succeeded


@pytest.mark.django_db
def test_failure_is_logged_at_error_with_its_redacted_message() -> None:
    manager = SignalAsyncManager()
    with connected_receivers(LOG_RECEIVER), capture_logs() as entries:
        manager.emit_lifecycle_signal(
            "fail",
            "task-1",
            {
                "status": "failed",
                "message": "upstream refused api_token=sk-live-123456 for the import",
                "task_kwargs": {"password": "hunter22", "rows": 3},
                "extra": {
                    "queued_at": "2026-01-01T10:00:00+00:00",
                    "finished_at": "2026-01-01T10:00:05+00:00",
                },
            },
        )

    (entry,) = _entries_for(entries, "task-1")
    assert entry["event"] == "task_failed"
    assert entry["log_level"] == "error"
    assert entry["status"] == "failed"
    assert "upstream refused" in entry["message"]
    assert "sk-live-123456" not in json.dumps(entry) and "hunter22" not in json.dumps(entry)
    # Only the total is known in a process that did not see the start (the monitor).
    assert entry["total_seconds"] == 5.0
    assert "run_seconds" not in entry


def test_settings_choose_levels_fields_and_logger(settings: Any) -> None:
    settings.POWERCRUD_SIGNALS = {
        "LOGGING": {
            "LEVELS": {"progress": "WARNING"},
            "FIELDS": ["task_name", "progress"],
            "LOGGER": "myproject.tasks",
        }
    }
    cap = LogCapture()
    structlog.configure(
        processors=[structlog.stdlib.add_logger_name, cap],
        logger_factory=structlog.stdlib.LoggerFactory(),
    )
    try:
        with connected_receivers(LOG_RECEIVER):
            manager = SignalAsyncManager()
            manager.emit_lifecycle_signal(
                "progress", "task-2", {"status": "in_progress", "progress_payload": "3/9"}
            )
            manager.emit_lifecycle_signal("complete", "task-2", {"status": "success"})
    finally:
        structlog.reset_defaults()

    progress, complete = _entries_for(cap.entries, "task-2")
    assert progress == {
        "event": "task_progressed",
        "log_level": "warning",
        "logger": "myproject.tasks",
        "task_name": "task-2",
        "progress": "3/9",
    }
    # LEVELS given in part keep the other defaults.
    assert complete["log_level"] == "info" and set(complete) == {
        "event",
        "log_level",
        "logger",
        "task_name",
    }


def test_plain_stdlib_logging_gets_key_value_records(
    unconfigured_structlog: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="powercrud_signals.tasks")
    with connected_receivers(LOG_RECEIVER):
        manager = SignalAsyncManager()
        manager.emit_lifecycle_signal(
            "progress", "task-3", {"status": "in_progress", "progress_payload": "1/4"}
        )
        manager.emit_lifecycle_signal(
            "fail", "task-3", {"status": "failed", "message": "disk full"}
        )

    records = [r for r in caplog.records if r.name == "powercrud_signals.tasks"]
    assert [r.levelno for r in records] == [logging.DEBUG, logging.ERROR]
    progress, fail = records
    assert progress.getMessage() == (
        f"task_progressed task_name=task-3 kind=progress status=in_progress manager={MANAGER} "
        "progress=1/4"
    )
    assert fail.getMessage().startswith("task_failed task_name=task-3 kind=fail status=failed")
    assert 'message="disk full"' in fail.getMessage()
    assert fail.lifecycle["message"] == "disk full"  # type: ignore[attr-defined]


def test_stdlib_logger_level_filters_progress(
    unconfigured_structlog: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="powercrud_signals.tasks")
    with connected_receivers(LOG_RECEIVER):
        manager = SignalAsyncManager()
        manager.emit_lifecycle_signal(
            "progress", "task-4", {"status": "in_progress", "progress_payload": "1/4"}
        )
        manager.emit_lifecycle_signal("complete", "task-4", {"status": "success"})
    assert [
        r.getMessage().split()[0] for r in caplog.records if r.name == "powercrud_signals.tasks"
    ] == ["task_succeeded"]


def test_json_renderer_writes_one_json_line_per_transition() -> None:
    stream = StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(stream),
    )
    try:
        with connected_receivers(LOG_RECEIVER):
            SignalAsyncManager().emit_lifecycle_signal(
                "create", "task-5", {"status": "pending", "message": "queued"}
            )
    finally:
        structlog.reset_defaults()
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line) == {
        "event": "task_enqueued",
        "level": "info",
        "task_name": "task-5",
        "kind": "create",
        "status": "pending",
        "manager": MANAGER,
        "message": "queued",
    }


def test_start_times_are_forgotten_at_the_end() -> None:
    receiver = TransitionLogger()
    manager = SignalAsyncManager()
    with capture_logs():
        for kind, status in (("started", "in_progress"), ("complete", "success")):
            event = manager.build_lifecycle_event(kind, "task-6", {"status": status})
            assert event is not None
            receiver(SignalAsyncManager, event)
    assert len(receiver.starts) == 0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"LEVELS": {"progres": "DEBUG"}}, "must map event kinds"),
        ({"LEVELS": {"progress": "LOUD"}}, "must map event kinds"),
        ({"FIELDS": ["task_name", "password"]}, "must be a list of field names"),
        ({"LOGGER": ""}, "must be a non-empty logger name"),
        ({"COLOUR": True}, "Unknown key 'COLOUR'"),
        ("verbose", "must be a dict"),
    ],
)
def test_bad_logging_settings_are_system_check_errors(
    settings: Any, value: Any, fragment: str
) -> None:
    settings.POWERCRUD_SIGNALS = {"LOGGING": value}
    messages = [str(error.msg) for error in check_settings()]
    assert any(fragment in message for message in messages), messages


@pytest.mark.django_db
def test_good_logging_settings_pass_the_checks(settings: Any) -> None:
    settings.POWERCRUD_SIGNALS = {
        "LOGGING": {
            "LEVELS": {"progress": "info", "fail": 50},
            "FIELDS": list(LOG_FIELDS),
            "LOGGER": "x",
        },
        "RECEIVERS": [LOG_RECEIVER],
    }
    assert check_settings() == []
    call_command("check")


def test_wrong_logging_settings_fall_back_to_defaults_at_run_time(settings: Any) -> None:
    # The checks report these; a task must still be logged meanwhile.
    settings.POWERCRUD_SIGNALS = {"LOGGING": {"LEVELS": "loud", "FIELDS": "all", "LOGGER": None}}
    cap = LogCapture()
    structlog.configure(
        processors=[structlog.stdlib.add_logger_name, cap],
        logger_factory=structlog.stdlib.LoggerFactory(),
    )
    try:
        with connected_receivers(LOG_RECEIVER):
            SignalAsyncManager().emit_lifecycle_signal("fail", "task-7", {"status": "failed"})
    finally:
        structlog.reset_defaults()
    (entry,) = cap.entries
    assert entry["logger"] == "powercrud_signals.tasks"
    assert entry["log_level"] == "error"
    assert entry["task_name"] == "task-7" and entry["status"] == "failed"


def test_structlog_level_filtering_drops_progress_entries() -> None:
    stream = StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(stream),
    )
    try:
        with connected_receivers(LOG_RECEIVER):
            manager = SignalAsyncManager()
            manager.emit_lifecycle_signal("progress", "task-8", {"progress_payload": "1/2"})
            manager.emit_lifecycle_signal("fail", "task-8", {"status": "failed"})
    finally:
        structlog.reset_defaults()
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["task_failed"]
