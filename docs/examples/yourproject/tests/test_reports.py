"""A downstream project's tests using the pytest plugin (docs/testing.md); pytest collects it."""

import pytest

# --8<-- [start:plugin]
from yourproject.reports import start_report


@pytest.mark.django_db
@pytest.mark.persistence_off  # no dashboard rows for this test; other receivers still fire
def test_report_progress_is_sent_in_order(lifecycle_events):
    task_name = start_report(["a", "b"], sync=True)  # run in this process

    lifecycle_events.assert_kinds(
        ["started", "progress", "progress", "complete", "cleanup", "create"], task_name
    )
    assert lifecycle_events.of_kind("complete")[0].result == {"rows": 2}


@pytest.mark.django_db
def test_report_without_dashboard_rows(no_persistence, lifecycle_events):
    task_name = start_report(["a"], sync=True)
    assert lifecycle_events.kinds(task_name)[-1] == "create"


# --8<-- [end:plugin]
