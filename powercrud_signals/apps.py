from __future__ import annotations

from django.apps import AppConfig


class PowercrudSignalsConfig(AppConfig):
    name = "powercrud_signals"
    verbose_name = "PowerCRUD signals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from powercrud_signals import checks, q2  # noqa: F401  (checks register on import)
        from powercrud_signals.conf import app_settings
        from powercrud_signals.receivers import connect_configured
        from powercrud_signals.receivers.persistence import connect_default

        q2.connect()
        connect_configured(app_settings.receivers)
        connect_default()
