"""Cost of the logging and metrics receivers per progress event, against no receiver.

``.venv/bin/python bench/receivers_overhead.py [--events N] [--runs R] [--multiprocess]``

A bulk job sends one ``progress`` event per record, in the worker, so that is the event
measured: ``SignalAsyncManager.async_task_lifecycle("progress", ...)``, the call PowerCRUD
makes, N times per block.  Variants run in interleaved blocks in one process; the table gives
the median microseconds per event and the ratio to the peer (the same call with neither
receiver connected).  ``--multiprocess`` runs prometheus_client in multiprocess mode (a
temporary PROMETHEUS_MULTIPROC_DIR), as the django-q2 workers of a deployment would.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault(
    "POWERCRUD_SIGNALS_SQLITE_PATH", str(Path(tempfile.mkdtemp(prefix="pcs-bench-")) / "db.sqlite3")
)
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.pop("POWERCRUD_SIGNALS_EVENT_LOG", None)
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
if "--multiprocess" in sys.argv:  # read by prometheus_client at import
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pcs-bench-prom-")

import django  # noqa: E402

django.setup()

import structlog  # noqa: E402

from powercrud_signals.manager import SignalAsyncManager  # noqa: E402
from powercrud_signals.testing import connected_receivers  # noqa: E402

LOG = "powercrud_signals.receivers.logging.log_transition"
METRICS = "powercrud_signals.receivers.metrics.record_transition"


@contextmanager
def stdlib_logger(level: int) -> Iterator[None]:
    structlog.reset_defaults()
    logger = logging.getLogger("powercrud_signals.tasks")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)


@contextmanager
def structlog_json(level: int) -> Iterator[None]:
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(io.StringIO()),
    )
    try:
        yield
    finally:
        structlog.reset_defaults()


def block(events: int) -> float:
    manager = SignalAsyncManager()
    start = time.perf_counter()
    for index in range(events):
        manager.async_task_lifecycle(
            "progress", "bench-task", status="in_progress", progress_payload=f"row {index}/{events}"
        )
    return (time.perf_counter() - start) / events * 1e6


@contextmanager
def nothing() -> Iterator[None]:
    yield


VARIANTS: dict[str, Callable[[], object]] = {
    "peer: no receiver": lambda: nothing(),
    "logging, stdlib, progress filtered (INFO)": lambda: stdlib_logger(logging.INFO),
    "logging, stdlib, progress written (DEBUG)": lambda: stdlib_logger(logging.DEBUG),
    "logging, structlog JSON, progress filtered (INFO)": lambda: structlog_json(logging.INFO),
    "logging, structlog JSON, progress written": lambda: structlog_json(logging.DEBUG),
    "metrics": lambda: nothing(),
}
ENTRIES = {
    "peer: no receiver": (),
    "logging, stdlib, progress filtered (INFO)": (LOG,),
    "logging, stdlib, progress written (DEBUG)": (LOG,),
    "logging, structlog JSON, progress filtered (INFO)": (LOG,),
    "logging, structlog JSON, progress written": (LOG,),
    "metrics": (METRICS,),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    block(200)  # warm caches and imports
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.runs):
        for name, setup in VARIANTS.items():
            with setup(), connected_receivers(*ENTRIES[name]):  # type: ignore[attr-defined]
                samples[name].append(block(args.events))
    peer = statistics.median(samples["peer: no receiver"])
    mode = "multiprocess" if args.multiprocess else "single-process"
    print(f"{args.events} progress events x {args.runs} interleaved runs ({mode} metrics)")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:<50} {median:8.1f} us   x{median / peer:.2f}")


if __name__ == "__main__":
    main()
