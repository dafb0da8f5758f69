"""Connecting the project's receivers the Django way (docs/quickstart.md)."""

from django.apps import AppConfig


# --8<-- [start:ready]
class YourProjectConfig(AppConfig):
    name = "yourproject"

    def ready(self):
        # ready() runs in every process (web, each django-q2 worker, the monitor), so every
        # process listens.  The dispatch_uid makes a second connect harmless.
        from powercrud_signals.signals import task_failed
        from yourproject.receivers import alert_on_failure

        task_failed.connect(alert_on_failure, dispatch_uid="yourproject.alert_on_failure")


# --8<-- [end:ready]
