"""Typed, lazy access to the ``POWERCRUD_SIGNALS`` setting.

Nothing is read at import time.  Values derived from settings (the payload policy, imported
formatters) are cached and dropped on Django's ``setting_changed`` so ``override_settings``
works in tests.  Validation with helpful messages lives in ``checks.py``; here a wrong value
falls back to the default, because run-time code must keep working while the system checks
tell the developer what to fix.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.payloads import DEFAULT_REDACT_KEYS, PayloadPolicy

logger = logging.getLogger("powercrud_signals")

SETTING_NAME = "POWERCRUD_SIGNALS"

DEFAULT_PROGRESS_INTERVAL = 1.0

DEFAULTS: dict[str, Any] = {
    "PERSISTENCE": {
        "ENABLED": True,
        "MODEL": "powercrud_signals.TaskRecord",
        "FIELD_MAP": {},
        "DATABASE": None,
        "PROGRESS_INTERVAL": DEFAULT_PROGRESS_INTERVAL,
        "CREATE_DEFAULTS": {},
    },
    "RECEIVERS": [],
    "REDACT_KEYS": list(DEFAULT_REDACT_KEYS),
    "MAX_VALUE_CHARS": 2000,
    "FORMATTERS": {"user": None, "affected": None, "payload": None},
    "RAISE_RECEIVER_ERRORS": False,
}

# Keys whose value is itself a dict of known sub-keys, merged over the defaults.
NESTED_KEYS: tuple[str, ...] = ("PERSISTENCE", "FORMATTERS")

# The logging receiver (powercrud_signals.receivers.logging); docs/receivers.md.
DEFAULT_LOG_LEVELS: dict[str, str] = {
    "create": "INFO",
    "started": "INFO",
    "progress": "DEBUG",
    "complete": "INFO",
    "fail": "ERROR",
    "cleanup": "DEBUG",
}
DEFAULT_LOG_FIELDS: tuple[str, ...] = (
    "task_name",
    "kind",
    "status",
    "q2_task_id",
    "attempt",
    "manager",
    "user_label",
    "affected_label",
    "message",
    "progress",
    "queue_wait_seconds",
    "run_seconds",
    "total_seconds",
)
DEFAULTS["LOGGING"] = {
    "LEVELS": dict(DEFAULT_LOG_LEVELS),
    "FIELDS": list(DEFAULT_LOG_FIELDS),
    "LOGGER": "powercrud_signals.tasks",
}
NESTED_KEYS += ("LOGGING",)

Formatter = Callable[[Any], Any]


class Settings:
    """One property per setting; see docs/settings.md for each key's meaning."""

    @property
    def raw(self) -> Mapping[str, Any]:
        value = getattr(settings, SETTING_NAME, None)
        return value if isinstance(value, Mapping) else {}

    def _get(self, key: str) -> Any:
        raw = self.raw
        default = DEFAULTS[key]
        if key in NESTED_KEYS:
            merged = copy.deepcopy(default)
            given = raw.get(key)
            if isinstance(given, Mapping):
                merged.update(given)
            return merged
        return raw.get(key, copy.deepcopy(default))

    @property
    def persistence(self) -> dict[str, Any]:
        return self._get("PERSISTENCE")  # type: ignore[no-any-return]

    @property
    def persistence_enabled(self) -> bool:
        # Asked on every event by the persistence receiver: cached until settings change.
        return _cache.persistence_enabled

    @property
    def progress_interval(self) -> float:
        value = self.persistence.get("PROGRESS_INTERVAL", DEFAULT_PROGRESS_INTERVAL)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        return DEFAULT_PROGRESS_INTERVAL

    @property
    def receivers(self) -> list[Any]:
        value = self._get("RECEIVERS")
        return list(value) if isinstance(value, (list, tuple)) else []

    @property
    def raise_receiver_errors(self) -> bool:
        return bool(self._get("RAISE_RECEIVER_ERRORS"))

    @property
    def payload_policy(self) -> PayloadPolicy:
        return _cache.payload_policy

    @property
    def logging(self) -> dict[str, Any]:
        """The logging receiver's settings; a partial ``LEVELS`` is merged over the defaults.

        Cached until a setting changes (read on every event): do not modify it.
        """
        return _cache.logging

    def formatter(self, name: str) -> Formatter | None:
        """The configured ``user`` / ``affected`` / ``payload`` formatter, or None.

        Raises ConfigurationError when a dotted path cannot be imported; callers on the event
        path catch it and use the default formatter.
        """
        return _cache.formatter(name)


class _DerivedCache:
    """Values computed from settings, dropped whenever a setting changes."""

    @cached_property
    def payload_policy(self) -> PayloadPolicy:
        raw = Settings().raw
        keys = raw.get("REDACT_KEYS", DEFAULT_REDACT_KEYS)
        if not isinstance(keys, (list, tuple)) or not all(isinstance(k, str) for k in keys):
            keys = DEFAULT_REDACT_KEYS
        max_chars = raw.get("MAX_VALUE_CHARS", DEFAULTS["MAX_VALUE_CHARS"])
        if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 16:
            max_chars = DEFAULTS["MAX_VALUE_CHARS"]
        return PayloadPolicy(redact_keys=tuple(keys), max_chars=max_chars)

    @cached_property
    def persistence_enabled(self) -> bool:
        return bool(Settings().persistence.get("ENABLED", True))

    @cached_property
    def formatters(self) -> dict[str, Formatter | None]:
        return {}

    def formatter(self, name: str) -> Formatter | None:
        if name in self.formatters:
            return self.formatters[name]
        configured = Settings()._get("FORMATTERS").get(name)
        resolved: Formatter | None
        if configured is None:
            resolved = None
        elif callable(configured):
            resolved = configured
        elif isinstance(configured, str):
            try:
                resolved = import_string(configured)
            except ImportError as exc:
                raise ConfigurationError(
                    f"POWERCRUD_SIGNALS['FORMATTERS']['{name}'] = {configured!r} cannot be "
                    f"imported: {exc}"
                ) from exc
        else:
            raise ConfigurationError(
                f"POWERCRUD_SIGNALS['FORMATTERS']['{name}'] must be a dotted path or a callable"
            )
        self.formatters[name] = resolved
        return resolved

    @cached_property
    def logging(self) -> dict[str, Any]:
        merged: dict[str, Any] = Settings()._get("LOGGING")
        levels = dict(DEFAULT_LOG_LEVELS)
        given = merged.get("LEVELS")
        if isinstance(given, Mapping):
            levels.update(given)
        merged["LEVELS"] = levels
        return merged


_cache = _DerivedCache()
app_settings = Settings()


def reset_cache(**kwargs: Any) -> None:
    """Forget everything derived from settings (connected to ``setting_changed``)."""
    global _cache
    if kwargs.get("setting") in (None, SETTING_NAME):
        _cache = _DerivedCache()


setting_changed.connect(reset_cache, dispatch_uid="powercrud_signals.conf.reset_cache")


# --------------------------------------------------------------------------- persistence switch
# Test support (powercrud_signals.testing) turns persistence off for a block of code while
# every other receiver keeps firing; the persistence receiver asks ``persistence_active()``
# on each event.  A counter, so nested switches compose; process-wide, because a test's
# events may be sent from threads it started.
_persistence_off = 0


def persistence_active() -> bool:
    """True when the persistence receiver should write: enabled in settings and not switched off."""
    return _persistence_off == 0 and app_settings.persistence_enabled


class persistence_disabled:
    """Context manager turning persistence off until the block exits (nestable)."""

    def __enter__(self) -> None:
        global _persistence_off
        _persistence_off += 1

    def __exit__(self, *exc: object) -> None:
        global _persistence_off
        _persistence_off -= 1
