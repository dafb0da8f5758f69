"""Start and stop the demo's processes (web server, qcluster), each in its own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ManagedProcess:
    """``python -m django <args>`` with its output in a log file, stopped with its children."""

    def __init__(self, name: str, args: list[str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
            ),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "django", *self.args],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own group: Ctrl-C in the terminal reaches only run_demo.py, which then
                # stops each group in order, workers included.
                start_new_session=True,
            )
        return self

    def output(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if not self.running():
                raise RuntimeError(f"{self.name} exited early; its log:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} was not ready after {timeout:.0f} s; log: {self.log_path}"
                )
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to the main process (qcluster then stops its own workers in order), then
        anything left in the group is killed."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=timeout)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


def start_cluster(log_dir: Path) -> ManagedProcess:
    cluster = ManagedProcess("qcluster", ["qcluster"], log_dir).start()
    cluster.wait_until(lambda: "running." in cluster.output(), timeout=60)
    return cluster


def start_web_server(log_dir: Path, port: int) -> ManagedProcess:
    server = ManagedProcess(
        "runserver", ["runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"], log_dir
    ).start()
    server.wait_until(lambda: port_open(port), timeout=60)
    return server


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens on it, else a port the system picks."""
    if not port_open(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
