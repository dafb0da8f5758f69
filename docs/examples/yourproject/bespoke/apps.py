"""Where the moved receivers are connected (docs/migration.md), as it reads after step 3."""

from django.apps import AppConfig


# --8<-- [start:ready]
class YourProjectConfig(AppConfig):
    name = "yourproject"

    def ready(self):
        from powercrud_signals.signals import task_failed, task_lifecycle
        from yourproject.bespoke.receivers import alert_on_failure, audit_transition

        # step 2: the alert has moved out of the override
        task_failed.connect(alert_on_failure, dispatch_uid="yourproject.task_failure_alert")
        # step 3: so has the audit trail
        task_lifecycle.connect(audit_transition, dispatch_uid="yourproject.task_audit")


# --8<-- [end:ready]
