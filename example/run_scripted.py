"""Scripted demo: a real django-q2 cluster on SQLite runs tasks launched through
SignalAsyncManager, and every lifecycle transition is printed as it happens.

Run it with ``make demo ARGS=--scripted`` from the repository root.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="powercrud-signals-demo-"))
    os.environ["POWERCRUD_SIGNALS_SQLITE_PATH"] = str(workdir / "demo.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.demo_settings")
    import django

    django.setup()
    from example.scripted import run

    return run(workdir)


if __name__ == "__main__":
    raise SystemExit(main())
