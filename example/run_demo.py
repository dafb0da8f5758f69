"""``make demo``: the demo project, run from the repository root.

make demo                    web server + qcluster on 127.0.0.1; Ctrl-C stops both
make demo ARGS=--check       no browser: one async bulk edit end to end, exit 1 unless the
                             dashboard row reaches success
make demo ARGS=--scripted    the scripted cluster demo printing every lifecycle transition
make demo ARGS="--port 8001" another port (a free one is picked if 8000 is taken)
make demo ARGS=--reset       start again from a fresh database
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(EXAMPLE_DIR.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="drive one bulk edit, no browser")
    mode.add_argument("--scripted", action="store_true", help="print transitions of sample tasks")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reset", action="store_true", help="delete the demo database first")
    args = parser.parse_args(argv)

    if args.scripted:
        from example.run_scripted import main as scripted

        return scripted()

    if args.check:
        workdir = Path(tempfile.mkdtemp(prefix="powercrud-signals-check-"))
        os.environ["POWERCRUD_SIGNALS_DEMO_DB"] = str(workdir / "demo.sqlite3")
    else:
        workdir = Path(os.environ.get("POWERCRUD_SIGNALS_DEMO_DIR", EXAMPLE_DIR / ".demo"))
        if args.reset and workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(exist_ok=True)
        os.environ["POWERCRUD_SIGNALS_DEMO_DB"] = str(workdir / "demo.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "example.settings"

    import django

    django.setup()
    from example import demo

    if args.check:
        try:
            return demo.check(workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return demo.serve(workdir, args.port)


if __name__ == "__main__":
    raise SystemExit(main())
