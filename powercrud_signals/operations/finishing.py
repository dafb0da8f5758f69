"""Finishing a task through the normal event pipeline, from outside its own processes.

Everything here goes through a signal-emitting PowerCRUD manager, so every receiver (the
dashboard, logs, metrics, a project's own) sees a reconciled outcome exactly like one
reported by the completion hook, and PowerCRUD's locks and progress key are released the
way PowerCRUD releases them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from powercrud_signals import q2
from powercrud_signals.events import EventKind, Status
from powercrud_signals.manager import SignalAsyncManager, SignalEmitterMixin

logger = logging.getLogger("powercrud_signals.operations")

REASON_ABANDONED = "abandoned"
REASON_HOOK_MISSED = "completion_not_reported"


def configured_manager(extra: Mapping[str, Any] | None = None) -> SignalEmitterMixin:
    """PowerCRUD's default manager (``ASYNC_MANAGER_DEFAULT``) if it emits signals, else
    ``SignalAsyncManager``; ``extra`` is added to every event it sends."""
    from powercrud.conf import get_powercrud_setting

    default = get_powercrud_setting("ASYNC_MANAGER_DEFAULT", {}) or {}
    path = default.get("manager_class") if isinstance(default, Mapping) else None
    config = default.get("config") if isinstance(default, Mapping) else None
    try:
        manager = q2.resolve_signal_manager(path, config if isinstance(config, Mapping) else None)
    except Exception:
        logger.warning("configured_manager_unbuildable path=%s", path, exc_info=True)
        manager = None
    return _with_extra(manager or SignalAsyncManager(), extra)


def manager_for(
    path: str | None, config: Mapping[str, Any] | None, extra: Mapping[str, Any] | None
) -> SignalEmitterMixin:
    """The manager a task was launched with when it emits signals, else the configured one."""
    manager = None
    if path:
        try:
            manager = q2.resolve_signal_manager(path, config)
        except Exception:
            logger.warning("manager_unbuildable path=%s", path, exc_info=True)
    return _with_extra(manager, extra) if manager is not None else configured_manager(extra)


def _with_extra(manager: SignalEmitterMixin, extra: Mapping[str, Any] | None) -> SignalEmitterMixin:
    if extra:
        # An instance attribute: the class-level signal_extra of other instances is untouched.
        manager.signal_extra = {**manager.signal_extra, **extra}
    return manager


def replay_completion(task: Any, task_name: str, extra: Mapping[str, Any]) -> None:
    """Do what django-q2's completion hook would have done for a finished ``Task`` row.

    The manager comes from the task's kwargs, as PowerCRUD's hook finds it.  PowerCRUD's
    ``handle_task_completion`` releases locks and progress, then sends complete/fail and
    cleanup; a bulk worker's ``False`` is reported as a failure by the mixin.
    """
    kwargs = getattr(task, "kwargs", None)
    path = config = None
    if isinstance(kwargs, Mapping):
        path = kwargs.get("manager_class") if isinstance(kwargs.get("manager_class"), str) else None
        config = (
            kwargs.get("manager_config")
            if isinstance(kwargs.get("manager_config"), Mapping)
            else None
        )
    manager = manager_for(path, config, extra)
    manager.handle_task_completion(task, task_name)


def fail_abandoned(
    task_name: str,
    *,
    message: str,
    manager_path: str | None,
    attempt: int | None,
    q2_task_id: str | None,
    extra: Mapping[str, Any],
) -> None:
    """Release a lost task's locks and progress, then report it failed and cleaned up."""
    manager = manager_for(manager_path, None, extra)
    try:
        manager.remove_active_task(task_name)  # type: ignore[attr-defined]
    except Exception:
        logger.warning("release_failed task_name=%s", task_name, exc_info=True)
    ids: dict[str, Any] = {"attempt": attempt, "q2_task_id": q2_task_id or None}
    _send(manager, EventKind.FAIL, task_name, status=Status.FAILED.value, message=message, **ids)
    _send(manager, EventKind.CLEANUP, task_name, status=None, message="Locks released", **ids)


def release(task_name: str, *, manager_path: str | None, extra: Mapping[str, Any]) -> None:
    """Release the locks and progress key of a task whose outcome is already recorded."""
    manager = manager_for(manager_path, None, extra)
    try:
        manager.remove_active_task(task_name)  # type: ignore[attr-defined]
    except Exception:
        logger.warning("release_failed task_name=%s", task_name, exc_info=True)
    _send(manager, EventKind.CLEANUP, task_name, status=None, message="Locks released")


def _send(manager: SignalEmitterMixin, kind: EventKind, task_name: str, **payload: Any) -> None:
    # async_task_lifecycle, not emit_lifecycle_signal: a bespoke manager's own override
    # (a ModelTrackingAsyncManager subclass, say) sees the transition too.  Like PowerCRUD's
    # own _emit_lifecycle, an override that raises is logged, not propagated.
    try:
        manager.async_task_lifecycle(kind.value, task_name, **payload)
    except Exception:
        logger.exception("lifecycle_override_failed kind=%s task_name=%s", kind.value, task_name)
