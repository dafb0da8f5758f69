"""The lifecycle event, its kinds and statuses, and the status precedence rule.

Nothing here touches the database: these are pure functions, so every receiver and the SQL
guard in the persistence receiver can share one definition of "which state wins".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils import timezone

from powercrud_signals.payloads import PayloadPolicy, safe_text, scrubbed_text, to_json_safe

__all__ = [
    "TERMINAL_STATUSES",
    "EventKind",
    "LifecycleEvent",
    "Status",
    "build_event",
    "coerce_kind",
    "coerce_status",
    "parse_progress",
    "status_rank",
    "supersedes",
]


class EventKind(StrEnum):
    """A lifecycle transition; the values are PowerCRUD's event names (plus ``started``)."""

    CREATE = "create"
    STARTED = "started"
    PROGRESS = "progress"
    COMPLETE = "complete"
    FAIL = "fail"
    CLEANUP = "cleanup"


class Status(StrEnum):
    """A task's state, with PowerCRUD's values (``AsyncManager.STATUSES``)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILED = "failed"


TERMINAL_STATUSES = frozenset({Status.SUCCESS, Status.FAILED})

_RANK = {Status.PENDING: 0, Status.IN_PROGRESS: 1, Status.SUCCESS: 2, Status.FAILED: 2}

# PowerCRUD documents an "error" event in AsyncManager.async_task_lifecycle's docstring;
# bespoke managers that send it mean a failure.
_KIND_ALIASES = {"error": EventKind.FAIL}


# Plain dict look-ups: calling the enum (``Status(value)``) costs several times more, and
# these run for every progress event.
_KIND_BY_NAME: dict[str, EventKind] = {kind.value: kind for kind in EventKind} | _KIND_ALIASES
_STATUS_BY_VALUE: dict[str, Status] = {status.value: status for status in Status}


def coerce_kind(value: object) -> EventKind | None:
    """The EventKind for a PowerCRUD event name, or None for a name this app does not know."""
    return _KIND_BY_NAME.get(value) if isinstance(value, str) else None


def coerce_status(value: object) -> Status | None:
    """The Status for a PowerCRUD status value; None for None or anything unrecognised."""
    return _STATUS_BY_VALUE.get(value) if isinstance(value, str) else None


def status_rank(status: Status | None) -> int:
    """Order of states: pending (0) < in_progress (1) < success/failed (2); None is -1."""
    if status is None:
        return -1
    return _RANK[status]


def supersedes(
    incoming: Status | None,
    incoming_attempt: int | None,
    current: Status | None,
    current_attempt: int | None,
) -> bool:
    """Whether a stored ``current`` status should be replaced by ``incoming``.

    - None never replaces anything (cleanup carries no status).
    - A later attempt of a retried task replaces an earlier attempt's state, terminal or not;
      an earlier attempt never replaces a later one.
    - Within one attempt (or when either attempt is unknown) a status only moves forward;
      an equal rank keeps what is stored, so duplicates are harmless and the first terminal
      outcome of an attempt stands.
    """
    if incoming is None:
        return False
    if current is None:
        return True
    attempts_known = incoming_attempt is not None and current_attempt is not None
    if attempts_known and incoming_attempt != current_attempt:
        return incoming_attempt > current_attempt  # type: ignore[operator]
    return status_rank(incoming) > status_rank(current)


_PROGRESS_RE = re.compile(r"(\d+)\s*/\s*(\d+)")


def parse_progress(text: str | None) -> tuple[int | None, int | None]:
    """``(current, total)`` from the first ``i/N`` in a progress text, else ``(None, None)``.

    Values that are not a sensible fraction (total of zero, current beyond total) are kept
    as text only, so a dashboard never draws a bar from a date like ``12/2025``.
    """
    if not text:
        return None, None
    match = _PROGRESS_RE.search(text)
    if match is None:
        return None, None
    current_text, total_text = match.groups()
    if len(current_text) > 18 or len(total_text) > 18:
        return None, None
    current, total = int(current_text), int(total_text)
    if total == 0 or current > total:
        return None, None
    return current, total


@dataclass(frozen=True, kw_only=True, slots=True)
class LifecycleEvent:
    """One transition of one task, as sent with every powercrud-signals signal.

    Everything is JSON-safe and redacted except ``user`` and ``affected_objects``, which are
    the raw objects PowerCRUD passed (only on ``create``), for in-process receivers.
    """

    kind: EventKind
    """Which transition this is."""
    task_name: str
    """PowerCRUD's task key (a UUID string); django-q2's ``Task.name``."""
    status: Status | None = None
    """The state the transition reports; None for cleanup and unknown outcomes."""
    message: str = ""
    """Human-readable text (redacted, truncated); the failure message for ``fail``."""
    progress: str | None = None
    """The raw progress text PowerCRUD reported (``progress`` only)."""
    progress_current: int | None = None
    """``i`` when the progress text holds ``i/N``."""
    progress_total: int | None = None
    """``N`` when the progress text holds ``i/N``."""
    user: Any = None
    """The user object that launched the task (``create`` in the web process only)."""
    user_label: str = ""
    """A printable label for ``user`` (the ``user`` formatter's output)."""
    affected_objects: Any = None
    """What the task touches, as PowerCRUD passed it (``create`` only)."""
    affected_label: str = ""
    """A printable label for ``affected_objects`` (the ``affected`` formatter's output)."""
    task_args: list[Any] | None = None
    """The task's positional arguments: JSON-safe, redacted, truncated."""
    task_kwargs: dict[str, Any] | None = None
    """The task's keyword arguments: JSON-safe, redacted, truncated."""
    result: Any = None
    """The task's result (``complete``/``fail``): JSON-safe, redacted, truncated."""
    timestamp: datetime = field(default_factory=timezone.now)
    """When the transition happened (aware)."""
    q2_task_id: str | None = None
    """django-q2's task id, when the emitting process knows it."""
    attempt: int | None = None
    """Which delivery of the task this is (1 for the first), when known."""
    manager: str = ""
    """Dotted path of the manager class that emitted the event."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Anything else PowerCRUD passed or the emitter knows (JSON-safe)."""

    @property
    def is_terminal(self) -> bool:
        """True for an event that reports a final outcome (success or failure)."""
        return self.status in TERMINAL_STATUSES

    def as_dict(self) -> dict[str, Any]:
        """The JSON-safe part of the event, for logs, files and queues."""
        return {
            "kind": self.kind.value,
            "task_name": self.task_name,
            "status": self.status.value if self.status else None,
            "message": self.message,
            "progress": self.progress,
            "progress_current": self.progress_current,
            "progress_total": self.progress_total,
            "user_label": self.user_label,
            "affected_label": self.affected_label,
            "task_args": self.task_args,
            "task_kwargs": self.task_kwargs,
            "result": self.result,
            "timestamp": self.timestamp.isoformat(),
            "q2_task_id": self.q2_task_id,
            "attempt": self.attempt,
            "manager": self.manager,
            "extra": dict(self.extra),
        }


# Payload keys build_event consumes itself; anything else PowerCRUD (or a bespoke manager)
# passes ends up, JSON-safe, in ``extra``.
_KNOWN_PAYLOAD_KEYS = frozenset(
    {
        "status",
        "message",
        "progress_payload",
        "user",
        "affected_objects",
        "task_kwargs",
        "task_args",
        "result",
        "timestamp",
        "extra",
        "django_q2_task_id",
        "q2_task_id",
        "attempt",
    }
)


def build_event(
    kind: EventKind,
    task_name: object,
    payload: Mapping[str, Any],
    *,
    policy: PayloadPolicy,
    manager: str = "",
    user_label: str = "",
    affected_label: str = "",
    context: Mapping[str, Any] | None = None,
) -> LifecycleEvent:
    """Turn PowerCRUD's ``async_task_lifecycle`` keyword arguments into a LifecycleEvent.

    ``context`` carries what the emitting process knows beyond the payload (q2 id, attempt,
    extra fields); payload values win over it.  ``context["extra"]`` must already be JSON-safe
    (emitters convert it once per task, not once per event).  Never raises for any payload
    content: every payload value goes through the policy's JSON-safe conversion and redaction.
    """
    context = context or {}
    status = coerce_status(payload.get("status"))
    raw_progress = payload.get("progress_payload")
    progress = _free_text(raw_progress, policy) if raw_progress is not None else None
    current, total = parse_progress(progress)
    message = payload.get("message")
    if message is None:
        message_text = ""
    elif message is raw_progress or (
        # Both str: comparing a str with another object would call that object's __eq__.
        isinstance(message, str) and isinstance(raw_progress, str) and message == raw_progress
    ):
        message_text = progress or ""  # PowerCRUD sends the progress text as the message too
    else:
        message_text = _free_text(message, policy)

    timestamp = payload.get("timestamp")
    if not isinstance(timestamp, datetime):
        timestamp = timezone.now()  # naive with USE_TZ = False: made aware below
    if timezone.is_naive(timestamp):
        timestamp = timezone.make_aware(timestamp, timezone.get_default_timezone())

    payload_extra: dict[str, Any] = {}
    given_extra = payload.get("extra")
    if isinstance(given_extra, Mapping):
        payload_extra.update(given_extra)
    elif given_extra is not None:
        payload_extra["extra"] = given_extra
    raw_status = payload.get("status")
    if raw_status is not None and status is None:
        payload_extra["raw_status"] = raw_status
    for key in payload.keys() - _KNOWN_PAYLOAD_KEYS:
        payload_extra[str(key)] = payload[key]
    extra: dict[str, Any] = dict(context.get("extra") or ())
    if payload_extra:
        extra.update(to_json_safe(payload_extra, policy))

    q2_id = _first_present(
        payload.get("django_q2_task_id"), payload.get("q2_task_id"), context.get("q2_task_id")
    )
    attempt = payload.get("attempt", context.get("attempt"))

    task_args = payload.get("task_args")
    task_kwargs = payload.get("task_kwargs")
    safe_args = to_json_safe(task_args, policy) if task_args is not None else None
    safe_kwargs = to_json_safe(task_kwargs, policy) if task_kwargs is not None else None
    return LifecycleEvent(
        kind=kind,
        task_name=safe_text(task_name, policy),
        status=status,
        message=message_text,
        progress=progress,
        progress_current=current,
        progress_total=total,
        user=payload.get("user"),
        user_label=user_label,
        affected_objects=payload.get("affected_objects"),
        affected_label=affected_label,
        task_args=_as_list(safe_args),
        task_kwargs=_as_dict(safe_kwargs),
        result=to_json_safe(payload.get("result"), policy),
        timestamp=timestamp,
        q2_task_id=safe_text(q2_id, policy) if q2_id is not None else None,
        attempt=attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None,
        manager=manager,
        extra=extra,
    )


def _first_present(*values: Any) -> Any:
    # Explicit None/"" checks: the truth value of an arbitrary object may raise.
    for value in values:
        if value is not None and not (isinstance(value, str) and not value):
            return value
    return None


def _free_text(value: object, policy: PayloadPolicy) -> str:
    return scrubbed_text(value, policy)


def _as_list(value: Any) -> list[Any] | None:
    if value is None or isinstance(value, list):
        return value
    return [value]


def _as_dict(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return {"value": value}
