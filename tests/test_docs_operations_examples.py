"""The examples of docs/operations.md do what the page says."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_q.models import Schedule
from yourproject import maintenance_migration

from powercrud_signals.schedules import SCHEDULE_NAMES

pytestmark = pytest.mark.django_db


def test_migration_depends_on_a_real_django_q_migration() -> None:
    graph = MigrationLoader(connection).graph
    django_q = [dep for dep in maintenance_migration.Migration.dependencies if dep[0] == "django_q"]
    assert django_q and all(dep in graph.nodes for dep in django_q)


def test_running_the_migration_twice_creates_the_three_schedules_once() -> None:
    maintenance_migration.schedule_maintenance(None, None)
    maintenance_migration.schedule_maintenance(None, None)
    names = set(SCHEDULE_NAMES.values())
    assert len(names) == 3
    assert Schedule.objects.filter(name__in=names).count() == 3
    reconcile = Schedule.objects.get(name=SCHEDULE_NAMES["reconcile"])
    assert (reconcile.schedule_type, reconcile.minutes) == (Schedule.MINUTES, 5)


@pytest.mark.postgres
def test_async_commit_option_reaches_postgresql(postgres_alias: str) -> None:
    import psycopg
    from django.conf import settings

    example = importlib.import_module("yourproject.settings_async_commit")
    dashboard = example.DATABASES["dashboard"]
    assert {k: v for k, v in dashboard.items() if k != "OPTIONS"} == example.DATABASES["default"]
    assert example.POWERCRUD_SIGNALS["PERSISTENCE"]["DATABASE"] == "dashboard"
    # The OPTIONS string, given to a real server the way Django's backend passes it.
    server = settings.DATABASES[postgres_alias]
    with psycopg.connect(
        host=server["HOST"],
        port=server["PORT"],
        user=server["USER"],
        password=server["PASSWORD"],
        dbname="postgres",
        **dashboard["OPTIONS"],
    ) as conn:
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
