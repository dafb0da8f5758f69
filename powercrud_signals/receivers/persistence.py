"""The persistence receiver family: connect the dashboard writer to the lifecycle signals.

``AppConfig.ready()`` calls ``connect_default()``, which connects the receiver configured by
``POWERCRUD_SIGNALS["PERSISTENCE"]`` when ``ENABLED`` is true.  ``connect()`` and
``disconnect()`` are idempotent (dispatch uids) and also wire the flush points: django-q2's
``post_execute_in_worker`` (the worker finished a task), Django's ``request_finished`` and
settings changes.  The implementation lives in ``powercrud_signals.persistence``.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished, setting_changed

from powercrud_signals.persistence.receiver import (
    PersistenceReceiver,
    _receivers,
    flush_all,
    live_receivers,
)
from powercrud_signals.signals import task_lifecycle

__all__ = [
    "DISPATCH_UID",
    "PersistenceReceiver",
    "connect",
    "connect_default",
    "default_receiver",
    "disconnect",
    "flush_all",
]

DISPATCH_UID = "powercrud_signals.persistence"
_FLUSH_UID = "powercrud_signals.persistence.flush"

_default: PersistenceReceiver | None = None


def default_receiver() -> PersistenceReceiver:
    """The process's settings-configured receiver (built on first use)."""
    global _default
    if _default is None:
        _default = PersistenceReceiver()
    return _default


def connect(
    receiver: PersistenceReceiver | None = None, dispatch_uid: str = DISPATCH_UID
) -> PersistenceReceiver:
    """Connect ``receiver`` (default: the settings-configured one) to ``task_lifecycle``.

    Connecting again under the same ``dispatch_uid`` replaces nothing and adds nothing.
    """
    receiver = receiver or default_receiver()
    task_lifecycle.connect(receiver, weak=False, dispatch_uid=dispatch_uid)
    _receivers.setdefault(dispatch_uid, receiver)
    _connect_flush_points()
    return receiver


def disconnect(dispatch_uid: str = DISPATCH_UID) -> None:
    """Disconnect the receiver connected under ``dispatch_uid``, writing what it still holds."""
    task_lifecycle.disconnect(dispatch_uid=dispatch_uid)
    receiver = _receivers.pop(dispatch_uid, None)
    if receiver is not None:
        receiver.flush()


def connect_default() -> None:
    """Connect the settings-configured receiver if ``PERSISTENCE["ENABLED"]`` (app start-up)."""
    from powercrud_signals.conf import app_settings

    if app_settings.persistence_enabled:
        connect()


def _connect_flush_points() -> None:
    try:
        from django_q.signals import post_execute_in_worker
    except ImportError:  # django-q2 is a dependency, but flushing must not need it
        pass
    else:
        post_execute_in_worker.connect(flush_all, weak=False, dispatch_uid=_FLUSH_UID)
    request_finished.connect(flush_all, weak=False, dispatch_uid=_FLUSH_UID)
    setting_changed.connect(_settings_changed, weak=False, dispatch_uid=_FLUSH_UID)


def _settings_changed(setting: str | None = None, **kwargs: Any) -> None:
    if setting in (None, "POWERCRUD_SIGNALS", "DATABASES", "DATABASE_ROUTERS"):
        for receiver in live_receivers():
            receiver.reset()
