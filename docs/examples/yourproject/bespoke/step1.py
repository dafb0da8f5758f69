"""Step 1: the mixin added; the override is untouched and keeps running."""

# --8<-- [start:manager]
import logging

from powercrud.async_manager import AsyncManager

from powercrud_signals.manager import SignalEmitterMixin
from yourproject.alerts import send_alert

audit = logging.getLogger("yourproject.audit")


class AuditedAsyncManager(SignalEmitterMixin, AsyncManager):
    def async_task_lifecycle(self, event, task_name, **payload):
        audit.info("task=%s event=%s status=%s", task_name, event, payload.get("status"))
        if event == "fail":
            send_alert(f"Task {task_name} failed: {payload.get('message')}")


# --8<-- [end:manager]
