"""The examples of docs/persistence.md do what the page says."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from yourproject.tasks import start_import

from powercrud_signals.conf import DEFAULTS
from powercrud_signals.signals import task_lifecycle
from tests.testapp.models import AsyncTaskRecord, TaskNameOnly

pytestmark = pytest.mark.django_db


def _our_checks() -> list[str]:
    return [m.id for m in run_checks() if m.id and m.id.startswith("powercrud_signals.")]


def test_documented_settings_are_the_defaults() -> None:
    example = importlib.import_module("yourproject.persistence_settings")
    assert example.POWERCRUD_SIGNALS["PERSISTENCE"] == DEFAULTS["PERSISTENCE"]
    with override_settings(POWERCRUD_SIGNALS=example.POWERCRUD_SIGNALS):
        assert _our_checks() == []


def test_own_model_with_skipped_fields() -> None:
    example = importlib.import_module("yourproject.persistence_own_model")
    with override_settings(POWERCRUD_SIGNALS=example.POWERCRUD_SIGNALS):
        assert _our_checks() == []
        task_name = start_import([{"sku": "A"}, {"sku": "B"}], sync=True, api_token="t0k-secret")
    row = AsyncTaskRecord.objects.get(task_name=task_name)
    assert row.status == "success"
    assert row.progress_payload == "imported 2/2"
    assert row.affected_objects == "2 rows"
    assert row.task_args is None and row.task_kwargs is None  # skipped by the map


@pytest.fixture
def archive() -> Iterator[object]:
    example = importlib.import_module("yourproject.persistence_connect")
    try:
        yield example
    finally:
        example.stop_archive()


def test_second_receiver_connects_once_and_stops(archive: object) -> None:
    archive.start_archive()  # type: ignore[attr-defined]
    archive.start_archive()  # type: ignore[attr-defined]
    assert _connections("archive-dashboard") == 1
    task_name = start_import([1], sync=True)
    assert TaskNameOnly.objects.filter(task_name=task_name).count() == 1

    archive.stop_archive()  # type: ignore[attr-defined]
    later = start_import([1], sync=True)
    assert not TaskNameOnly.objects.filter(task_name=later).exists()
    assert _connections("archive-dashboard") == 0


def _connections(uid: str) -> int:
    return sum(1 for entry in task_lifecycle.receivers if entry[0][0] == uid)


def test_dashboard_alias_mirrors_the_default_database() -> None:
    example = importlib.import_module("yourproject.persistence_database")
    dashboard = example.DATABASES["dashboard"]
    default = example.DATABASES["default"]
    assert {k: v for k, v in dashboard.items() if k != "TEST"} == default
    assert dashboard["TEST"] == {"MIRROR": "default"}
    assert example.POWERCRUD_SIGNALS["PERSISTENCE"]["DATABASE"] == "dashboard"
    # The example copies the production settings rather than changing them.
    assert "dashboard" not in importlib.import_module("yourproject.settings_production").DATABASES
