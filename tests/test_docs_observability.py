"""The examples of docs/receivers.md and docs/testing.md do what those pages say."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from django.test import Client, override_settings
from structlog.testing import capture_logs
from yourproject import settings_observability as example

from powercrud_signals.checks import check_receivers, check_settings
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.receivers import connect_configured, disconnect_configured


@pytest.fixture
def example_receivers(settings: Any) -> Iterator[None]:
    settings.POWERCRUD_SIGNALS = example.POWERCRUD_SIGNALS
    connect_configured(example.POWERCRUD_SIGNALS["RECEIVERS"])
    try:
        yield
    finally:
        disconnect_configured(example.POWERCRUD_SIGNALS["RECEIVERS"])
        structlog.reset_defaults()


def emit(kind: str, task_name: str, **payload: Any) -> None:
    SignalAsyncManager().emit_lifecycle_signal(kind, task_name, payload)


def test_receiver_settings_pass_the_checks(settings: Any) -> None:
    settings.POWERCRUD_SIGNALS = example.POWERCRUD_SIGNALS
    assert check_settings() == [] and check_receivers() == []


def test_levels_given_in_part_keep_the_other_defaults(example_receivers: None) -> None:
    with capture_logs() as entries:
        emit("progress", "doc-1", status="in_progress", progress_payload="1/2")
        emit("fail", "doc-1", status="failed", message="no paper")
    assert [(e["event"], e["log_level"]) for e in entries] == [
        ("task_progressed", "info"),
        ("task_failed", "error"),
    ]


def test_structlog_json_configuration_prints_one_json_object_per_transition(
    example_receivers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    example.configure_structlog()
    emit("progress", "doc-2", status="in_progress", progress_payload="1/2")
    emit("complete", "doc-2", status="success")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["event"], line["level"], line["task_name"]) for line in lines] == [
        ("task_progressed", "info", "doc-2"),
        ("task_succeeded", "info", "doc-2"),
    ]
    assert all("timestamp" in line for line in lines)


def test_stdlib_logging_configuration_writes_key_value_lines(
    example_receivers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.reset_defaults()
    names = ("yourproject.tasks", "powercrud_signals")
    saved = {name: logging.getLogger(name).__dict__.copy() for name in names}
    try:
        logging.config.dictConfig(example.LOGGING)
        emit("fail", "doc-3", status="failed", message="no paper")
    finally:
        for name in names:
            logging.getLogger(name).__dict__.update(saved[name])
    err = capsys.readouterr().err
    assert "ERROR yourproject.tasks task_failed task_name=doc-3 kind=fail status=failed" in err
    assert 'message="no paper"' in err


@override_settings(ROOT_URLCONF="yourproject.urls_metrics")
def test_metrics_urls_serve_the_metrics_and_the_staff_variant_asks_for_login(
    client: Client,
) -> None:
    assert client.get("/metrics/").status_code == 200
    assert client.get("/staff/metrics/").status_code == 302
