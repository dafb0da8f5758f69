"""Task functions the cluster tests run in real django-q2 workers."""

from __future__ import annotations

from typing import Any

from powercrud_signals.manager import task_manager


def add(a: int, b: int, task_key: str | None = None, **kwargs: Any) -> int:
    return a + b


def count_to(total: int, task_key: str | None = None, **kwargs: Any) -> str:
    manager = task_manager()
    for index in range(1, total + 1):
        manager.update_progress(task_key, f"counting: {index}/{total}")
    return f"counted {total}"


def explode(task_key: str | None = None, **kwargs: Any) -> None:
    raise RuntimeError("explode was asked to fail")


def wait_for_file(
    path: str, timeout: float = 30.0, task_key: str | None = None, **kwargs: Any
) -> bool:
    """Run until ``path`` exists, so a test can look at a task while it is running."""
    import os
    import time

    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
