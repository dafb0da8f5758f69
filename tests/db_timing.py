"""Per-process database time by table family, for the scale test's "dashboard share" figure.

Installed on every new connection (``connection_created``) when POWERCRUD_SIGNALS_DB_TIMING
names a directory; each process rewrites ``<dir>/<pid>.json`` with its running totals after
every query (django-q2's worker processes end with ``os._exit``, so nothing runs at exit).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

DB_TIMING_ENV = "POWERCRUD_SIGNALS_DB_TIMING"

_totals: dict[str, list[float]] = {}


def category(sql: str) -> str:
    lowered = sql.lower()
    if "powercrud_signals_taskrecord" in lowered:
        return f"dashboard {lowered.split(None, 1)[0]}"  # by statement: insert, update ...
    if "django_q_" in lowered:
        return "django_q2"
    if "testapp_" in lowered:
        return "task"
    return "other"


def _flush(directory: str) -> None:
    path = os.path.join(directory, f"{os.getpid()}.json")
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(_totals, handle)
    os.replace(temporary, path)


def timed_execute(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - start
        entry = _totals.setdefault(category(sql), [0, 0.0])
        entry[0] += 1
        entry[1] += elapsed
        directory = os.environ.get(DB_TIMING_ENV)
        if directory:
            _flush(directory)


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if os.environ.get(DB_TIMING_ENV) and timed_execute not in connection.execute_wrappers:
        connection.execute_wrappers.append(timed_execute)


def read_totals(directory: str) -> dict[str, dict[str, float]]:
    """Totals over every process that wrote to ``directory``: {category: {queries, seconds}}."""
    merged: dict[str, dict[str, float]] = {}
    for name in os.listdir(directory):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            for key, (count, seconds) in json.load(handle).items():
                entry = merged.setdefault(key, {"queries": 0, "seconds": 0.0})
                entry["queries"] += count
                entry["seconds"] += seconds
    return merged
