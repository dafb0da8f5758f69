"""What one event contributes to its task's row, by logical name, and how each value merges.

A ``RowWrite`` is the unit the statement builder turns into one upsert.  Coalesced progress
events fold into one ``RowWrite`` (see ``coalescer``) whose effect on the row equals applying
them one after another, so coalescing never changes what the row ends up holding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from powercrud_signals.events import EventKind, LifecycleEvent, Status


class Rule(Enum):
    """How an incoming value combines with the stored one (see docs/persistence.md)."""

    FILL = "fill"
    """Metadata: written only when the stored value is empty (NULL, or '' for text)."""
    STATUS = "status"
    """Written when the incoming status supersedes the stored one (``events.supersedes``)."""
    ATTEMPT = "attempt"
    """Follows the status: replaced (when known) whenever the status is replaced."""
    MESSAGE = "message"
    """Written when the event does not lose to the stored status (a terminal event: when it
    replaces the status), or when the stored text is empty."""
    UNLESS_LOSING = "unless_losing"
    """Progress and result: written when the event does not lose to the stored status (a
    terminal event's result: when it replaces the status)."""
    EARLIEST = "earliest"
    """The smallest value seen (``created_at``)."""
    LATEST = "latest"
    """The greatest value seen (``updated_at`` and the per-transition timestamps)."""
    SET = "set"
    """Always written (the cleaned-up flag, which only ever goes to True)."""


RULES: dict[str, Rule] = {
    "status": Rule.STATUS,
    "attempt": Rule.ATTEMPT,
    "message": Rule.MESSAGE,
    "progress": Rule.UNLESS_LOSING,
    "progress_current": Rule.UNLESS_LOSING,
    "progress_total": Rule.UNLESS_LOSING,
    "result": Rule.UNLESS_LOSING,
    "user": Rule.FILL,
    "user_id": Rule.FILL,
    "affected": Rule.FILL,
    "kwargs": Rule.FILL,
    "args": Rule.FILL,
    "q2_task_id": Rule.FILL,
    "manager": Rule.FILL,
    "created_at": Rule.EARLIEST,
    "updated_at": Rule.LATEST,
    "started_at": Rule.LATEST,
    "completed_at": Rule.LATEST,
    "failed_at": Rule.LATEST,
    "cleaned_at": Rule.LATEST,
    "cleaned": Rule.SET,
}


@dataclass(slots=True)
class RowWrite:
    """The values one event (or a run of coalesced progress events) writes to a task's row."""

    task_name: str
    kind: EventKind
    status: Status | None
    attempt: int | None
    values: dict[str, Any] = field(default_factory=dict)
    """Logical name -> raw value (fitted to its column by the statement builder)."""
    user: Any = None
    """The raw user object, for a user foreign-key column."""


def write_for_event(event: LifecycleEvent) -> RowWrite:
    """The RowWrite for one lifecycle event; values that are None or empty are left out."""
    ts = event.timestamp
    values: dict[str, Any] = {"created_at": ts, "updated_at": ts}
    if event.status is not None:
        values["status"] = event.status.value
        if event.attempt is not None:
            values["attempt"] = event.attempt
    if event.q2_task_id:
        values["q2_task_id"] = event.q2_task_id
    if event.manager:
        values["manager"] = event.manager
    kind = event.kind
    if kind is EventKind.PROGRESS:
        if event.progress is not None:
            values["progress"] = event.progress
        if event.progress_current is not None:
            values["progress_current"] = event.progress_current
            values["progress_total"] = event.progress_total
    elif event.message:
        values["message"] = event.message
    if event.user_label:
        values["user"] = event.user_label
    if event.user is not None:
        values["user_id"] = event.user
    if event.affected_label:
        values["affected"] = event.affected_label
    if event.task_args is not None:
        values["args"] = event.task_args
    if event.task_kwargs is not None:
        values["kwargs"] = event.task_kwargs
    if kind is EventKind.STARTED:
        values["started_at"] = ts
    if event.status is Status.SUCCESS:
        values["completed_at"] = ts
    elif event.status is Status.FAILED:
        values["failed_at"] = ts
    if event.is_terminal and event.result is not None:
        values["result"] = event.result
    if kind is EventKind.CLEANUP:
        values["cleaned"] = True
        values["cleaned_at"] = ts
    return RowWrite(
        task_name=event.task_name,
        kind=kind,
        status=event.status,
        attempt=event.attempt,
        values=values,
        user=event.user,
    )
