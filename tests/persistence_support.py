"""Helpers shared by the persistence tests: events of one task, and the receiver under test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from powercrud_signals.events import EventKind, LifecycleEvent, Status, parse_progress
from powercrud_signals.receivers.persistence import PersistenceReceiver, connect, disconnect

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)

STATUS_FOR_KIND = {
    EventKind.CREATE: Status.PENDING,
    EventKind.STARTED: Status.IN_PROGRESS,
    EventKind.PROGRESS: Status.IN_PROGRESS,
    EventKind.COMPLETE: Status.SUCCESS,
    EventKind.FAIL: Status.FAILED,
    EventKind.CLEANUP: None,
}

MESSAGE_FOR_KIND = {
    EventKind.CREATE: "Task queued",
    EventKind.STARTED: "Task started",
    EventKind.COMPLETE: "Task completed successfully",
    EventKind.FAIL: "boom",
}


def new_task_name() -> str:
    return str(uuid.uuid4())


def make_event(
    kind: EventKind | str,
    task_name: str,
    *,
    seconds: float = 0.0,
    progress: str | None = None,
    **fields: Any,
) -> LifecycleEvent:
    """A realistic event of ``kind``: PowerCRUD's status and message for it, a timestamp
    ``seconds`` after T0, and whatever ``fields`` override."""
    kind = EventKind(kind)
    values: dict[str, Any] = {
        "kind": kind,
        "task_name": task_name,
        "status": STATUS_FOR_KIND[kind],
        "message": MESSAGE_FOR_KIND.get(kind, progress or ""),
        "timestamp": T0 + timedelta(seconds=seconds),
        "manager": "powercrud_signals.manager.SignalAsyncManager",
    }
    if kind is EventKind.PROGRESS:
        values["progress"] = progress
        values["progress_current"], values["progress_total"] = parse_progress(progress)
    values.update(fields)
    return LifecycleEvent(**values)


@contextmanager
def connected(
    receiver: PersistenceReceiver, uid: str = "tests.persistence"
) -> Iterator[PersistenceReceiver]:
    """Connect ``receiver`` for the block (the settings-configured one is disconnected)."""
    from powercrud_signals.receivers import persistence

    had_default = persistence.DISPATCH_UID in persistence._receivers
    disconnect()
    connect(receiver, dispatch_uid=uid)
    try:
        yield receiver
    finally:
        disconnect(uid)
        if had_default:
            connect()
