"""A real django-q2 cluster in subprocesses, and a reader for events they send.

The cluster runs ``python -m django qcluster`` on the test settings, so it shares the test
database file (SQLITE_PATH) and sends events to the JSON-lines file named by
POWERCRUD_SIGNALS_EVENT_LOG through the ``tests.receivers.append_event_line`` receiver.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.receivers import EVENT_LOG_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent


class EventLog:
    """Events appended by every process, read back in file order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()

    def events(self, task_name: str | None = None) -> list[dict[str, Any]]:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        events = [json.loads(line) for line in lines if line.strip()]
        if task_name is not None:
            events = [event for event in events if event["task_name"] == task_name]
        return events

    def kinds(self, task_name: str) -> list[str]:
        return [event["kind"] for event in self.events(task_name)]

    def wait_for(
        self,
        predicate: Callable[[list[dict[str, Any]]], bool],
        task_name: str | None = None,
        timeout: float = 60.0,
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            events = self.events(task_name)
            if predicate(events):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s; events so far: {events}")
            time.sleep(0.05)

    def wait_for_kind(
        self, task_name: str, kind: str, timeout: float = 60.0
    ) -> list[dict[str, Any]]:
        return self.wait_for(lambda evs: any(e["kind"] == kind for e in evs), task_name, timeout)


class Q2Cluster:
    """Start, watch and stop ``manage.py qcluster`` for the test settings."""

    def __init__(
        self, log_dir: Path, env: Mapping[str, str] | None = None, name: str = "cluster"
    ) -> None:
        self.log_path = log_dir / f"{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
            ),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Q2Cluster:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "qcluster"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() can signal the whole process group
        )
        deadline = time.monotonic() + timeout
        while "running." not in self.output():
            if self.process.poll() is not None:
                raise RuntimeError(f"qcluster exited early:\n{self.output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"qcluster did not start in {timeout}s:\n{self.output()}")
            time.sleep(0.1)
        return self

    def output(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )

    def worker_pids(self) -> list[int]:
        """Process ids of the cluster's children (workers, monitor, pusher)."""
        assert self.process is not None
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            # The main process only: it stops its sentinel, which stops workers, monitor and
            # pusher in order.  Signalling the whole group kills the sentinel outright (its
            # SIGTERM is SIG_DFL), and the main process then often waits out its 30 s.
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
            with contextlib.suppress(ProcessLookupError):  # stragglers, if any
                os.killpg(self.process.pid, signal.SIGKILL)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def event_log_env(path: Path) -> dict[str, str]:
    return {EVENT_LOG_ENV: str(path)}
