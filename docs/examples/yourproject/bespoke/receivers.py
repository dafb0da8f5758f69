"""The side effects of the bespoke manager, moved into receivers one at a time.

In a project this module is imported from ``AppConfig.ready()`` (see apps.py); the test suite
connects each receiver only for the steps that have moved it here.
"""

import logging

from django.dispatch import receiver

from powercrud_signals.events import EventKind
from powercrud_signals.signals import task_failed, task_lifecycle
from yourproject.alerts import send_alert

audit = logging.getLogger("yourproject.audit")


# --8<-- [start:alert]
@receiver(task_failed, dispatch_uid="yourproject.alert_on_failure")
def alert_on_failure(sender, event, **kwargs):
    send_alert(f"Task {event.task_name} failed: {event.message}")
# --8<-- [end:alert]


# --8<-- [start:audit]
@receiver(task_lifecycle, dispatch_uid="yourproject.audit_transition")
def audit_transition(sender, event, **kwargs):
    if event.kind == EventKind.STARTED:
        return  # the old override never saw "started": keep the audit trail as it was
    audit.info("task=%s event=%s status=%s", event.task_name, event.kind, event.status)
# --8<-- [end:audit]
