"""The same task reporting progress through PowerCRUD's base manager (docs/troubleshooting.md)."""

# --8<-- [start:unseen]
from powercrud.async_manager import AsyncManager

from yourproject.rows import import_row


def import_rows(rows, task_key=None, **kwargs):
    manager = AsyncManager()  # PowerCRUD's base manager: no receiver sees this progress
    for index, row in enumerate(rows, start=1):
        import_row(row)
        manager.update_progress(task_key, f"imported {index}/{len(rows)}")
    return {"imported": len(rows)}


# --8<-- [end:unseen]
