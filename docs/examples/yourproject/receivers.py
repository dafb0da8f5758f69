"""A receiver of the project's own (docs/quickstart.md); apps.py connects it."""

from yourproject.alerts import send_alert


# --8<-- [start:alert]
def alert_on_failure(sender, event, **kwargs):
    # event.message is already redacted and bounded: safe to send anywhere.
    send_alert(f"Task {event.task_name} failed (attempt {event.attempt}): {event.message}")


# --8<-- [end:alert]
