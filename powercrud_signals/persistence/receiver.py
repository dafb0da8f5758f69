"""``PersistenceReceiver``: writes every lifecycle transition to the dashboard model.

One upsert per persisted event (see ``statements``), progress coalesced per task (see
``coalescer``).  Where the write goes:

- ``DATABASE`` None (default): the model's write database (``router.db_for_write``).  A
  write that arrives while that connection is inside an application transaction (PowerCRUD's
  bulk operation runs its progress inside ``transaction.atomic``) is held and written when
  the connection is out of it: right after commit, or at the next flush point (the worker's
  ``post_execute_in_worker``, the end of a request, the next event, process exit) when it
  rolled back.  So the dashboard row neither breaks nor shares the fate of the task's own
  transaction.  A write made inside a test case's wrapping transaction (``TestCase``,
  pytest-django) goes through a savepoint instead, so tests see rows at once.
- ``DATABASE`` = another alias (for example a second alias on the same PostgreSQL
  database): written at once on that connection, in autocommit, so progress is visible to
  every other connection while a bulk job is still running.

A failing write is logged once per task (warning, with the traceback) and never raised.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing import util
from typing import Any

from django.apps import apps
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from powercrud_signals.conf import app_settings, persistence_active
from powercrud_signals.events import EventKind, LifecycleEvent
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.persistence.coalescer import Coalescer
from powercrud_signals.persistence.fieldmap import resolve_field_map
from powercrud_signals.persistence.portable import PortableWriter, supports_upsert
from powercrud_signals.persistence.statements import UpsertBuilder
from powercrud_signals.persistence.writes import RowWrite, write_for_event

logger = logging.getLogger("powercrud_signals.persistence")

_FAILED_TASKS_KEPT = 10_000


@dataclass(frozen=True)
class _Target:
    builder: UpsertBuilder
    portable: PortableWriter
    alias: str


def in_application_transaction(connection: BaseDatabaseWrapper) -> bool:
    """True inside an atomic block opened by application code.

    The blocks Django's ``TestCase`` (and pytest-django) wrap each test in are not counted;
    Django's own ``durable`` check makes the same distinction.
    """
    if not connection.in_atomic_block:
        return False
    return not all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class PersistenceReceiver:
    """Receiver ``(sender, event, **kwargs)`` that keeps one dashboard row per task.

    Every argument left as None is read from ``POWERCRUD_SIGNALS["PERSISTENCE"]`` (and read
    again after a settings change).  ``model`` is a model class or ``"app_label.Model"``;
    ``field_map`` maps logical names to field names (see ``fieldmap.DEFAULT_FIELD_MAP``).
    """

    def __init__(
        self,
        model: type[Model] | str | None = None,
        field_map: Mapping[str, str | None] | None = None,
        database: str | None = None,
        progress_interval: float | None = None,
        create_defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self._model = model
        self._field_map = field_map
        self._database = database
        self._create_defaults = create_defaults
        self._interval = progress_interval
        self._target: _Target | None = None
        self._target_lock = threading.Lock()
        self.coalescer = Coalescer(self._resolve_interval())
        self._failed_tasks: set[str] = set()

    # ------------------------------------------------------------ configuration

    def _resolve_interval(self) -> float:
        return self._interval if self._interval is not None else app_settings.progress_interval

    def reset(self) -> None:
        """Forget the resolved configuration (called when settings change)."""
        with self._target_lock:
            self._target = None
        self.coalescer.interval = self._resolve_interval()

    def target(self) -> _Target:
        target = self._target
        if target is not None:
            return target
        with self._target_lock:
            if self._target is None:
                self._target = self._resolve_target()
            return self._target

    def _resolve_target(self) -> _Target:
        config = app_settings.persistence
        model_ref = self._model if self._model is not None else config.get("MODEL")
        if isinstance(model_ref, str):
            try:
                model = apps.get_model(model_ref)
            except (LookupError, ValueError) as exc:
                raise ConfigurationError(f"persistence MODEL {model_ref!r}: {exc}") from exc
        elif isinstance(model_ref, type) and issubclass(model_ref, Model):
            model = model_ref
        else:
            raise ConfigurationError(f"persistence MODEL {model_ref!r} is not a model")
        field_map = self._field_map if self._field_map is not None else config.get("FIELD_MAP")
        defaults = (
            self._create_defaults
            if self._create_defaults is not None
            else config.get("CREATE_DEFAULTS")
        )
        database = self._database if self._database is not None else config.get("DATABASE")
        resolved = resolve_field_map(model, field_map or {})
        builder = UpsertBuilder(resolved, dict(defaults or {}))
        portable = PortableWriter(resolved, dict(defaults or {}))
        alias = database or router.db_for_write(model)
        return _Target(builder=builder, portable=portable, alias=alias)

    # ----------------------------------------------------------------- events

    def __call__(self, sender: Any, event: LifecycleEvent, **kwargs: Any) -> None:
        if not persistence_active():
            return
        try:
            if event.kind is EventKind.PROGRESS:
                due = self.coalescer.progress(event)
                if due:
                    self._write(due)
                else:
                    _ensure_exit_flush()
                return
            finished = event.is_terminal or event.kind is EventKind.CLEANUP
            writes = self.coalescer.take_pending(event.task_name, forget=finished)
            writes.append(write_for_event(event))
            self._write(writes)
            if event.kind is EventKind.STARTED:
                self.coalescer.started(event.task_name)
        except Exception as exc:
            self._report(event.task_name, exc)

    def flush(self) -> None:
        """Write everything pending or held (end of a worker's task, commit, process exit)."""
        try:
            writes = self.coalescer.take_held() + self.coalescer.take_all_pending()
            if writes:
                self._write(writes)
        except Exception as exc:
            self._report("<flush>", exc)

    # ---------------------------------------------------------------- writing

    def _write(self, writes: list[RowWrite]) -> None:
        target = self.target()
        connection = connections[target.alias]
        if in_application_transaction(connection):
            self.coalescer.hold(writes)
            self._flush_after_commit(connection, target.alias)
            _ensure_exit_flush()
            return
        if self.coalescer.has_held:
            writes = self.coalescer.take_held() + writes
        for write in writes:
            self._execute(target, connection, write)

    def _execute(self, target: _Target, connection: BaseDatabaseWrapper, write: RowWrite) -> None:
        try:
            if not supports_upsert(connection):
                target.portable.write(write, target.alias)
                return
            sql, params = target.builder.build(write, connection)
            if connection.in_atomic_block:
                # A savepoint, so a failing write cannot break the surrounding transaction.
                with transaction.atomic(using=target.alias), connection.cursor() as cursor:
                    cursor.execute(sql, params)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
        except Exception as exc:
            self._report(write.task_name, exc)

    def _flush_after_commit(self, connection: BaseDatabaseWrapper, alias: str) -> None:
        flush = self.flush
        if any(entry[1] == flush for entry in connection.run_on_commit):
            return
        transaction.on_commit(flush, using=alias, robust=True)

    def _report(self, task_name: str, exc: Exception) -> None:
        if task_name in self._failed_tasks:
            logger.debug("persistence_write_failed_again task_name=%s", task_name, exc_info=exc)
            return
        if len(self._failed_tasks) >= _FAILED_TASKS_KEPT:
            self._failed_tasks.clear()
        self._failed_tasks.add(task_name)
        logger.warning(
            "persistence_write_failed task_name=%s error=%s: %s",
            task_name,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )


# --------------------------------------------------------------------- process-wide

_receivers: dict[str, PersistenceReceiver] = {}
_exit_flush_pid: int | None = None


def live_receivers() -> list[PersistenceReceiver]:
    return list(_receivers.values())


def flush_all(*args: Any, **kwargs: Any) -> None:
    """Flush every connected persistence receiver; usable as a signal receiver."""
    for receiver in live_receivers():
        receiver.flush()


def _ensure_exit_flush() -> None:
    """Flush at process exit.  ``atexit`` for ordinary processes; multiprocessing's own
    finalizers for forked children (django-q2 workers), which skip ``atexit``."""
    global _exit_flush_pid
    pid = os.getpid()
    if _exit_flush_pid == pid:
        return
    _exit_flush_pid = pid
    atexit.register(flush_all)
    util.Finalize(None, flush_all, exitpriority=100)
