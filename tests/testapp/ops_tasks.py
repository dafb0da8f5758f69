"""Task functions for the fault and scale tests (slow, retried, reporting progress)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from powercrud_signals.manager import task_manager


def sleep_with_progress(
    seconds: float, steps: int = 4, task_key: str | None = None, **kwargs: Any
) -> str:
    manager = task_manager()
    for index in range(1, steps + 1):
        manager.update_progress(task_key, f"sleeping {index}/{steps}")
        time.sleep(seconds / steps)
    return f"slept {seconds}"


def fail_first_attempt(marker: str, task_key: str | None = None, **kwargs: Any) -> str:
    """Raise on the first run, succeed on the retry (the marker file remembers)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("attempted", encoding="utf-8")
        raise RuntimeError("first attempt fails")
    return "second attempt succeeded"


def steps_with_progress(steps: int = 3, task_key: str | None = None, **kwargs: Any) -> int:
    manager = task_manager()
    for index in range(1, steps + 1):
        manager.update_progress(task_key, f"step {index}/{steps}")
    return steps


def use_credentials(
    password: str,
    api_token: str,
    headers: dict[str, str],
    fail: bool = False,
    task_key: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A task that handles secrets carelessly: in progress text, its result and its error."""
    manager = task_manager()
    manager.update_progress(task_key, f"logging in with password={password} 1/2")
    manager.update_progress(task_key, f"calling API, Authorization: {headers['Authorization']} 2/2")
    if fail:
        raise PermissionError(
            f"rejected api_token={api_token}; Authorization: {headers['Authorization']}"
        )
    return {"api_token": api_token, "headers": headers, "echo": f"password={password}"}
