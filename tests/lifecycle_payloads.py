"""Turning generated fields into the keyword arguments of PowerCRUD's ``_emit_lifecycle``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Short field names used by the property tests -> PowerCRUD's payload keys.
POWERCRUD_KEYS = {
    "kind": "event",
    "task_name": "task_name",
    "status": "status",
    "message": "message",
    "progress": "progress_payload",
    "user": "user",
    "affected": "affected_objects",
    "args": "task_args",
    "kwargs": "task_kwargs",
    "result": "result",
    "extra": "extra",
    "q2_id": "django_q2_task_id",
    "attempt": "attempt",
}


def powercrud_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``_emit_lifecycle`` keyword arguments for the generated ``fields`` present."""
    return {POWERCRUD_KEYS[name]: value for name, value in fields.items() if name in POWERCRUD_KEYS}
