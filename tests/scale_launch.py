"""Launch N tasks concurrently from a web-like process of the distributed set-up.

Run as ``python -m tests.scale_launch N THREADS`` with DJANGO_SETTINGS_MODULE=tests.settings_scale;
prints a JSON line: the task names and the launch wall time.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from powercrud_signals.manager import SignalAsyncManager

    count, threads = int(sys.argv[1]), int(sys.argv[2])

    def launch(index: int) -> str:
        try:
            return SignalAsyncManager().launch_async_task(
                "tests.testapp.ops_tasks.steps_with_progress", 5
            )
        finally:
            connection.close()  # this thread's connection

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        names = list(pool.map(launch, range(count)))
    elapsed = time.perf_counter() - start
    print(json.dumps({"task_names": names, "launch_seconds": elapsed}))


if __name__ == "__main__":
    main()
