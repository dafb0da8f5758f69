"""Step 2: the failure alert moved into a receiver (bespoke/receivers.py)."""

# --8<-- [start:manager]
import logging

from powercrud.async_manager import AsyncManager

from powercrud_signals.manager import SignalEmitterMixin

audit = logging.getLogger("yourproject.audit")


class AuditedAsyncManager(SignalEmitterMixin, AsyncManager):
    def async_task_lifecycle(self, event, task_name, **payload):
        audit.info("task=%s event=%s status=%s", task_name, event, payload.get("status"))


# --8<-- [end:manager]
