"""A task function reporting progress, and how to launch it (docs/quickstart.md,
docs/troubleshooting.md)."""

from powercrud.async_manager import AsyncManager


def import_row(row):
    """The real work on one row (nothing, in this example)."""

# --8<-- [start:task]
from powercrud_signals.manager import SignalAsyncManager, task_manager


def import_rows(rows, task_key=None, **kwargs):
    manager = task_manager()  # the manager that launched this task, rebuilt in the worker
    for index, row in enumerate(rows, start=1):
        import_row(row)
        manager.update_progress(task_key, f"imported {index}/{len(rows)}")
    return {"imported": len(rows)}
# --8<-- [end:task]


# --8<-- [start:launch]
def start_import(rows, user=None, **options):
    return SignalAsyncManager().launch_async_task(
        "yourproject.tasks.import_rows",
        rows,
        user=user,
        affected_objects=f"{len(rows)} rows",
        **options,
    )
# --8<-- [end:launch]


# --8<-- [start:unseen]
def import_rows_unseen(rows, task_key=None, **kwargs):
    manager = AsyncManager()  # PowerCRUD's base manager: no receiver sees this progress
    for index, row in enumerate(rows, start=1):
        import_row(row)
        manager.update_progress(task_key, f"imported {index}/{len(rows)}")
    return {"imported": len(rows)}
# --8<-- [end:unseen]
