"""The side effects of the bespoke manager, moved into receivers one at a time; apps.py
connects each one in the step that moves it."""

import logging

from powercrud_signals.events import EventKind
from yourproject.alerts import send_alert

audit = logging.getLogger("yourproject.audit")


# --8<-- [start:alert]
def alert_on_failure(sender, event, **kwargs):
    send_alert(f"Task {event.task_name} failed: {event.message}")


# --8<-- [end:alert]


# --8<-- [start:audit]
def audit_transition(sender, event, **kwargs):
    if event.kind == EventKind.STARTED:
        return  # the old override never saw "started": keep the audit trail as it was
    audit.info("task=%s event=%s status=%s", event.task_name, event.kind, event.status)


# --8<-- [end:audit]
