"""A receiver that keeps each task's latest state whatever order events arrive in
(docs/troubleshooting.md)."""

from django.core.cache import cache

from powercrud_signals.events import Status, supersedes


# --8<-- [start:latest]
def remember_latest_status(sender, event, **kwargs):
    key = f"yourproject:task-status:{event.task_name}"
    stored = cache.get(key)  # {"status": ..., "attempt": ...} or None
    current = Status(stored["status"]) if stored else None
    if supersedes(event.status, event.attempt, current, stored and stored["attempt"]):
        cache.set(key, {"status": event.status.value, "attempt": event.attempt}, 86400)


# --8<-- [end:latest]
