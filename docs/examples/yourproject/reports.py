"""A task that reports progress, for the testing examples (docs/testing.md)."""

from typing import Any

from powercrud_signals.manager import SignalAsyncManager, task_manager


def build_report(rows: list[str], task_key: str | None = None, **kwargs: Any) -> dict[str, int]:
    manager = task_manager()
    for index, _row in enumerate(rows, 1):
        manager.update_progress(task_key, f"rendered {index}/{len(rows)}")
    return {"rows": len(rows)}


def start_report(rows: list[str], **options: Any) -> str:
    return SignalAsyncManager().launch_async_task(
        "yourproject.reports.build_report", rows, **options
    )
