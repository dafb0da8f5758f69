"""A task function reporting progress, and how to launch it (docs/quickstart.md)."""

# --8<-- [start:task]
from powercrud_signals.manager import SignalAsyncManager, task_manager
from yourproject.rows import import_row


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
