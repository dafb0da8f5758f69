"""Connecting ``@receiver`` functions the Django way (docs/quickstart.md)."""

from django.apps import AppConfig


# --8<-- [start:ready]
class YourProjectConfig(AppConfig):
    name = "yourproject"

    def ready(self):
        # Importing the module runs its @receiver decorators.  ready() runs in every
        # process (web, each django-q2 worker, the monitor), so every process listens.
        from yourproject import receivers  # noqa: F401
# --8<-- [end:ready]
