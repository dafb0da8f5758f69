"""System check for the persistence settings (id powercrud_signals.E020)."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error

from powercrud_signals.exceptions import ConfigurationError


def persistence_errors() -> list[CheckMessage]:
    """E020 when persistence is enabled but its model or field map cannot be used."""
    from powercrud_signals.conf import app_settings
    from powercrud_signals.persistence.receiver import PersistenceReceiver

    if not app_settings.persistence_enabled:
        return []
    try:
        PersistenceReceiver()._resolve_target()
    except ConfigurationError as exc:
        return [
            Error(
                f"POWERCRUD_SIGNALS['PERSISTENCE'] cannot be used: {exc}.",
                hint="Fix MODEL / FIELD_MAP, or set ENABLED to False; until then no task "
                "is written to the dashboard.",
                id="powercrud_signals.E020",
            )
        ]
    return []
