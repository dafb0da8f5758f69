"""A receiver attached with ``@receiver`` (docs/quickstart.md)."""

from django.dispatch import receiver

from powercrud_signals.signals import task_failed
from yourproject.alerts import send_alert


# --8<-- [start:alert]
@receiver(task_failed, dispatch_uid="yourproject.receivers.alert_on_failure")
def alert_on_failure(sender, event, **kwargs):
    # event.message is already redacted and bounded: safe to send anywhere.
    send_alert(f"Task {event.task_name} failed (attempt {event.attempt}): {event.message}")
# --8<-- [end:alert]
