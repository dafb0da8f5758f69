"""Template helpers for the dashboard: durations and readable JSON.

Every helper returns plain text; templates escape it like any other value.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON text for a stored payload (already JSON-safe and redacted)."""
    if value is None:
        return ""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def format_duration(delta: timedelta) -> str:
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def task_duration(task: Any) -> str:
    """How long the task ran: from start (or queueing) to its end, or until now if running."""
    begin: datetime | None = task.started_at or task.created_at
    if begin is None:
        return ""
    end: datetime | None = task.completed_at or task.failed_at
    if end is None:
        if task.status in ("success", "failed"):
            return ""
        end = timezone.now()
    return format_duration(end - begin)


@register.filter
def progress_percent(task: Any) -> int | None:
    """Whole percentage for the progress bar: from current/total, 100 once succeeded."""
    percent: int | None = task.percent
    if percent is None and task.status == "success":
        return 100
    return percent
