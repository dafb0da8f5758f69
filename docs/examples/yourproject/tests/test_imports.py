"""A downstream project's own test, as docs/quickstart.md shows it; pytest collects it."""

import pytest

# --8<-- [start:test]
from powercrud_signals.testing import capture_events, persistence_off
from yourproject.tasks import start_import


@pytest.mark.django_db
def test_import_reports_progress_and_succeeds():
    rows = [{"sku": "A-1"}, {"sku": "B-2"}]
    with persistence_off(), capture_events() as events:
        # launch_async_task ignores Q_CLUSTER["sync"]: ask for a synchronous run here.
        task_name = start_import(rows, sync=True)

    assert [e.progress for e in events.of_kind("progress")] == ["imported 1/2", "imported 2/2"]
    assert events.of_kind("complete")[0].result == {"imported": 2}
    # In a synchronous run the task finishes before launch_async_task sends "create".
    events.assert_kinds(
        ["started", "progress", "progress", "complete", "cleanup", "create"], task_name
    )
    assert events.of_kind("create")[0].affected_label == "2 rows"


# --8<-- [end:test]
