"""The signal-emitting PowerCRUD manager, and the mixin that gives any manager the signals.

PowerCRUD rebuilds the manager from a dotted path in the web process, in each worker and in
the monitor's completion hook, and silently falls back to its base ``AsyncManager`` when
construction raises.  So ``SignalAsyncManager.__init__`` accepts PowerCRUD's plain dict config
and never raises for a valid one, and nothing on the event path may raise into PowerCRUD.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from powercrud.async_manager import AsyncManager

from powercrud_signals import q2
from powercrud_signals.conf import app_settings
from powercrud_signals.events import EventKind, LifecycleEvent, Status, build_event, coerce_kind
from powercrud_signals.exceptions import ConfigurationError, ReceiverError
from powercrud_signals.labels import label_affected, label_user
from powercrud_signals.payloads import present_json_safe, safe_text, to_json_safe
from powercrud_signals.signals import send_event

__all__ = [
    "POWERCRUD_BULK_TASKS",
    "SignalAsyncManager",
    "SignalEmitterMixin",
    "dotted_path",
    "task_manager",
]

logger = logging.getLogger("powercrud_signals.manager")

POWERCRUD_BULK_TASKS = q2.POWERCRUD_BULK_TASKS

# Payload values the ``payload`` formatter applies to.
_FORMATTED_KEYS = ("task_args", "task_kwargs", "result")

# PowerCRUD plumbing passed through the task's kwargs; not the task's own arguments.
_PLUMBING_KWARGS = frozenset({"manager_class", "manager_config", "task_key"})

_EMITS_MARK = "_powercrud_signals_emits"

# True while an outer emitting wrapper is running, so that a chain of overrides calling
# super() sends each transition once.
_emitting: ContextVar[bool] = ContextVar("powercrud_signals_emitting", default=False)

# The django-q2 Task being completed, while handle_task_completion runs (monitor process).
_completing: ContextVar[dict[str, Any] | None] = ContextVar(
    "powercrud_signals_completing", default=None
)


def dotted_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


LifecycleMethod = Callable[..., Any]


def _emitting_wrapper(legacy: LifecycleMethod) -> LifecycleMethod:
    """Wrap an ``async_task_lifecycle`` so the transition is also sent as signals.

    The wrapped method runs first and keeps its behaviour, exceptions included (PowerCRUD
    catches and logs those); the signals are sent whatever it did.
    """

    @functools.wraps(legacy)
    def async_task_lifecycle(
        self: SignalEmitterMixin, event: Any, task_name: Any, **payload: Any
    ) -> Any:
        if _emitting.get():
            return legacy(self, event, task_name, **payload)
        token = _emitting.set(True)
        try:
            return legacy(self, event, task_name, **payload)
        finally:
            _emitting.reset(token)
            self.emit_lifecycle_signal(event, task_name, payload)

    setattr(async_task_lifecycle, _EMITS_MARK, True)
    return async_task_lifecycle


def _launching_wrapper(launch: LifecycleMethod) -> LifecycleMethod:
    """Wrap ``launch_async_task`` so the task is tagged with this manager for worker and hook."""

    @functools.wraps(launch)
    def launch_async_task(self: SignalEmitterMixin, func: Any, *args: Any, **kwargs: Any) -> Any:
        context = q2.LaunchContext(manager=dotted_path(type(self)), config=self.task_config())
        token = q2.launching.set(context)
        try:
            return launch(self, func, *args, **kwargs)
        finally:
            q2.launching.reset(token)

    setattr(launch_async_task, _EMITS_MARK, True)
    return launch_async_task


def _completion_wrapper(handle: LifecycleMethod) -> LifecycleMethod:
    """Wrap ``handle_task_completion``: q2 id, attempt and timings on the events it sends, and a
    PowerCRUD bulk worker's ``False`` reported as a failure."""

    @functools.wraps(handle)
    def handle_task_completion(self: SignalEmitterMixin, task: Any, task_name: str) -> Any:
        context = {
            "q2_task_id": str(getattr(task, "id", "") or "") or None,
            "attempt": getattr(task, "attempt_count", None),
            "task_name": task_name,
            # JSON-safe once here, reused by every event of this completion.
            "extra": present_json_safe(
                {
                    "func": getattr(task, "func", None),
                    "queued_at": getattr(task, "started", None),
                    "finished_at": getattr(task, "stopped", None),
                },
                app_settings.payload_policy,
            ),
        }
        token = _completing.set(context)
        try:
            if self._returned_failure(task):
                task = _FailedResult(task, self._false_result_message(task_name))
            return handle(self, task, task_name)
        finally:
            _completing.reset(token)

    setattr(handle_task_completion, _EMITS_MARK, True)
    return handle_task_completion


_WRAPPERS: dict[str, Callable[[LifecycleMethod], LifecycleMethod]] = {
    "async_task_lifecycle": _emitting_wrapper,
    "launch_async_task": _launching_wrapper,
    "handle_task_completion": _completion_wrapper,
}


def _call_next(name: str) -> LifecycleMethod:
    """A method that calls the next definition of ``name`` after SignalEmitterMixin in the MRO."""

    def call_next(self: SignalEmitterMixin, *args: Any, **kwargs: Any) -> Any:
        method = getattr(super(SignalEmitterMixin, self), name, None)
        return method(*args, **kwargs) if method is not None else None

    call_next.__name__ = call_next.__qualname__ = name
    return call_next


class SignalEmitterMixin:
    """Sends a powercrud-signals signal for every lifecycle transition of a PowerCRUD manager.

    Add it to the bases of a bespoke ``AsyncManager`` subclass, in any position: an
    ``async_task_lifecycle`` override keeps running exactly as before, and each transition
    is additionally sent as a ``LifecycleEvent``.  Overrides never see the new ``started``
    transition, which PowerCRUD itself does not send; receivers do.

    Whatever the base order, ``__init_subclass__`` makes the first ``async_task_lifecycle``,
    ``launch_async_task`` and ``handle_task_completion`` in the MRO the emitting versions,
    wrapping a project's own override rather than replacing it.
    """

    #: django-q2 functions whose ``False`` return value means failure.
    failure_result_funcs: frozenset[str] = POWERCRUD_BULK_TASKS

    #: Static fields merged into every event's ``extra`` (e.g. ``{"app": "inventory"}``).
    signal_extra: Mapping[str, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, wrap in _WRAPPERS.items():
            resolved = getattr(cls, name, None)
            if resolved is not None and not getattr(resolved, _EMITS_MARK, False):
                setattr(cls, name, wrap(resolved))

    async_task_lifecycle = _emitting_wrapper(_call_next("async_task_lifecycle"))
    launch_async_task = _launching_wrapper(_call_next("launch_async_task"))
    handle_task_completion = _completion_wrapper(_call_next("handle_task_completion"))

    def _serialise_json(self, value: Any) -> Any:
        """PowerCRUD's conversion of task args/kwargs, made unable to raise.

        PowerCRUD calls ``str()`` on values it cannot serialise, which raises for some objects
        and then loses the whole ``create`` event; this app's converter takes over instead.
        """
        if value is None:  # every progress event: skip PowerCRUD's json.dumps(None) round trip
            return None
        try:
            return super()._serialise_json(value)  # type: ignore[misc]
        except Exception:
            return to_json_safe(value, app_settings.payload_policy)

    def task_config(self) -> Mapping[str, Any] | None:
        """The plain dict config workers and the hook rebuild this manager with."""
        config = getattr(self, "config", None)
        return dict(config) if isinstance(config, Mapping) else None

    def _returned_failure(self, task: Any) -> bool:
        try:
            return (
                getattr(task, "success", None) is True
                and getattr(task, "result", None) is False
                and getattr(task, "func", None) in self.failure_result_funcs
            )
        except Exception:
            return False

    def _false_result_message(self, task_name: str) -> str:
        try:
            last = self.get_progress(task_name)  # type: ignore[attr-defined]
        except Exception:
            last = None
        if isinstance(last, str) and last and last != Status.PENDING.value:
            return f"Task returned False: {last}"
        return "Task returned False"

    # ------------------------------------------------------------------ emitting

    def emit_started(self, context: q2.ExecutionContext) -> None:
        """Send ``started`` for the task a worker is about to run (called by the q2 bridge)."""
        self.emit_lifecycle_signal(
            EventKind.STARTED,
            context.task_name,
            {
                "status": Status.IN_PROGRESS,
                "message": "Task started",
                "q2_task_id": context.q2_task_id,
                "attempt": context.attempt,
            },
        )

    def emit_lifecycle_signal(self, event: Any, task_name: Any, payload: Mapping[str, Any]) -> None:
        """Build the LifecycleEvent for one transition and send it; never raises into PowerCRUD.

        The one exception is ``ReceiverError`` with ``RAISE_RECEIVER_ERRORS`` on, which test
        suites ask for.
        """
        try:
            lifecycle_event = self.build_lifecycle_event(event, task_name, payload)
        except Exception:
            logger.exception(
                "event_build_failed event=%s task_name=%s",
                safe_text(event, app_settings.payload_policy),
                safe_text(task_name, app_settings.payload_policy),
            )
            return
        if lifecycle_event is None:
            return
        try:
            send_event(type(self), lifecycle_event)
        except ReceiverError:
            raise
        except Exception:
            logger.exception(
                "event_dispatch_failed kind=%s task_name=%s",
                lifecycle_event.kind.value,
                lifecycle_event.task_name,
            )

    def build_lifecycle_event(
        self, event: Any, task_name: Any, payload: Mapping[str, Any]
    ) -> LifecycleEvent | None:
        """The LifecycleEvent for a transition, or None for an event name this app does not know."""
        kind = coerce_kind(event)
        if kind is None:
            logger.debug(
                "unknown_event_ignored event=%s", safe_text(event, app_settings.payload_policy)
            )
            return None
        policy = app_settings.payload_policy
        # Progress events carry none of these; copy the payload only when one is there.
        if any(payload.get(key) is not None for key in _FORMATTED_KEYS):
            payload = dict(payload)
            for key in _FORMATTED_KEYS:
                if payload.get(key) is not None:
                    payload[key] = self._format_payload(key, payload[key])
            kwargs = payload.get("task_kwargs")
            if isinstance(kwargs, Mapping):
                payload["task_kwargs"] = {
                    k: v for k, v in kwargs.items() if k not in _PLUMBING_KWARGS
                }
        name = safe_text(task_name, policy)
        return build_event(
            kind,
            name,
            payload,
            policy=policy,
            manager=self._manager_path(),
            user_label=label_user(payload.get("user"), policy)
            if payload.get("user") is not None
            else "",
            affected_label=(
                label_affected(payload.get("affected_objects"), policy)
                if payload.get("affected_objects") is not None
                else ""
            ),
            context=self._event_context(name),
        )

    def _format_payload(self, key: str, value: Any) -> Any:
        try:
            formatter = app_settings.formatter("payload")
        except ConfigurationError:
            logger.warning("payload_formatter_unavailable", exc_info=True)
            return value
        if formatter is None:
            return value
        try:
            return formatter(value)
        except Exception:
            logger.warning("payload_formatter_failed field=%s", key, exc_info=True)
            return value

    def _manager_path(self) -> str:
        path: str | None = self.__dict__.get("_powercrud_signals_path")
        if path is None:
            path = self.__dict__["_powercrud_signals_path"] = dotted_path(type(self))
        return path

    def _static_extra(self) -> dict[str, Any]:
        """``signal_extra`` and the config's ``extra``, made JSON-safe once per manager."""
        cached: dict[str, Any] | None = self.__dict__.get("_powercrud_signals_extra")
        if cached is None:
            extra: dict[str, Any] = dict(self.signal_extra)
            config = getattr(self, "config", None)
            if isinstance(config, Mapping) and isinstance(config.get("extra"), Mapping):
                extra.update(config["extra"])
            cached = to_json_safe(extra, app_settings.payload_policy) if extra else {}
            self.__dict__["_powercrud_signals_extra"] = cached
        return cached  # type: ignore[return-value]

    def _event_context(self, task_name: str) -> dict[str, Any]:
        """q2 id, attempt and JSON-safe extra fields this process knows for ``task_name``."""
        static = self._static_extra()
        completing = _completing.get()
        if completing is not None and completing.get("task_name") == task_name:
            return {
                "q2_task_id": completing["q2_task_id"],
                "attempt": completing["attempt"],
                "extra": {**static, **completing["extra"]},
            }
        execution = q2.current_execution()
        if execution is not None and execution.task_name == task_name:
            return {
                "q2_task_id": execution.q2_task_id,
                "attempt": execution.attempt,
                "extra": {**static, **execution.extra} if static else execution.extra,
            }
        return {"extra": static}


class _FailedResult:
    """A read-only view of a django-q2 Task that reports failure with a message.

    Only what this app hands to PowerCRUD's completion handling changes; django-q2's own
    record of the task is left as django-q2 wrote it.
    """

    def __init__(self, task: Any, message: str) -> None:
        self._task = task
        self.success = False
        self.result = message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


class SignalAsyncManager(SignalEmitterMixin, AsyncManager):
    """PowerCRUD's ``AsyncManager`` that sends a Django signal for every lifecycle transition.

    Point PowerCRUD at it with
    ``POWERCRUD_SETTINGS["ASYNC_MANAGER_DEFAULT"] = {"manager_class":
    "powercrud_signals.manager.SignalAsyncManager"}``.  ``config`` is the plain dict PowerCRUD
    passes (``ASYNC_MANAGER_DEFAULT["config"]`` or a view's ``async_manager_config``); its
    optional ``"extra"`` mapping is added to every event's ``extra``.
    """

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = dict(config) if isinstance(config, Mapping) else {}
        super().__init__()


def task_manager() -> SignalEmitterMixin:
    """The manager a running task should report progress through.

    Inside a django-q2 worker running a task launched through a signal-emitting manager, that
    same manager (same class and config); anywhere else a plain ``SignalAsyncManager``.  Task
    functions use it instead of building PowerCRUD's base ``AsyncManager()``, whose progress
    events no receiver would see::

        def import_rows(rows, task_key=None, **kwargs):
            manager = task_manager()
            for index, row in enumerate(rows, 1):
                ...
                manager.update_progress(task_key, f"imported {index}/{len(rows)}")
    """
    execution = q2.current_execution()
    if execution is not None:
        manager = q2.resolve_signal_manager(execution.manager, execution.config)
        if manager is not None:
            return manager
    return SignalAsyncManager()
