"""Step 0: the bespoke manager a project has today."""

# --8<-- [start:manager]
import logging

from powercrud.async_manager import AsyncManager

from yourproject.alerts import send_alert

audit = logging.getLogger("yourproject.audit")


class AuditedAsyncManager(AsyncManager):
    def async_task_lifecycle(self, event, task_name, **payload):
        audit.info("task=%s event=%s status=%s", task_name, event, payload.get("status"))
        if event == "fail":
            send_alert(f"Task {task_name} failed: {payload.get('message')}")


# --8<-- [end:manager]
