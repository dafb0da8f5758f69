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


JSON_WIDTH = 88


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _render_json(value: Any, level: int) -> str:
    pad = "  " * level
    inner = pad + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{_compact(str(k))}: {_render_json(v, level + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)) and value:
        if any(isinstance(item, (dict, list, tuple)) for item in value):
            items = [inner + _render_json(item, level + 1) for item in value]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        one_line = _compact(list(value))
        if len(one_line) + len(inner) <= JSON_WIDTH:
            return one_line
        # Long lists of scalars (the ids of a bulk job) wrap like text, not one per line.
        lines: list[str] = []
        for item in value:
            text = _compact(item)
            if lines and len(inner) + len(lines[-1]) + len(text) + 2 <= JSON_WIDTH:
                lines[-1] += ", " + text
            else:
                lines.append(text)
        return "[\n" + ",\n".join(inner + line for line in lines) + "\n" + pad + "]"
    return _compact(value)


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON text for a stored payload (already JSON-safe and redacted).

    Objects and nested lists get a line per item; lists of plain values stay on one line or
    wrap at about 88 characters, so 200 selected ids do not take 200 lines.
    """
    if value is None:
        return ""
    try:
        return _render_json(value, 0)
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
