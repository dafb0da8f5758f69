"""Receivers shipped with powercrud-signals, and the wiring of ``POWERCRUD_SIGNALS["RECEIVERS"]``.

Each ``RECEIVERS`` entry is either a dotted path (connected to ``task_lifecycle``) or a dict
``{"receiver": "dotted.path", "signals": ["task_failed", ...]}``.  A path naming a class is
instantiated with no arguments, so a configurable receiver class can be listed directly.
Connection happens once per process in ``AppConfig.ready()`` (web, worker and monitor alike)
with a dispatch uid per entry, so it is idempotent.

A receiver object may also need other signals (the metrics receiver counts ``receiver_failed``
and measures run time on django-q2's ``post_execute_in_worker``): it says so with a
``related_receivers()`` method returning ``(signal, callable)`` pairs, which are connected and
disconnected together with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal
from django.utils.module_loading import import_string

from powercrud_signals import signals as lifecycle_signals
from powercrud_signals.exceptions import ConfigurationError

logger = logging.getLogger("powercrud_signals.receivers")

SIGNAL_NAMES = (
    "task_lifecycle",
    "task_enqueued",
    "task_started",
    "task_progressed",
    "task_succeeded",
    "task_failed",
    "task_cleaned_up",
)


@dataclass(frozen=True)
class ConfiguredReceiver:
    """A ``RECEIVERS`` entry, resolved."""

    path: str
    receiver: Callable[..., Any]
    signals: tuple[Signal, ...]
    related: tuple[tuple[Signal, Callable[..., Any]], ...] = ()

    @property
    def dispatch_uid(self) -> str:
        return f"powercrud_signals.receivers:{self.path}"

    def related_uid(self, index: int) -> str:
        return f"{self.dispatch_uid}:related:{index}"


def resolve_entry(entry: Any) -> ConfiguredReceiver:
    """Import one ``RECEIVERS`` entry; ConfigurationError says exactly what is wrong with it."""
    if isinstance(entry, str):
        path, signal_names = entry, ["task_lifecycle"]
    elif isinstance(entry, Mapping) and isinstance(entry.get("receiver"), str):
        path = entry["receiver"]
        signal_names = list(entry.get("signals") or ["task_lifecycle"])
    else:
        raise ConfigurationError(
            f"RECEIVERS entry {entry!r} must be a dotted path or "
            '{"receiver": "dotted.path", "signals": [...]}'
        )
    unknown = [name for name in signal_names if name not in SIGNAL_NAMES]
    if unknown:
        raise ConfigurationError(
            f"RECEIVERS entry {path!r} names unknown signal(s) {unknown}; "
            f"choose from {', '.join(SIGNAL_NAMES)}"
        )
    try:
        target = import_string(path)
    except ImportError as exc:
        raise ConfigurationError(f"RECEIVERS entry {path!r} cannot be imported: {exc}") from exc
    if isinstance(target, type):
        try:
            target = target()
        except Exception as exc:
            raise ConfigurationError(
                f"RECEIVERS entry {path!r} is a class that could not be built with no "
                f"arguments: {exc}"
            ) from exc
    if not callable(target):
        raise ConfigurationError(f"RECEIVERS entry {path!r} is not callable")
    return ConfiguredReceiver(
        path=path,
        receiver=target,
        signals=tuple(getattr(lifecycle_signals, name) for name in signal_names),
        related=_related_receivers(path, target),
    )


def _related_receivers(path: str, target: Any) -> tuple[tuple[Signal, Callable[..., Any]], ...]:
    declare = getattr(target, "related_receivers", None)
    if not callable(declare):
        return ()
    try:
        pairs = tuple(declare())
    except Exception as exc:
        raise ConfigurationError(
            f"RECEIVERS entry {path!r}: related_receivers() raised {type(exc).__name__}: {exc}"
        ) from exc
    for pair in pairs:
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], Signal)
            and callable(pair[1])
        ):
            raise ConfigurationError(
                f"RECEIVERS entry {path!r}: related_receivers() must return (signal, callable) "
                f"pairs, got {pair!r}"
            )
    return pairs


def connect_configured(entries: list[Any]) -> list[ConfiguredReceiver]:
    """Connect every resolvable entry; log (never raise) the others, which the checks report."""
    connected = []
    for entry in entries:
        try:
            configured = resolve_entry(entry)
        except ConfigurationError as exc:
            logger.error("receiver_not_connected reason=%s", exc)
            continue
        for signal in configured.signals:
            signal.connect(configured.receiver, weak=False, dispatch_uid=configured.dispatch_uid)
        for index, (signal, related) in enumerate(configured.related):
            signal.connect(related, weak=False, dispatch_uid=configured.related_uid(index))
        connected.append(configured)
    return connected


def disconnect_configured(entries: list[Any]) -> None:
    """Undo ``connect_configured`` for the same entries."""
    for entry in entries:
        path = (
            entry if isinstance(entry, str) else getattr(entry, "get", lambda _k: None)("receiver")
        )
        if not isinstance(path, str):
            continue
        for name in SIGNAL_NAMES:
            getattr(lifecycle_signals, name).disconnect(
                dispatch_uid=f"powercrud_signals.receivers:{path}"
            )
        try:
            configured = resolve_entry(entry)
        except ConfigurationError:
            continue
        for index, (signal, _related) in enumerate(configured.related):
            signal.disconnect(dispatch_uid=configured.related_uid(index))
