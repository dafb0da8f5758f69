"""``make demo``: the web server and the cluster start together and stop together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from example.processes import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DEMO = REPO_ROOT / "example" / "run_demo.py"

pytestmark = pytest.mark.cluster


def _demo_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERCRUD_SIGNALS_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["POWERCRUD_SIGNALS_DEMO_DIR"] = str(workdir)
    return env


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,pgid=,ppid="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if int(line.split()[2]) == pid]


def test_demo_serves_pages_and_stops_both_processes_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port(18000 + os.getpid() % 1000)
    demo = subprocess.Popen(
        [sys.executable, str(RUN_DEMO), "--port", str(port)],
        cwd=REPO_ROOT,
        env=_demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "Press Ctrl-C" in text, text
        assert f"http://127.0.0.1:{port}/" in text
        assert "demo / demo" in text

        children = _children_of(demo.pid)
        assert len(children) == 2  # runserver and qcluster
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10)
        assert login.status == 200 and b"Log in" in login.read()
        # Anonymous users are sent to the login page by the catalogue and the dashboard.
        for path in ("/catalogue/product/", "/tasks/"):
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert "/login/" in page.url

        demo.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal delivers
        rest, _ = demo.communicate(timeout=60)
        assert demo.returncode == 0, text + rest
        assert "web server and cluster stopped." in rest
        for pid in children:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


def test_demo_check_drives_a_bulk_edit_to_success(tmp_path: Path) -> None:
    pytest.importorskip(
        "powercrud_signals.receivers.persistence",
        reason="needs the persistence receiver that writes dashboard rows",
    )
    result = subprocess.run(
        [sys.executable, str(RUN_DEMO), "--check"],
        cwd=REPO_ROOT,
        env=_demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: the dashboard row reached success and all 200 products were updated." in (
        result.stdout
    )
