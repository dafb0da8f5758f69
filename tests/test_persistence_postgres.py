"""PostgreSQL: concurrent writers in separate processes, and the separate-connection mode."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction

from powercrud_signals.models import TaskRecord
from powercrud_signals.persistence.receiver import PersistenceReceiver
from tests.cluster import REPO_ROOT
from tests.persistence_support import make_event, new_task_name

pytestmark = [pytest.mark.postgres]

WRITERS = 6
TASKS = 20


@pytest.mark.parametrize("mode", ["upsert", "portable"])
@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_concurrent_writers_leave_one_correct_row_per_task(postgres_alias: str, mode: str) -> None:
    tasks = [new_task_name() for _ in range(TASKS)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        # The children write to the test database this test created.
        "POWERCRUD_SIGNALS_PG_NAME": settings.DATABASES[postgres_alias]["NAME"],
        "PYTHONPATH": str(REPO_ROOT),
    }
    start_at = time.time() + 4.0  # after every child has imported Django
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.persistence_writer",
                mode,
                str(seed),
                str(start_at),
                *tasks,
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(WRITERS)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * WRITERS, outputs
    rows = list(
        TaskRecord.objects.using(postgres_alias)
        .filter(task_name__in=tasks)
        .values("task_name", "status", "attempt", "progress_current", "user_label", "cleaned_up")
    )
    assert sorted(row["task_name"] for row in rows) == sorted(tasks)  # exactly one row each
    for row in rows:
        assert (row["status"], row["attempt"], row["user_label"], row["cleaned_up"]) == (
            "success",
            1,
            "alice",
            True,
        )
        # progress that arrived after a writer stored the success is dropped, as it should be
        assert row["progress_current"] in (None, 1, 2, 3, 4, 5)


def read_from_another_connection(alias: str, task_name: str) -> list[dict[str, Any]]:
    """What a dashboard request (its own connection) sees right now."""
    seen: list[dict[str, Any]] = []

    def read() -> None:
        try:
            seen.extend(
                TaskRecord.objects.using(alias)
                .filter(task_name=task_name)
                .values("status", "progress_current")
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen


@pytest.mark.django_db(transaction=True, databases=["default", "postgres", "postgres_dashboard"])
def test_separate_alias_makes_progress_visible_while_the_task_transaction_is_open(
    postgres_alias: str,
) -> None:
    receiver = PersistenceReceiver(database="postgres_dashboard", progress_interval=0)
    task = new_task_name()
    with pytest.raises(RuntimeError), transaction.atomic(using=postgres_alias):
        receiver(None, make_event("progress", task, attempt=1, progress="updating: 4/10"))
        assert read_from_another_connection(postgres_alias, task) == [
            {"status": "in_progress", "progress_current": 4}
        ]
        raise RuntimeError("the bulk operation rolls back")
    assert read_from_another_connection(postgres_alias, task) == [
        {"status": "in_progress", "progress_current": 4}
    ]


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_same_connection_holds_progress_until_the_transaction_ends(postgres_alias: str) -> None:
    receiver = PersistenceReceiver(database=postgres_alias, progress_interval=0)
    task = new_task_name()
    with pytest.raises(RuntimeError), transaction.atomic(using=postgres_alias):
        receiver(None, make_event("progress", task, attempt=1, progress="updating: 4/10"))
        assert read_from_another_connection(postgres_alias, task) == []
        raise RuntimeError("the bulk operation rolls back")
    receiver.flush()  # post_execute_in_worker
    assert read_from_another_connection(postgres_alias, task) == [
        {"status": "in_progress", "progress_current": 4}
    ]
