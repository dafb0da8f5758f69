"""The django-q2 bridge: what PowerCRUD does not report, taken from django-q2's own signals.

- ``pre_enqueue`` (launching process): a task launched through a signal-emitting manager is
  tagged, inside django-q2's signed package, with that manager's dotted path and config.
- ``pre_execute`` (worker): the ``started`` transition, with the delivery attempt; the worker
  remembers which task it is running so progress events carry its q2 id and attempt.
- ``post_execute_in_worker`` (worker): when the task's kwargs do not already name its manager
  (a task launched directly through ``SignalAsyncManager.launch_async_task`` rather than a
  PowerCRUD view), ``manager_class``/``manager_config`` are added to the finished task's kwargs,
  after the function has run, so that PowerCRUD's completion hook in the monitor resolves the
  same manager instead of its base ``AsyncManager`` and ``complete``/``fail``/``cleanup`` are
  not lost.

Every receiver here swallows and logs its own errors: django-q2 sends these signals with
``send``, so an exception would break the worker.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing import current_process
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from powercrud_signals.payloads import present_json_safe

if TYPE_CHECKING:
    from powercrud_signals.manager import SignalEmitterMixin

logger = logging.getLogger("powercrud_signals.q2")

POWERCRUD_BULK_TASKS = frozenset(
    {"powercrud.tasks.bulk_update_task", "powercrud.tasks.bulk_delete_task"}
)
"""django-q2 functions of PowerCRUD's own async bulk edit and delete."""

TASK_META_KEY = "powercrud_signals"
"""Key added to django-q2's task package for tasks launched through a signal-emitting manager."""


@dataclass(frozen=True)
class LaunchContext:
    """Set while a signal-emitting manager is enqueueing a task."""

    manager: str
    config: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ExecutionContext:
    """What a worker knows about the task it is running."""

    task_name: str
    q2_task_id: str | None
    attempt: int | None
    manager: str | None = None
    config: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


launching: ContextVar[LaunchContext | None] = ContextVar(
    "powercrud_signals_launching", default=None
)
_execution: ContextVar[ExecutionContext | None] = ContextVar(
    "powercrud_signals_execution", default=None
)


def current_execution() -> ExecutionContext | None:
    """The task this worker process is running, if it was launched through a signal manager."""
    return _execution.get()


def manager_reference(task: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any] | None]:
    """The manager path and config a task package names (our tag, else PowerCRUD's kwargs)."""
    meta = task.get(TASK_META_KEY)
    if isinstance(meta, Mapping) and isinstance(meta.get("manager"), str):
        config = meta.get("config")
        return meta["manager"], config if isinstance(config, Mapping) else None
    kwargs = task.get("kwargs")
    if isinstance(kwargs, Mapping) and isinstance(kwargs.get("manager_class"), str):
        config = kwargs.get("manager_config")
        return kwargs["manager_class"], config if isinstance(config, Mapping) else None
    return None, None


def resolve_signal_manager(
    path: str | None, config: Mapping[str, Any] | None
) -> SignalEmitterMixin | None:
    """Build the named manager the way PowerCRUD does, or None if it does not emit signals."""
    from powercrud_signals.manager import SignalEmitterMixin

    if not path:
        return None
    try:
        manager_cls = import_string(path)
    except ImportError:
        logger.warning("manager_unresolved path=%s", path)
        return None
    if not (isinstance(manager_cls, type) and issubclass(manager_cls, SignalEmitterMixin)):
        return None
    if config is not None:
        try:
            return manager_cls(config=dict(config))  # type: ignore[call-arg]
        except TypeError:
            pass
    return manager_cls()  # type: ignore[no-any-return]


def attach_launch_metadata(sender: Any, task: dict[str, Any], **kwargs: Any) -> None:
    """``pre_enqueue``: tag a task being launched through a signal-emitting manager."""
    launch = launching.get()
    if launch is None:
        return
    try:
        config = dict(launch.config) if launch.config is not None else None
        task[TASK_META_KEY] = {"manager": launch.manager, "config": config}
        task_kwargs = task.get("kwargs")
        # PowerCRUD's bulk workers build their manager from these kwargs (and pop them, so
        # the function signature is unaffected); PowerCRUD views pass them, direct launches
        # do not, and the workers' progress would otherwise go to the base AsyncManager.
        is_bulk_worker = _func_name(task.get("func")) in POWERCRUD_BULK_TASKS
        if is_bulk_worker and isinstance(task_kwargs, dict) and "manager_class" not in task_kwargs:
            task_kwargs["manager_class"] = launch.manager
            if config is not None:
                task_kwargs.setdefault("manager_config", config)
    except Exception:
        logger.exception("attach_launch_metadata_failed")


def announce_start(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    """``pre_execute``: send ``started`` for a task launched through a signal-emitting manager."""
    _execution.set(None)
    try:
        path, config = manager_reference(task)
        manager = resolve_signal_manager(path, config)
        if manager is None:
            return
        task_name = str(task.get("name"))
        q2_task_id = str(task["id"]) if task.get("id") else None
        context = ExecutionContext(
            task_name=task_name,
            q2_task_id=q2_task_id,
            attempt=_delivery_attempt(q2_task_id),
            manager=path,
            config=config,
            extra=_execution_extra(task),
        )
        _execution.set(context)
        manager.emit_started(context)
    except Exception:
        logger.exception("announce_start_failed task_name=%s", task.get("name"))


def _execution_extra(task: Mapping[str, Any]) -> dict[str, Any]:
    """Extra fields of every event this execution sends, made JSON-safe once per task."""
    from powercrud_signals.conf import app_settings

    values = {
        "queued_at": task.get("started"),
        "func": _func_name(task.get("func")),
        "worker": current_process().name,
    }
    return present_json_safe(values, app_settings.payload_policy)


def finish_execution(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    """``post_execute_in_worker``: let PowerCRUD's completion hook find the same manager."""
    try:
        meta = task.get(TASK_META_KEY)
        task_kwargs = task.get("kwargs")
        if isinstance(meta, Mapping) and isinstance(task_kwargs, dict):
            path, config = manager_reference(task)
            if path and "manager_class" not in task_kwargs:
                task_kwargs["manager_class"] = path
                if config is not None:
                    task_kwargs.setdefault("manager_config", dict(config))
        if task.get("sync") and "success" not in task:
            _report_sync_failure(task)
    except Exception:
        logger.exception("finish_execution_failed task_name=%s", task.get("name"))
    finally:
        _execution.set(None)


class _SyncFailure:
    """The django-q2 Task a failed ``sync=True`` run would have saved.

    In sync mode django-q2 re-raises a task's exception straight after this signal, so its
    monitor never saves the Task and PowerCRUD's completion hook never runs; the failure is
    handed to the manager's completion handling here instead, as the hook would have.
    """

    def __init__(self, task: Mapping[str, Any], error: BaseException) -> None:
        from django.utils import timezone

        self.id = task.get("id")
        self.name = task.get("name")
        self.func = _func_name(task.get("func"))
        self.kwargs = task.get("kwargs")
        self.started = task.get("started")
        self.stopped = timezone.now()
        self.success = False
        self.result = f"{error} : {''.join(traceback.format_exception(error))}"
        self.attempt_count = 1


def _report_sync_failure(task: Mapping[str, Any]) -> None:
    error = sys.exc_info()[1]
    if error is None:
        return
    manager = resolve_signal_manager(*manager_reference(task))
    if manager is not None:
        manager.handle_task_completion(_SyncFailure(task, error), str(task.get("name")))  # type: ignore[attr-defined]


def _delivery_attempt(q2_task_id: str | None) -> int | None:
    """1 for a first delivery; django-q2 counts earlier finished attempts in Task.attempt_count."""
    if q2_task_id is None:
        return None
    try:
        from django_q.models import Task

        previous = (
            Task.objects.filter(id=q2_task_id).values_list("attempt_count", flat=True).first()
        )
    except Exception:
        logger.warning("attempt_lookup_failed q2_task_id=%s", q2_task_id, exc_info=True)
        return None
    return (previous or 0) + 1


def _func_name(func: Any) -> str | None:
    if func is None:
        return None
    if isinstance(func, str):
        return func
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    return f"{module}.{name}" if module and name else repr(func)


def connect() -> None:
    """Connect the bridge to django-q2's signals (idempotent)."""
    from django_q import signals as q2_signals

    q2_signals.pre_enqueue.connect(
        attach_launch_metadata, dispatch_uid="powercrud_signals.q2.launch"
    )
    q2_signals.pre_execute.connect(announce_start, dispatch_uid="powercrud_signals.q2.start")
    q2_signals.post_execute_in_worker.connect(
        finish_execution, dispatch_uid="powercrud_signals.q2.finish"
    )
